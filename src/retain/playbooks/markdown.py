"""Playbook guidance: Markdown rendered safely.

markdown-it-py in CommonMark mode with raw HTML off: any HTML someone types is shown
as text, and links with javascript:, vbscript: or data: (but images) are not made links
(markdown-it's own validateLink). So guidance can never run script in anyone's browser.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text: str) -> str:
    """HTML for ``text``; safe to mark safe (see the module docstring)."""
    return _RENDERER.render(text)
