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


# Advocacy, and what its referral candidates read: NPS answers and incidents. Models are
# named by label so these factories need no imports above the earlier ones.


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Survey"

    name = factory.Sequence(lambda n: f"NPS {n}")
    kind = "nps"
    question = "How likely are you to recommend us to a colleague?"
    created_at = factory.LazyFunction(timezone.now)


class SurveyInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Invitation"

    survey = factory.SubFactory(SurveyFactory)
    client = factory.SubFactory(ClientFactory)
    contact = factory.SubFactory(ContactFactory, client=factory.SelfAttribute("..client"))
    token = factory.Sequence(lambda n: f"test-token-{n}")
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    answered_at = factory.LazyFunction(timezone.now)


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """An NPS answer from a contact at the client (a promoter's 9 unless told)."""

    class Meta:
        model = "surveys.Response"

    client = factory.SubFactory(ClientFactory)
    invitation = factory.SubFactory(
        SurveyInvitationFactory,
        client=factory.SelfAttribute("..client"),
        answered_at=factory.SelfAttribute("..answered_at"),
    )
    kind = "nps"
    score = 9
    answered_at = factory.LazyFunction(timezone.now)


class IncidentFactory(factory.django.DjangoModelFactory):
    """An open incident of severity 3 for the client, in support's inbox."""

    class Meta:
        model = "incidents.Incident"

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Incident {n}")
    category = "poor_service"
    severity = 3
    responsible_department = factory.SubFactory(DepartmentFactory, slug="support")
    opened_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class AdvocacyAskFactory(factory.django.DjangoModelFactory):
    """A referral asked for today and not answered yet."""

    class Meta:
        model = "advocacy.AdvocacyAsk"

    client = factory.SubFactory(ClientFactory)
    kind = "referral"
    prospect = factory.Sequence(lambda n: f"Prospect {n} GmbH")
    asked_on = factory.LazyFunction(timezone.localdate)


class IntroductionFactory(factory.django.DjangoModelFactory):
    """An introduction to a partner made today, its outcome pending."""

    class Meta:
        model = "advocacy.Introduction"

    client = factory.SubFactory(ClientFactory)
    kind = "partner"
    introduced_name = factory.Faker("name")
    introduced_organisation = factory.Sequence(lambda n: f"Partner {n} AG")
    made_on = factory.LazyFunction(timezone.localdate)


# The value report, and what it reads besides incidents and survey answers: promises,
# reviews and their actions, council meetings and feedback, usage events.


class CommitmentFactory(factory.django.DjangoModelFactory):
    """An open promise to the client, made a week ago, for support to keep in a week."""

    class Meta:
        model = "commitments.Commitment"

    client = factory.SubFactory(ClientFactory)
    promise = factory.Sequence(lambda n: f"Promise {n}")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    made_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    keeper_department = factory.SubFactory(DepartmentFactory, slug="support")


class ClientReviewFactory(factory.django.DjangoModelFactory):
    """A cross-department review of the client planned for a fortnight from today."""

    class Meta:
        model = "reviews.ClientReview"

    client = factory.SubFactory(ClientFactory)
    scheduled_for = factory.Sequence(lambda n: timezone.localdate() + dt.timedelta(days=14 + n))


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open action decided at a review of the client, due in a week."""

    class Meta:
        model = "reviews.ActionItem"

    client = factory.SubFactory(ClientFactory)
    review = factory.SubFactory(ClientReviewFactory, client=factory.SelfAttribute("..client"))
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "councils.Council"

    name = factory.Sequence(lambda n: f"Customer council {n}")


class CouncilMeetingFactory(factory.django.DjangoModelFactory):
    """A meeting of a new customer council, a month from now."""

    class Meta:
        model = "councils.Meeting"

    council = factory.SubFactory(CouncilFactory)
    title = factory.Sequence(lambda n: f"Council meeting {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    agenda = "Roadmap and feedback"


class CouncilFeedbackFactory(factory.django.DjangoModelFactory):
    """Something the client raised at a council meeting, not yet acted on."""

    class Meta:
        model = "councils.Feedback"

    meeting = factory.SubFactory(CouncilMeetingFactory)
    client = factory.SubFactory(ClientFactory)
    text = factory.Sequence(lambda n: f"Feedback {n}")


class EventTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.EventType"
        django_get_or_create = ("name",)

    name = "login"


class UsageEventFactory(factory.django.DjangoModelFactory):
    """One use of the product by someone at the client, just now."""

    class Meta:
        model = "clients.UsageEvent"

    client = factory.SubFactory(ClientFactory)
    event_type = factory.SubFactory(EventTypeFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    user = "user@client.test"
