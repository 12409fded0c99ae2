"""Item attributes (colour, size, specification) as people write them: ``name=value``
pairs separated by ``;``, e.g. ``colour=blue; size=L``. Names are compared in lower case."""

from __future__ import annotations

import re

WELL_FORMED = re.compile(r"^\s*$|^\s*[^=;]+=[^;]*(;\s*[^=;]+=[^;]*)*;?\s*$")


def parse_attributes(text: str) -> dict[str, str]:
    """``colour=Blue; size=L`` as ``{"colour": "Blue", "size": "L"}``; blank text is none.

    Raises ValueError, saying what is wrong, for text that is not name=value pairs or
    that names an attribute twice.
    """
    if not WELL_FORMED.match(text):
        raise ValueError("expected name=value pairs separated by ; (colour=blue; size=L)")
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name in pairs:
            raise ValueError(f"attribute {name!r} given twice")
        pairs[name] = value.strip()
    return pairs


def format_attributes(attributes: dict[str, object]) -> str:
    """The attributes as ``name=value`` pairs, by name: what ``parse_attributes`` reads."""
    return "; ".join(f"{name}={value}" for name, value in sorted(attributes.items()))
