from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


def _timeline_entry_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        from retain.cadences.services import close_touches_made_by

        close_touches_made_by(instance)


class CadencesConfig(AppConfig):
    name = "retain.cadences"
    label = "cadences"

    def ready(self) -> None:
        # Registers the permissions with django-rules.
        from retain.cadences import permissions  # noqa: F401
        from retain.clients.models import TimelineEntry

        # A signal, not a call from the clients app: clients is beneath cadences and
        # must not import it. Bulk imports send no signal; the daily plan catches them.
        post_save.connect(
            _timeline_entry_saved, sender=TimelineEntry, dispatch_uid="cadences-touches"
        )
