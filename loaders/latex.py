"""LaTeX in BibTeX (and arXiv) text → Unicode: accents, escapes, a few commands, braces."""

from __future__ import annotations

import re
import unicodedata

#: accent command → combining character
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "th": "þ", "ng": "ŋ",
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textquoteright": "’",
    "textquoteleft": "‘", "textasciitilde": "~", "textbackslash": "\\", "S": "§", "P": "¶",
    "copyright": "©", "pounds": "£", "euro": "€", "LaTeX": "LaTeX", "TeX": "TeX",
    "ell": "ℓ", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ",
    "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω",
    "infty": "∞", "times": "×", "leq": "≤", "geq": "≥", "approx": "≈", "rightarrow": "→",
}
_ESCAPES = {"&": "&", "%": "%", "_": "_", "$": "$", "#": "#", "{": "{", "}": "}", " ": " ", ",": " ", ";": " "}
_FORMAT_CMDS = r"(?:textit|textbf|emph|textrm|textsf|texttt|textsc|textup|textnormal|mathrm|mathbf|mathit|mathcal|mathbb|text|url|mbox|hbox|uppercase|lowercase|MakeUppercase|MakeLowercase|bm|boldsymbol)"

_ACCENT_RE = re.compile(r"""\\([`'^"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))""")
_SYMBOL_RE = re.compile(r"\\(" + "|".join(sorted(map(re.escape, _SYMBOLS), key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\})?")
_FORMAT_RE = re.compile(r"\\" + _FORMAT_CMDS + r"\s*\{([^{}]*)\}")
_ESCAPE_RE = re.compile(r"\\([&%_$#{} ,;])")
_OTHER_CMD = re.compile(r"\\[A-Za-z]+\*?\s*")


def _accent(m: re.Match) -> str:
    cmd = m.group(1) or m.group(4)
    base = m.group(2) or m.group(3) or m.group(5) or m.group(6) or ""
    if base in ("\\i", "\\j"):
        base = base[1]
    elif base.startswith("\\"):
        return m.group(0)
    return unicodedata.normalize("NFC", base + _ACCENTS[cmd])


def decode(text: str) -> str:
    """Best-effort plain text: ``{\\'e}cole`` → ``école``; math ``$...$`` keeps its content."""
    if "\\" not in text and "{" not in text and "~" not in text and "--" not in text:
        return text
    t = _ACCENT_RE.sub(_accent, text)
    t = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1)], t)
    for _ in range(3):
        new = _FORMAT_RE.sub(r"\1", t)
        if new == t:
            break
        t = new
    t = _ESCAPE_RE.sub(lambda m: "\x00" + _ESCAPES[m.group(1)], t)
    t = t.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    t = re.sub(r"(?<!\\)~", " ", t)
    t = _OTHER_CMD.sub("", t)
    t = t.replace("{", "").replace("}", "")
    return t.replace("\x00", "")
