"""WSGI entry point used by `retain serve` (gunicorn) and any other WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
application = get_wsgi_application()
