"""The procedure catalogue: every ВПР work of grades 4–8, ОГЭ and ЕГЭ subjects.

A procedure is the work itself ("ВПР, математика, 5 класс"), whoever wrote it and whenever.
Codes are stable identifiers used by the CLI and the database; users see `name_ru`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    code: str
    kind: str          # "VPR" | "OGE" | "EGE"
    subject: str       # subject code, e.g. "MATH"
    subject_ru: str    # "математика"
    grade: int | None  # ВПР only
    level: str | None = None  # ЕГЭ math: "BASE" | "PROF"

    @property
    def name_ru(self) -> str:
        if self.kind == "VPR":
            return f"ВПР, {self.subject_ru}, {self.grade} кл."
        kind_ru = "ОГЭ" if self.kind == "OGE" else "ЕГЭ"
        if self.level == "BASE":
            return f"{kind_ru}, {self.subject_ru} (базовый уровень)"
        if self.level == "PROF":
            return f"{kind_ru}, {self.subject_ru} (профильный уровень)"
        return f"{kind_ru}, {self.subject_ru}"

    @property
    def short_ru(self) -> str:
        """Compact label for chart axes and heat maps."""
        abbr = {"MATH": "мат", "RUS": "рус"}.get(self.subject, self.subject_ru[:5])
        if self.kind == "VPR":
            return f"ВПР {abbr}-{self.grade}"
        kind_ru = "ОГЭ" if self.kind == "OGE" else "ЕГЭ"
        lvl = {"BASE": " баз", "PROF": " проф"}.get(self.level or "", "")
        return f"{kind_ru} {abbr}{lvl}"


SUBJECTS_RU = {
    "MATH": "математика", "RUS": "русский язык", "OKR": "окружающий мир", "HIST": "история",
    "BIO": "биология", "GEO": "география", "SOC": "обществознание", "PHYS": "физика",
    "CHEM": "химия", "ENG": "английский язык", "GER": "немецкий язык", "FRA": "французский язык",
    "INF": "информатика", "LIT": "литература",
}
# ФИС ОКО work tags: `ma5`, `ru6`, `ok4`, `hi7` …
FISOKO_TAGS = {
    "ma": "MATH", "ru": "RUS", "ok": "OKR", "om": "OKR", "hi": "HIST", "bi": "BIO", "ge": "GEO",
    "ob": "SOC", "so": "SOC", "ph": "PHYS", "fi": "PHYS", "ch": "CHEM", "en": "ENG", "an": "ENG",
    "de": "GER", "ne": "GER", "fr": "FRA",
}

_VPR_GRADES = {
    "MATH": (4, 5, 6, 7, 8), "RUS": (4, 5, 6, 7, 8), "OKR": (4,), "HIST": (5, 6, 7, 8),
    "BIO": (5, 6, 7, 8), "GEO": (6, 7, 8), "SOC": (6, 7, 8), "PHYS": (7, 8), "CHEM": (8,),
    "ENG": (7,), "GER": (7,), "FRA": (7,),
}
_EXAM_SUBJECTS = ("RUS", "MATH", "PHYS", "CHEM", "BIO", "GEO", "HIST", "SOC", "INF", "ENG", "LIT")


def _build() -> dict[str, Procedure]:
    out: dict[str, Procedure] = {}
    for subj, grades in _VPR_GRADES.items():
        for g in grades:
            p = Procedure(f"VPR-{subj}-{g}", "VPR", subj, SUBJECTS_RU[subj], g)
            out[p.code] = p
    for subj in _EXAM_SUBJECTS:
        p = Procedure(f"OGE-{subj}", "OGE", subj, SUBJECTS_RU[subj], None)
        out[p.code] = p
    for subj in _EXAM_SUBJECTS:
        if subj == "MATH":
            for lvl in ("BASE", "PROF"):
                p = Procedure(f"EGE-MATH-{lvl}", "EGE", "MATH", "математика", None, lvl)
                out[p.code] = p
        else:
            p = Procedure(f"EGE-{subj}", "EGE", subj, SUBJECTS_RU[subj], None)
            out[p.code] = p
    return out


CATALOGUE: dict[str, Procedure] = _build()

# The nine procedures of the source roadmaps (seed 000) — the rule's default set, in the seed's order.
DEFAULT_SET: tuple[str, ...] = (
    "VPR-MATH-5", "VPR-MATH-6", "VPR-RUS-5", "VPR-RUS-6",
    "OGE-MATH", "OGE-RUS", "EGE-MATH-BASE", "EGE-MATH-PROF", "EGE-RUS",
)


class UnknownProcedure(ValueError):
    pass


def get(code: str) -> Procedure:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownProcedure(
            f"Неизвестный код процедуры «{code}». Допустимые коды, например: {', '.join(DEFAULT_SET)}.")


def name_ru(code: str) -> str:
    p = CATALOGUE.get(code)
    return p.name_ru if p else code


def from_fisoko_tag(tag: str) -> str | None:
    """`ma5` -> `VPR-MATH-5`; None when the tag is not a known work."""
    m = re.fullmatch(r"\s*([a-z]{2})(\d)\s*", tag.lower())
    if not m:
        return None
    subj = FISOKO_TAGS.get(m.group(1))
    code = f"VPR-{subj}-{m.group(2)}" if subj else None
    return code if code in CATALOGUE else None


def _norm(text: str) -> str:
    t = str(text).lower().replace("ё", "е")
    return re.sub(r"[^a-zа-я0-9]+", " ", t).strip()


def from_text(text: str, kind: str | None = None, grade: int | None = None) -> str | None:
    """Recognise a procedure from its Russian name or code as written in files and forms:
    `VPR-MATH-5`, `ВПР, математика, 5 кл.`, `Математика (профильный уровень)` with kind="EGE" …"""
    raw = str(text).strip()
    if raw.upper() in CATALOGUE:
        return raw.upper()
    for p in CATALOGUE.values():
        if _norm(p.name_ru) == _norm(raw):
            return p.code
    t = _norm(raw)
    if kind is None:
        if "впр" in t:
            kind = "VPR"
        elif "огэ" in t or "гиа 9" in t:
            kind = "OGE"
        elif "егэ" in t or "гиа 11" in t:
            kind = "EGE"
    subj = None
    for code, ru in SUBJECTS_RU.items():
        if _norm(ru) in t:
            subj = code
            break
    if subj is None and re.search(r"\bмат", t):
        subj = "MATH"
    if subj is None and re.search(r"\bрус", t):
        subj = "RUS"
    if subj is None or kind is None:
        return None
    if kind == "VPR":
        if grade is None:
            m = re.search(r"\b([4-8])\s*(?:кл|класс)", t) or re.search(r"\b([4-8])\b", t)
            grade = int(m.group(1)) if m else None
        code = f"VPR-{subj}-{grade}" if grade else None
    elif kind == "EGE" and subj == "MATH":
        if "проф" in t:
            code = "EGE-MATH-PROF"
        elif "баз" in t:
            code = "EGE-MATH-BASE"
        else:
            code = None
    else:
        code = f"{kind}-{subj}"
    return code if code in CATALOGUE else None
