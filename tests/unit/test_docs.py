"""The docs name every command, import column and setting the code has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retain.cli import RETAIN_COMMANDS
from retain.transfer.formats import KINDS, get_format

ROOT = Path(__file__).resolve().parents[2]


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(RETAIN_COMMANDS))
def test_readme_documents_every_retain_command(command):
    assert f"retain {command}" in read("README.md")


@pytest.mark.parametrize("kind", KINDS)
def test_import_doc_gives_each_kinds_exact_header(kind):
    doc = read("docs/import.md")
    section = doc.split(f"### {kind}\n", 1)[1].split("\n### ", 1)[0]
    assert f"`{','.join(get_format(kind).columns)}`" in section
    for column in get_format(kind).columns:
        assert f"| {column} |" in section


def test_configuration_doc_names_every_setting():
    settings_source = read("src/retain/settings.py")
    names = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    assert names, "no settings found: has settings.py stopped using the env helpers?"
    doc = read("docs/configuration.md")
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert missing == []


def test_architecture_names_every_app():
    doc = read("ARCHITECTURE.md")
    apps = [p.name for p in (ROOT / "src/retain").iterdir() if (p / "apps.py").exists()]
    assert sorted(app for app in apps if f"{app}/" not in doc) == []
