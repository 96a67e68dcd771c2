"""LaTeX → Unicode text: the LaTeX step of :mod:`kg.loaders.text` (pylatexenc, island by island)."""

from __future__ import annotations

from .text import latex_to_text


def decode(text: str) -> str:
    """Best-effort plain text: ``{\\'e}cole`` → ``école``; math ``$...$`` keeps its content."""
    return latex_to_text(text)
