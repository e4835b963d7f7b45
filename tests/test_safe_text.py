"""md() (shnor/ui/safe.py) over random strings: whatever the data, the result has no Markdown punctuation
left unescaped, nothing a renderer would autolink or turn into an icon (`http://`, `www.`, `a@b`, `:red[`,
`:material/…:` — each broken by a word joiner) and no line break, and it reads as the data itself once the
escapes and word joiners are taken out."""
from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as hs

from shnor.ui.safe import md

WJ = "\u2060"
# ASCII punctuation that can start or end Markdown (CommonMark's escapable set without , / ; ? which do nothing)
ACTIVE = set(string.punctuation) - set(",/;?")
TOKENS = ["http://", "HTTPS://", "http: ", "mailto:", "www.", "WWW.", ":red[", "](", "![", "**", "__", "`", ":material/home:", "<b>",
          "&amp;", "\\", "\n", "\r", "#", "> ", "- ", "1. ", "|", "$x$", "a@b.example", "evil.example", " ", "Школа"]
data = hs.one_of(hs.text(), hs.lists(hs.sampled_from(TOKENS), max_size=12).map("".join),
                 hs.lists(hs.one_of(hs.sampled_from(TOKENS), hs.text(max_size=3)), max_size=10).map("".join))


def shown(escaped: str) -> str:
    """What a Markdown renderer shows: backslash escapes removed, and asserts that nothing active is left."""
    out, i = [], 0
    while i < len(escaped):
        c = escaped[i]
        if c == "\\":
            assert i + 1 < len(escaped) and escaped[i + 1] in ACTIVE, (escaped, i)   # an escape, never a dangling one
            out.append(escaped[i + 1])
            i += 2
            continue
        assert c not in ACTIVE, (escaped, i, c)                                    # no unescaped punctuation
        out.append(c)
        i += 1
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(data)
def test_md_leaves_no_markup_and_no_link(text):
    result = md(text)
    assert "\n" not in result and "\r" not in result
    visible = shown(result)
    assert not re.search(r"(?i)https?:/", visible)                     # no URL scheme a renderer would link
    assert not re.search(r"(?i)www\.", visible)
    assert not re.search(r"(?i):[a-z/]", visible)                       # icons (:material/…:), :red[…], schemes
    assert not re.search(r"@(?!" + WJ + ")", visible)                  # e-mail addresses not autolinked
    assert visible.replace(WJ, "") == text.replace("\r", " ").replace("\n", " ").replace(WJ, "")


def test_md_examples():
    assert md(None) == ""
    assert md("Школа №1") == "Школа №1"
    assert md("**Школа**") == "\\*\\*Школа\\*\\*"
    assert md(":red[Т]") == "\\:" + WJ + "red\\[Т\\]"
    assert md("http://evil.example") == "http\\:" + WJ + "//evil\\.example"
    assert md("www.evil.example") == "www" + WJ + "\\.evil\\.example"
    assert md("строк: 1") == "строк\\: 1"                             # a colon before a space stays searchable
