"""Record elements of a large XML file, one at a time, each with its line.

A small expat-driven builder: only the elements inside a record are kept, and a
record is dropped once handed out, so memory stays bounded. Entity declarations
are refused (no entity expansion attacks). Tags are ``{namespace}local`` like
ElementTree's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator
from xml.parsers import expat

from ._base import TextReader

FEED = 64 << 10


@dataclass
class El:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list["El"] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def local(self) -> str:
        return self.tag.rpartition("}")[2]

    def find(self, tag: str) -> "El | None":
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list["El"]:
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag: str) -> str | None:
        c = self.find(tag)
        return c.text if c is not None else None

    def all_text(self) -> str:
        """Text of this element and everything inside it (for mixed content)."""
        return "".join([self.text] + [c.all_text() for c in self.children])


class _NoEntities(Exception):
    pass


def iter_elements(
    reader: TextReader,
    is_record: Callable[[str], bool],
    root_ok: Callable[[str], bool],
    root_desc: str,
) -> Iterator[El]:
    """Every element for which ``is_record(tag)`` holds, outside other records.

    ``root_ok(tag)`` checks the document element (else ``BadInput`` saying the file is
    not ``root_desc``). XML broken after the document element started (a truncated or
    partly corrupt file) ends the file with a warning naming the line; the complete
    records before it are yielded.
    """
    src = reader.src
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[El] = []
    done: list[El] = []
    seen_root = [False]

    def qname(name: str) -> str:
        return "{" + name if "}" in name else name

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = qname(name)
        if not seen_root[0]:
            seen_root[0] = True
            if not root_ok(tag):
                raise src.bad_input(parser.CurrentLineNumber, f"not {root_desc} (the document element is <{tag}>)")
        if stack:
            el = El(tag, {qname(k): v for k, v in attrs.items()} if attrs else {}, parser.CurrentLineNumber)
            stack[-1].children.append(el)
            stack.append(el)
        elif is_record(tag):
            stack.append(El(tag, {qname(k): v for k, v in attrs.items()}, parser.CurrentLineNumber))

    def end(name: str) -> None:
        if stack:
            el = stack.pop()
            if not stack:
                done.append(el)

    def chars(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    def entity_decl(*args) -> None:
        raise _NoEntities()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = entity_decl
    parser.buffer_text = True

    line = 1
    batch: list[str] = []
    size = 0
    try:
        for line, text in reader.pieces():
            batch.append(text)  # feed expat about 64 KB at a time, not line by line
            size += len(text)
            if size < FEED:
                continue
            parser.Parse("".join(batch), False)
            batch, size = [], 0
            if done:
                yield from done
                done.clear()
        parser.Parse("".join(batch), True)
    except expat.ExpatError as exc:
        # salvage: every complete record before the break is kept (an interrupted harvest,
        # a corrupt byte); what follows the break is lost, and the warning says where
        yield from done
        if not seen_root[0]:
            raise src.bad_input(exc.lineno, f"not XML ({expat.ErrorString(exc.code)})") from None
        ends = {expat.errors.codes[e] for e in (expat.errors.XML_ERROR_NO_ELEMENTS,
                                                 expat.errors.XML_ERROR_UNCLOSED_TOKEN,
                                                 expat.errors.XML_ERROR_PARTIAL_CHAR)}
        what = ("the file ends inside a record (cut short?)" if exc.code in ends
                else f"broken XML ({expat.ErrorString(exc.code)})")
        src.warn(exc.lineno, f"{what}; the records before this line are kept, the rest of the file is not read")
        return
    except _NoEntities:
        raise src.bad_input(parser.CurrentLineNumber, "XML entity declarations are not allowed") from None
    except RecursionError:
        raise src.bad_input(line, "XML nested too deeply") from None
    yield from done
    if not seen_root[0]:
        raise src.bad_input(None, f"empty file, not {root_desc}")
