"""Forms that parse what people type on the client pages; rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.cache import cache

from retain.accounts.models import Department, User
from retain.clients.choices import ClientStatus, LifecycleStage, OwnerRole
from retain.clients.selectors import DEFAULT_SORT, SORTS, ClientFilters
from retain.clients.services import MANUAL_TIMELINE_KINDS

# How long a filter menu of people or departments is reused (per process).
MENU_SECONDS = 60

RENEWAL_WINDOWS = [
    ("", "Any time"),
    ("30", "Within 30 days"),
    ("60", "Within 60 days"),
    ("90", "Within 90 days"),
]


class _ListedChoices(forms.models.ModelChoiceIterator):
    """Choices read with one plain query, or from the cache for a filter menu.

    Django's own iterator uses ``QuerySet.iterator()``, which on PostgreSQL opens a
    server-side cursor: three round trips (and a count for ``len``) for a dozen rows.
    """

    field: ListedModelChoiceField

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if not self.field.menu_key:
            for obj in self.queryset.all():
                yield self.choice(obj)
            return
        menu = cache.get_or_set(
            self.field.menu_key,
            lambda: [(obj.pk, self.field.label_from_instance(obj)) for obj in self.queryset.all()],
            timeout=MENU_SECONDS,
        )
        yield from cast(list[tuple[int, str]], menu)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for short lists (people, departments), read in one query.

    With ``menu_key``, a filter menu: its choices are cached for ``MENU_SECONDS`` per
    process (a new teammate or department may wait that long to be offered); what is
    chosen is still checked against the database.
    """

    iterator = _ListedChoices

    def __init__(self, *args: Any, menu_key: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.menu_key = menu_key


def _team() -> forms.ModelChoiceField:
    return ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        required=False,
        empty_label="Anyone",
        menu_key="menu:team",
    )


class ClientFilterForm(forms.Form):
    """The client list's search box, filters and sort order (all optional)."""

    q = forms.CharField(required=False, label="Search", max_length=200)
    segment = forms.ChoiceField(required=False)
    owner = _team()
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ClientStatus.choices])
    lifecycle_stage = forms.ChoiceField(
        required=False, label="Lifecycle", choices=[("", "Any stage"), *LifecycleStage.choices]
    )
    renewal = forms.ChoiceField(required=False, label="Renewal", choices=RENEWAL_WINDOWS)
    department = ListedModelChoiceField(
        queryset=Department.objects.filter(is_active=True),
        menu_key="menu:departments:active",
        required=False,
        label="Department involved",
        empty_label="Any department",
    )
    sort = forms.ChoiceField(
        required=False, choices=[(s, s) for key in SORTS for s in (key, f"-{key}")]
    )

    def __init__(self, *args: object, segments: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["segment"].choices = [("", "Any segment"), *[(s, s) for s in segments]]  # type: ignore[attr-defined]

    def to_filters(self) -> ClientFilters:
        """The filters to pass to ``selectors.list_clients`` (bad values are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        department = data.get("department")
        return ClientFilters(
            search=data.get("q", ""),
            segment=data.get("segment", ""),
            owner=data.get("owner"),
            status=data.get("status", ""),
            lifecycle_stage=data.get("lifecycle_stage", ""),
            renewal_within_days=int(data["renewal"]) if data.get("renewal") else None,
            department_id=department.pk if department else None,
            sort=data.get("sort") or DEFAULT_SORT,
        )


class TimelineEntryForm(forms.Form):
    """A note, call, meeting or email logged on the client's timeline."""

    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in MANUAL_TIMELINE_KINDS])
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Details"
    )


class TimelineFilterForm(forms.Form):
    """Which part of the timeline to show."""

    department = ListedModelChoiceField(
        queryset=Department.objects.all(),
        menu_key="menu:departments:all",
        required=False,
        empty_label="All departments",
    )
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds")])

    def __init__(self, *args: object, **kwargs: object) -> None:
        # Its own ids: the client page also has the entry form, with a "kind" of its own.
        kwargs.setdefault("auto_id", "id_tl_%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from retain.clients.choices import TimelineKind

        self.fields["kind"].choices = [("", "All kinds"), *TimelineKind.choices]  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    """Hand the client, or its backup role, to someone else, with a note for them."""

    role = forms.ChoiceField(
        choices=OwnerRole.choices, initial=OwnerRole.OWNER, widget=forms.RadioSelect
    )
    new_user = ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        label="Hand over to",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Handoff note",
        help_text="What the new owner must know: open issues, promises made, who to talk to.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ClientEditForm(forms.Form):
    """The client's descriptive fields, and churn when the client has left."""

    name = forms.CharField(max_length=200)
    segment = forms.CharField(max_length=100, required=False)
    industry = forms.CharField(max_length=100, required=False)
    country = forms.CharField(
        max_length=2, required=False, help_text="Two-letter ISO code, e.g. DE"
    )
    lifecycle_stage = forms.ChoiceField(choices=LifecycleStage.choices, label="Lifecycle stage")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise forms.ValidationError("Use a two-letter ISO 3166 code such as DE.")
        return country


class NewClientForm(forms.Form):
    """A client won today: who they are, who owns them, and what the owner must know."""

    external_id = forms.CharField(
        max_length=100, label="External id", help_text="The id your other systems use."
    )
    name = forms.CharField(max_length=200)
    segment = forms.CharField(max_length=100, required=False)
    industry = forms.CharField(max_length=100, required=False)
    country = forms.CharField(
        max_length=2, required=False, help_text="Two-letter ISO code, e.g. DE"
    )
    owner = ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
    )
    backup_owner = ListedModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        required=False,
        label="Backup owner",
    )
    handoff_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Handoff note",
        help_text="What the owner must know: what was sold, promised, and to whom.",
    )

    clean_country = ClientEditForm.clean_country


class ChurnForm(forms.Form):
    """Record that the client left: when and why."""

    churned_on = forms.DateField(label="Left on", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why they left")
    version = forms.IntegerField(widget=forms.HiddenInput)
