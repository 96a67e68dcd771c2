"""Text encodings other than UTF-8: a byte order mark, or a detected legacy encoding.

Every format module reads UTF-8 (``_base.TextReader``). A file that starts with a UTF-16 or
UTF-32 byte order mark, or whose first bytes are not UTF-8 (a Latin-1 / Windows-1252 CSV
from a spreadsheet), is transcoded to UTF-8 on the fly: the BOM says which encoding;
otherwise charset-normalizer guesses it from the first 64 KB, with one warning per file.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

#: BOMs, longest first (the UTF-32 LE BOM starts with the UTF-16 LE one)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: when nothing better is known, text that is not UTF-8 is most likely this (a superset of Latin-1's printables)
FALLBACK = "cp1252"
_READ = 1 << 16


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when ``head`` starts with a UTF-16/32 byte order mark."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None


def is_utf8(head: bytes, complete: bool) -> bool:
    """Do these first bytes decode as UTF-8 (a character cut at the end of the head is allowed)?"""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, complete)
        return True
    except UnicodeDecodeError:
        return False


def legacy(head: bytes, complete: bool) -> bool:
    """Is this text in a legacy 8-bit encoding rather than UTF-8 with a few stray bytes? Yes
    when it is not UTF-8 and its invalid byte sequences outnumber its valid multi-byte UTF-8
    characters (a Latin-1 file's accents almost never form one; a UTF-8 file with a stray
    byte has more accents that do)."""
    if is_utf8(head, complete):
        return False
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 0x7F) - bad
    return bad > good


#: among candidates charset-normalizer finds about as plausible (short samples fit many code
#: pages equally), the most common encodings of paper metadata win, in this order
PREFERRED = ("cp1252", "cp1250", "gb18030", "shift_jis", "euc_jp", "cp949", "big5", "cp1251", "koi8_r",
             "iso8859_15", "iso8859_2", "cp1253", "cp1254", "cp1257", "mac_roman")
#: how much more "chaos" than the best candidate a preferred encoding may show
TOLERANCE = 0.1


def detect(head: bytes) -> str:
    """The encoding of text that is not UTF-8: charset-normalizer's candidates, the most common
    encoding among the about-as-plausible ones first; cp1252 when nothing fits."""
    try:
        from charset_normalizer import from_bytes

        candidates = [(m.encoding, m.chaos) for m in from_bytes(head)]
    except Exception:  # a detector failure must not lose the file
        candidates = []
    candidates = [(name, chaos) for name, chaos in candidates
                  if name and name.replace("-", "_").lower() not in ("utf_8", "ascii")]
    if not candidates:
        return FALLBACK
    best = min(chaos for _, chaos in candidates)
    near = {name for name, chaos in candidates if chaos <= best + TOLERANCE}
    for name in PREFERRED:
        if name in near:
            return name
    try:
        return codecs.lookup(candidates[0][0]).name
    except LookupError:
        return FALLBACK


class Transcoded(io.RawIOBase):
    """A raw stream of UTF-8 bytes read from ``raw`` in ``encoding`` (undecodable bytes become U+FFFD)."""

    def __init__(self, raw: BinaryIO, encoding: str, skip: int = 0):
        self._raw = raw
        self._dec = codecs.getincrementaldecoder(encoding)("replace")
        self._buf = b""
        self._eof = False
        self._skip = skip

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf and not self._eof:
            data = self._raw.read(_READ)
            if self._skip and data:
                cut = min(self._skip, len(data))
                data, self._skip = data[cut:], self._skip - cut
                if not data:
                    continue
            self._eof = not data
            self._buf = self._dec.decode(data, self._eof).encode("utf-8")
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n
