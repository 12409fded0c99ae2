from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "retain.reviews"
    label = "reviews"

    def ready(self) -> None:
        # Registers the object permissions with django-rules.
        from retain.reviews import permissions  # noqa: F401
