"""Text that came from a file, a user or the address bar is shown as text: never Markdown, HTML, a link or
an image. Streamlit renders Markdown in st.markdown, captions, alerts, headers, widget labels and table
cells of st.table; dataframes and st.text do not.

    st.warning(f"Школа «{md(name)}» не найдена")     # data inside a Markdown string
    plain(name)                                       # a line of data on its own

`md` backslash-escapes every Markdown punctuation character and breaks what GFM or Streamlit would turn into a
link or an icon by itself (`http://…`, `www.…`, e-mail addresses, `:material/…:`) with an invisible word joiner, so the text reads the same.
"""
from __future__ import annotations

import html
import re

import streamlit as st

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&\"'=^@%])")
_WJ = "\u2060"   # word joiner: invisible, stops autolinking
_AUTOLINK = re.compile(r"(?i)(:(?=[a-z/])|@|www(?=\.))")


def _break_links(text: str) -> str:
    return _AUTOLINK.sub(lambda m: m.group(1) + _WJ, text)


def md(value) -> str:
    """Data made safe to put inside a Markdown string: shown literally, no markup, no link."""
    if value is None:
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _PUNCT.sub(r"\\\1", _break_links(text))


def plain(value, caption: bool = False) -> None:
    """A line of data, HTML-escaped, in the page's font (not Markdown)."""
    style = "font-size:0.875rem;color:rgba(49,51,63,0.6);" if caption else ""
    st.html(f'<div style="{style}white-space:pre-wrap">{html.escape("" if value is None else str(value))}</div>')
