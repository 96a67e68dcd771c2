"""Entity resolution: canonical entity ids across papers and across runs.

``resolve_stream(facts, store)`` is the entry point the pipeline calls between extraction
and writing. The rules are pure functions in ``kg.resolve.keys`` (names) and
``kg.resolve.core`` (votes, decisions, one paper); ``kg.resolve.stream`` drives them over a
stream, keeping state in the store; ``kg.resolve.report`` explains what was merged.
"""

from __future__ import annotations

from kg.resolve.stream import resolve_chunks, resolve_stream

__all__ = ["resolve_chunks", "resolve_stream"]
