"""Roadmap measures: statuses, success-criteria ratings, what a change may hold, and the words users write.

    STATUS_RU["done"]                -> «выполнено»
    status_key("Выполнено")          -> "done"
    validate_link("https://…")      -> None or a Russian reason

A measure's status is what a methodist stored; «просрочено» and «скоро срок» are flags computed from the
deadline and the status (shnor/domain/deadlines.py, `deadline_flag`), never stored.
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PLANNED, IN_PROGRESS, DONE, NOT_DONE, CANCELLED = "planned", "in_progress", "done", "not_done", "cancelled"
STATUS_RU: dict[str, str] = {PLANNED: "запланировано", IN_PROGRESS: "в работе", DONE: "выполнено",
                             NOT_DONE: "не выполнено", CANCELLED: "отменено"}
STATUS_ICON: dict[str, str] = {PLANNED: "○", IN_PROGRESS: "◐", DONE: "✔", NOT_DONE: "✖", CANCELLED: "—"}
CLOSED = frozenset({DONE, CANCELLED})

MET, PARTLY, NOT_MET = "met", "partly", "not_met"
RATING_RU: dict[str, str] = {MET: "достигнут", PARTLY: "частично", NOT_MET: "не достигнут"}

DUE_SOON_SETTING_KEY = "roadmap_due_soon_days"
DUE_SOON_DEFAULT = 14

# the extensions a roadmap may come in, and the ones refused with a way out
ROADMAP_EXTENSIONS = (".docx", ".xlsx", ".xls", ".ods")
OLD_FORMATS_RU = {
    ".doc": "старый формат Word: откройте его в Word или LibreOffice и сохраните как «Документ Word (.docx)»",
    ".rtf": "формат RTF: откройте его в Word или LibreOffice и сохраните как «Документ Word (.docx)»",
    ".odt": "формат OpenDocument: сохраните его как «Документ Word (.docx)»",
    ".pdf": "PDF: таблицу из него нельзя прочитать надёжно — загрузите исходный документ Word (.docx) "
            "или таблицу Excel",
    ".docm": "документ Word с макросами: сохраните его как обычный «Документ Word (.docx)»",
    ".xlsm": "книга Excel с макросами: сохраните её как обычную «Книгу Excel (.xlsx)»",
}

# the longest texts we keep from a user's edit (a file's texts are limited by the parser)
MAX_NOTE = 4000
MAX_LINK = 1000


def status_key(text: str | None) -> str | None:
    """A status as stored ("done") from its key or its Russian word, any case; None when it is neither."""
    t = (text or "").strip().lower().replace("ё", "е")
    for key, ru in STATUS_RU.items():
        if t in (key, ru.replace("ё", "е")):
            return key
    return None


def rating_key(text: str | None) -> str | None:
    """A criterion's rating from its key or its Russian word; "" (not rated) for an empty text; None when unknown."""
    t = (text or "").strip().lower()
    if not t:
        return ""
    for key, ru in RATING_RU.items():
        if t in (key, ru):
            return key
    if t in ("частично достигнут", "достигнут частично"):
        return PARTLY
    return None


def status_ru(key: str | None) -> str:
    return STATUS_RU.get(key or "", key or "")


def refusal_for_extension(file_name: str) -> str | None:
    """A Russian refusal for a file a roadmap cannot be read from; None when its extension is one we read."""
    ext = ("." + file_name.rsplit(".", 1)[-1].lower()) if "." in file_name else ""
    if ext in ROADMAP_EXTENSIONS:
        return None
    why = OLD_FORMATS_RU.get(ext)
    if why:
        return f"Файл «{file_name}» — {why}."
    return (f"Файл «{file_name}» не похож на дорожную карту: загрузите документ Word (.docx) или таблицу Excel "
            "(.xlsx, .xls, .ods) с таблицей мероприятий.")


_LINK = re.compile(r"^https?://[^\s<>\"']+$", re.I)


def validate_link(link: str | None) -> str | None:
    """None when the link is empty or an http(s) address; otherwise the Russian reason."""
    if not link:
        return None
    if len(link) > MAX_LINK:
        return f"ссылка длиннее {MAX_LINK} знаков."
    if not _LINK.match(link.strip()):
        return "ссылка должна начинаться с http:// или https:// и не содержать пробелов."
    return None


@dataclass(frozen=True)
class MeasureChange:
    """What a methodist changes in a measure; None leaves a field as it is ("" clears a text)."""
    status: str | None = None
    status_date: object | None = None        # datetime.date
    evidence: str | None = None
    evidence_link: str | None = None
    evidence_doc: str | None = None
    note: str | None = None                  # a progress update (kept in the history only)
    update_date: object | None = None        # the date the progress refers to (default: today)

    def errors(self) -> list[str]:
        out = []
        if self.status is not None and self.status not in STATUS_RU:
            out.append(f"Статус «{self.status}» неизвестен: допустимо — {', '.join(STATUS_RU.values())}.")
        why = validate_link(self.evidence_link)
        if why:
            out.append("Ссылка на подтверждение: " + why)
        for name, value in (("Подтверждение", self.evidence), ("Документ", self.evidence_doc),
                            ("Отметка о ходе работы", self.note)):
            if value is not None and len(value) > MAX_NOTE:
                out.append(f"{name}: текст длиннее {MAX_NOTE} знаков.")
        return out
