"""Mail delivery pieces of our own."""

from __future__ import annotations

import sys
from typing import Any

from django.core.mail.backends.console import EmailBackend


class ConsoleBackend(EmailBackend):
    """Django's console backend, writing to standard error.

    Commands print their results on standard output (`retain check-consistency --json`
    prints one JSON object per line); mail they send on the way (with `console://`, the
    demo's default) must not mix into it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
