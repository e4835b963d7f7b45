"""School identity keys shared by the parsers (in the child process) and the store: kept free of heavy imports."""
from __future__ import annotations

import re

_QUOTES = str.maketrans({q: " " for q in "\"'«»“”„`"} | {"ё": "е", "\u00a0": " ", "№": " № "})
_NOT_WORD = re.compile(r"[^\w№]|_")     # \w is str.isalnum() plus "_": what is neither alphanumeric nor № is a space


def login_key(login: str | None) -> str | None:
    """`sch220206` and `edu220206` are one school ('S220206'): ФИС ОКО renamed logins in 2022. Any other
    prefix (`ksh220028`) is a namespace of its own and stays as written (lower-cased)."""
    if not login:
        return None
    t = str(login).strip().lower()
    if t[:3] in ("sch", "edu") and t[3:].isdigit():
        return "S" + t[3:]
    return t or None


def norm_name(text: str | None) -> str:
    """Normalised school or territory name for matching: case, ё, quotes, spaces, punctuation."""
    if not text:
        return ""
    return " ".join(_NOT_WORD.sub(" ", str(text).lower().translate(_QUOTES)).split())
