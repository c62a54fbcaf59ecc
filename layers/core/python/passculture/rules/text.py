"""Text rules: what a name or a description may hold, and text made safe for an email.

Input end (``check_name``, ``check_description``, ``check_line``): a name is one
line, so it refuses every control character (Unicode ``Cc``: CR, LF, tab, NUL,
DEL, the C1 range with NEL), the line and paragraph separators (``Zl``, ``Zp``:
U+2028, U+2029), lone surrogates (``Cs``) and the bidirectional embedding,
override and isolate controls (U+202A-U+202E, U+2066-U+2069: they make a name
display as something else). Other format characters (``Cf``) stay allowed: the
zero-width joiner builds emoji and some scripts need ZWNJ or the direction marks.
A description keeps line breaks and tabs (``\\n``, ``\\r\\n``, ``\\t``) and refuses
the other controls, separators and lone surrogates.

Output end (``header_text``, ``body_text``): whatever is already stored (older
data, imports) is cleaned so an email can always be built: a header gets no
line break of any kind, a body gets ``\\n`` line ends only, and neither keeps a
lone surrogate (replaced by U+FFFD), which no encoder accepts.
"""

from __future__ import annotations

import re
import unicodedata

NAME_RULE = "A name is one line: no line break, tab or other control character"
DESCRIPTION_RULE = "A description may hold line breaks and tabs, but no other control character"

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Categories no text field may hold: controls, line and paragraph separators, surrogates.
REFUSED = frozenset({"Cc", "Zl", "Zp", "Cs"})
DESCRIPTION_KEEPS = frozenset("\n\r\t")

_SPACES = re.compile(r" {2,}")


def refused_in_name(ch: str) -> bool:
    return unicodedata.category(ch) in REFUSED or ch in BIDI_CONTROLS


def check_name(value: str) -> str:
    """A one-line text (names, addresses, cities): refused if it holds a control or separator."""
    if any(refused_in_name(ch) for ch in value):
        raise ValueError(NAME_RULE)
    return value


def check_description(value: str) -> str:
    """A multi-line text: line breaks and tabs are kept, other controls refused."""
    if any(unicodedata.category(ch) in REFUSED and ch not in DESCRIPTION_KEEPS for ch in value):
        raise ValueError(DESCRIPTION_RULE)
    return value


def without_lone_surrogates(value: str) -> str:
    """``value`` with surrogate pairs joined into their character and lone surrogates as U+FFFD."""
    if not any("\ud800" <= ch <= "\udfff" for ch in value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def header_text(value: object) -> str:
    """One line for an email header: controls and separators become a space (runs of spaces one), bidi controls go."""
    text = without_lone_surrogates(str(value if value is not None else ""))
    text = "".join(" " if unicodedata.category(ch) in REFUSED else ch for ch in text if ch not in BIDI_CONTROLS)
    return _SPACES.sub(" ", text).strip()


def body_text(value: object) -> str:
    """A body: ``\\n`` line ends (CR LF, CR, NEL, U+2028, U+2029 become one) and one at the end, tabs kept,
    other controls dropped."""
    text = without_lone_surrogates(str(value if value is not None else ""))
    text = text.replace("\r\n", "\n")
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch in "\r\x85\u2028\u2029\x0b\x0c\x1c\x1d\x1e":
            out.append("\n")
        elif unicodedata.category(ch) not in REFUSED:
            out.append(ch)
    if out and out[-1] != "\n":
        out.append("\n")
    return "".join(out)
