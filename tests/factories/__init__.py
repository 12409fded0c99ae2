"""factory-boy factories for Retain's models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from retain.accounts.models import Department, User
from retain.clients.models import Client, Contact, SubscriptionLine, Transaction


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"department-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"member{n}@retain.test")
    username = factory.LazyAttribute(lambda o: o.email)
    password = factory.django.Password("correct-horse-battery")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    external_id = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    segment = "mid-market"
    industry = "Manufacturing"
    country = "DE"
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")


class SubscriptionLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionLine

    client = factory.SubFactory(ClientFactory)
    product = "Platform"
    start_date = dt.date(2025, 1, 1)
    mrr = Decimal("1000.00")


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    client = factory.SubFactory(ClientFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    amount = Decimal("250.00")
