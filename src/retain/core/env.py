"""Small typed readers for settings taken from the environment.

Every setting can also be read from a file named by ``NAME_FILE`` so that
secrets can come from a container secret or a file only root can read.
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return ``$NAME``, else the contents of the file ``$NAME_FILE``, else ``default``."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    """Return a boolean setting; refuse anything that is not clearly true or false."""
    raw = env_str(name, "1" if default else "0").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    """Return an integer setting with a clear error for anything else."""
    raw = env_str(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None


def env_float(name: str, default: float) -> float:
    """Return a decimal-number setting with a clear error for anything else."""
    raw = env_str(name, str(default)).strip()
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated setting as a list of trimmed, non-empty items."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]
