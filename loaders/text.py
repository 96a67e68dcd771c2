"""One text normaliser for every source: HTML tags to text, LaTeX to Unicode, entities, white space.

``normalize_text`` is applied to every title, abstract and author name whatever file it came
from, so the same paper read from arXiv, Semantic Scholar, OpenAlex or BibTeX has the same
text (hence the same title key and the same id):

1. HTML and JATS/MathML tags are dropped (``<p>``, ``<em>``, ``<jats:p>``, ``<mml:mi>`` ...),
   block tags leaving a space; text that only looks like a tag (``x<y`` in a formula) stays;
2. LaTeX becomes Unicode text (pylatexenc): accents (``Bal\\'azs`` → Balázs), escapes
   (``50\\%``), text commands (``\\emph{x}`` → x), math (``$\\Lambda_{\\alpha}$`` → Λ_α),
   protective braces (``{BERT}`` → BERT). Only the LaTeX *islands* of a text are handed to
   pylatexenc (a command with its arguments, a brace group, a ``$...$`` span), so plain prose
   is never reinterpreted (``50% of``, ``AT&T``, ``$10,000 and $14,000`` stay as written) and
   a long abstract costs little;
3. HTML entities are decoded (``&quot;``, ``&#39;`` — also when LaTeX escaped them: ``\\&quot;``);
4. control characters are dropped and white space is collapsed.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: HTML elements that separate words (replaced by a space); the other known ones are dropped
_BLOCK_TAGS = ("p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "title", "sec",
               "abstract", "table", "tr", "td", "th", "hr", "blockquote", "section", "label", "list",
               "list-item", "caption", "dl", "dt", "dd")
_INLINE_TAGS = ("i", "b", "em", "strong", "sub", "sup", "span", "a", "u", "tt", "code", "small", "big",
                "font", "sc", "italic", "bold", "underline", "inline-formula", "monospace", "s", "strike",
                "cite", "q", "abbr", "mark", "var", "math", "mi", "mo", "mn", "ms", "mtext", "mrow", "msub",
                "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mstyle",
                "mspace", "mtable", "mtr", "mtd", "semantics", "annotation", "img", "wbr", "nobr",
                "xref", "ext-link", "named-content", "styled-content", "disp-formula", "tex-math")
_TAG_NAMES = "|".join(sorted(map(re.escape, _BLOCK_TAGS + _INLINE_TAGS), key=len, reverse=True))
#: a known tag, or any namespaced one (jats:p, mml:mi); attributes allowed, never across a "<"
_TAG = re.compile(r"</?(?:(?:[A-Za-z][\w-]*:[A-Za-z][\w.-]*)|(?:" + _TAG_NAMES + r"))(?:\s[^<>]*)?/?>",
                  re.IGNORECASE)
_BLOCK = re.compile(r"^</?(?:[A-Za-z][\w-]*:)?(?:" + "|".join(map(re.escape, _BLOCK_TAGS)) + r")\b", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
#: what makes a text worth looking at for LaTeX
_LATEX_HINT = re.compile(r"[\\{}$]")
#: anything the normaliser does more than collapse white space for
_SPECIAL = re.compile(r"[\\{}$<&\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_html(text: str) -> str:
    """HTML/JATS/MathML tags removed (block tags leave a space)."""
    if "<" not in text:
        return text
    return _TAG.sub(lambda m: " " if _BLOCK.match(m.group()) else "", text)


# -- LaTeX ------------------------------------------------------------------------------

_CMD = re.compile(r"\\(?:[A-Za-z]+\*?|.)", re.S)
_ACCENTS = "'`^\"~=."
#: a $...$ span is math (not prices) when it has a command, a script or a brace, or no space
_MATHY = re.compile(r"[\\^_{}]")


_BRACES = re.compile(r"\\.|[{}]", re.S)
#: where a LaTeX island may start
_START = re.compile(r"[\\${]")


def _group_end(text: str, i: int) -> int:
    """The index just after the balanced ``{...}`` opened at ``text[i]``, or -1."""
    depth = 0
    for m in _BRACES.finditer(text, i):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _islands(text: str) -> list[tuple[int, int]]:
    """Spans of LaTeX in ``text``: a command with its brace arguments (an accent with its
    letter), a balanced brace group, or a ``$...$`` math span."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        found = _START.search(text, i)
        if found is None:
            break
        i = found.start()
        c = text[i]
        if c == "$":
            double = text.startswith("$$", i)
            j = text.find("$$", i + 2) if double else text.find("$", i + 1)
            if j < 0:
                i += 1
                continue
            end = j + (2 if double else 1)
            inner = text[i + (2 if double else 1):j]
            if inner.strip() and (_MATHY.search(inner) or not any(ch.isspace() for ch in inner.strip())):
                out.append((i, end))
                i = end
            else:
                i += 1
            continue
        if c == "\\":
            m = _CMD.match(text, i)
            if m is None:  # a backslash ending the text
                break
            j = m.end()
            while j < n and text[j] == "{":
                e = _group_end(text, j)
                if e < 0:
                    break
                j = e
            cmd = m.group()
            if j == m.end() and len(cmd) == 2 and cmd[1] in _ACCENTS and j < n and text[j].isalpha():
                j += 1  # \'e
            elif j == m.end() and cmd[1:].isalpha() and j < n and text[j] == " " and len(cmd) <= 3:
                # \c c, \v s: a one-letter accent command with its letter after a space
                if j + 1 < n and text[j + 1].isalpha() and (j + 2 >= n or not text[j + 2].isalpha()):
                    j += 2
            out.append((i, j))
            i = j
            continue
        if c == "{":
            e = _group_end(text, i)
            if e < 0:
                i += 1
                continue
            out.append((i, e))
            i = e
            continue
    return out


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", keep_comments=False, strict_latex_spaces=False)


@lru_cache(maxsize=1 << 16)
def _island_text(latex: str) -> str:
    try:
        return _converter().latex_to_text(latex)
    except Exception:  # pylatexenc is lenient; anything it still refuses stays as written
        return latex


def latex_to_text(text: str) -> str:
    """LaTeX islands of ``text`` as Unicode text (plain prose untouched)."""
    if not _LATEX_HINT.search(text):
        return text
    spans = _islands(text)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for a, b in spans:
        parts.append(text[last:a])
        parts.append(_island_text(text[a:b]))
        last = b
    parts.append(text[last:])
    return "".join(parts)


def normalize_text(text: str) -> str:
    """A title, abstract or name as plain text (see the module docstring); idempotent on
    its own output for ordinary text."""
    if not text:
        return ""
    if not _SPECIAL.search(text):  # plain text (most names, many abstracts): white space only
        return " ".join(text.split())
    t = strip_html(text)
    t = latex_to_text(t)
    if "&" in t and _ENTITY.search(t):
        t = html.unescape(t)
        if "<" in t:
            t = strip_html(t)
    if "\u00a0" in t or _CONTROL.search(t):
        t = _CONTROL.sub(" ", t)
    return " ".join(t.split())
