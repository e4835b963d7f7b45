"""A department's own letterhead («бланк») for the Word documents: an admin of the whole region uploads a .docx,
the documents are then written on it (shnor/reports/docx_base.py `new_document`).

    upload_template(store, user, "spravka", "бланк.docx", content)   -> TemplateInfo
    remove_template(store, user, "spravka")                          -> bool (False: there was none)
    templates(store, user)                                           -> DataFrame of what is uploaded
    check_template(content, file_name)                               -> None, or raises TemplateError

Permission: Action.REPORT_TEMPLATES (an admin bound to no territory). Events: REPORT_TEMPLATE_SET with the kind,
the file name and its sha256 (removed=True on removal).

How the letterhead is used: its header, footer, styles and body text stay; the document's content goes where a
paragraph «{{СОДЕРЖАНИЕ}}» stands, or after the letterhead's own text. The built-in heading (the department's name)
is left out on a letterhead: the letterhead is the heading.

The file is checked before anything opens it, as the importers check theirs (shnor/importing/reading.py,
roadmap_doc.py): its size, that it is a zip of a Word document (not a macro-enabled one, not a template .dotx),
the number and unpacked size of its parts, no XML entity declarations, no links to outside files except
hyperlinks (a linked picture or attached template would make Word fetch it from elsewhere when the document is
opened); then python-docx must open it. Refusals are Russian.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from shnor.domain import events
from shnor.domain.permissions import Action, Forbidden, User, require  # noqa: F401 (Forbidden for callers)
from shnor.store import Store

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024          # a letterhead is a page with a logo: tens of kilobytes
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_PARTS = 500
DEFAULT_KIND = "default"
KINDS_RU = {
    DEFAULT_KIND: "все документы",
    "spravka": "аналитическая справка",
    "school": "справка по школе",
    "interviews": "собеседования",
    "list": "список ШНОР",
}
_MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ENTITY = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)
_HYPERLINK_TYPE = b"/relationships/hyperlink"


class TemplateError(ValueError):
    """A letterhead that cannot be used; the message is Russian and user-facing."""


@dataclass(frozen=True)
class TemplateInfo:
    kind: str
    file_name: str
    sha256: str
    size: int
    replaced: bool          # an earlier letterhead of the kind was replaced

    def summary_ru(self) -> str:
        what = KINDS_RU.get(self.kind, self.kind)
        verb = "заменён" if self.replaced else "загружен"
        return f"Бланк «{self.file_name}» {verb}: {what}."


def _kind(kind: str) -> str:
    if kind not in KINDS_RU:
        raise TemplateError("Неизвестный вид документа для бланка. Возможные: "
                            + ", ".join(f"«{v}»" for v in KINDS_RU.values()) + ".")
    return kind


def _clean_name(file_name: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", str(file_name or "")).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "бланк.docx"


def check_template(content: bytes, file_name: str = "бланк.docx") -> None:
    """Raises TemplateError (Russian) unless `content` is a Word .docx that is safe to open and opens."""
    name = _clean_name(file_name)
    low = name.lower()
    if low.endswith((".doc", ".rtf", ".odt")):
        raise TemplateError(f"Файл «{name}» — не в формате .docx. Откройте его в Word и сохраните как «Документ Word "
                            "(.docx)».")
    if low.endswith((".docm", ".dotm")):
        raise TemplateError(f"Файл «{name}» содержит макросы — такие бланки не принимаются. Сохраните его как обычный "
                            "документ .docx.")
    if low.endswith(".dotx"):
        raise TemplateError(f"Файл «{name}» — шаблон Word (.dotx). Создайте по нему документ и сохраните его как "
                            ".docx.")
    if not low.endswith(".docx"):
        raise TemplateError(f"Бланк должен быть документом Word .docx, а «{name}» — нет.")
    if not content:
        raise TemplateError(f"Файл «{name}» пуст.")
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Файл «{name}» больше {MAX_TEMPLATE_BYTES // (1024 * 1024)} МБ — для бланка это "
                            "слишком много. Уменьшите картинки (герб, логотип) и загрузите снова.")
    broken = f"Файл «{name}» повреждён или это не документ Word, хотя расширение .docx."
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TemplateError(broken) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if len(infos) > MAX_PARTS:
            raise TemplateError(f"Файл «{name}» состоит из слишком многих частей (больше {MAX_PARTS}) — такой бланк "
                                "не принимается.")
        if any(i.filename.lower().endswith("vbaproject.bin") for i in infos):
            raise TemplateError(f"Файл «{name}» содержит макросы — такие бланки не принимаются. Сохраните его как "
                                "обычный документ .docx.")
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise TemplateError(broken)
        too_big = (f"Файл «{name}» в распакованном виде больше {MAX_UNPACKED_BYTES // (1024 * 1024)} МБ — такой "
                   "бланк не принимается.")
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise TemplateError(too_big)
        total = 0
        try:
            for info in infos:
                if info.is_dir():
                    continue
                xml = info.filename.lower().endswith((".xml", ".rels"))
                parts = []
                with zf.open(info) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:       # the sizes in the headers can lie
                            raise TemplateError(too_big)
                        if xml:
                            up = (tail + chunk).upper()
                            if any(m in up for m in _ENTITY):
                                raise TemplateError(
                                    f"Файл «{name}» содержит XML-сущности (DOCTYPE/ENTITY) — такие файлы не "
                                    "принимаются из соображений безопасности. Пересохраните его в Word.")
                            tail = chunk[-16:]
                            if info.filename.lower().endswith(".rels") or info.filename == "[Content_Types].xml":
                                parts.append(chunk)
                data = b"".join(parts)
                if info.filename == "[Content_Types].xml" and _MAIN_DOCUMENT.encode() not in data:
                    raise TemplateError(f"Файл «{name}» — не обычный документ Word (шаблон или документ с "
                                        "макросами). Сохраните его как «Документ Word (.docx)».")
                if info.filename.lower().endswith(".rels"):
                    for rel in _EXTERNAL.findall(data):
                        if b"external" in rel.lower() and _HYPERLINK_TYPE not in rel.lower():
                            raise TemplateError(
                                f"Файл «{name}» ссылается на внешние файлы (картинку или шаблон по ссылке), которые "
                                "Word загрузил бы при открытии документа. Вставьте картинки в сам документ "
                                "(не «связью с файлом») и загрузите бланк снова.")
        except TemplateError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError):
            raise TemplateError(broken) from None
    try:
        import docx
        doc = docx.Document(io.BytesIO(content))
        doc.styles["Normal"]   # noqa: B018 — the documents rely on it
        _ = doc.sections[0]
    except Exception:   # python-docx raises many kinds for a malformed package
        raise TemplateError(f"Файл «{name}» не открывается как документ Word: он повреждён или сохранён "
                            "в необычном виде. Откройте его в Word и сохраните как «Документ Word (.docx)».") from None


def upload_template(store: Store, user: User, kind: str, file_name: str, content: bytes) -> TemplateInfo:
    """Store the department's letterhead for `kind` (DEFAULT_KIND: every document without its own)."""
    require(user, Action.REPORT_TEMPLATES, None)
    kind = _kind(kind)
    name = _clean_name(file_name)
    check_template(content, name)
    digest = hashlib.sha256(content).hexdigest()
    with store.unit(user) as u:
        replaced = u.templates.get(kind) is not None
        u.templates.set(kind, name, content, digest, user.name)
        u.record(events.REPORT_TEMPLATE_SET, kind=kind, file=name, sha256=digest, size=len(content),
                 replaced=replaced)
    return TemplateInfo(kind, name, digest, len(content), replaced)


def remove_template(store: Store, user: User, kind: str) -> bool:
    """Back to the built-in letterhead for `kind`; False when none was uploaded."""
    require(user, Action.REPORT_TEMPLATES, None)
    kind = _kind(kind)
    with store.unit(user) as u:
        old = u.templates.get(kind)
        if old is None:
            return False
        u.templates.remove(kind)
        u.record(events.REPORT_TEMPLATE_SET, kind=kind, file=old.file_name, sha256=old.sha256, removed=True)
    return True


def templates(store: Store, user: User) -> pd.DataFrame:
    """The uploaded letterheads (without their bytes), with the kind in Russian: kind, kind_ru, file_name, sha256,
    size, uploaded_by, uploaded_at. Any user who may write documents may see which letterhead they are written on."""
    require(user, Action.REPORTS, user.territory_id)
    df = store.templates.list()
    return df.assign(kind_ru=[KINDS_RU.get(k, k) for k in df["kind"]])[
        ["kind", "kind_ru", "file_name", "sha256", "size", "uploaded_by", "uploaded_at"]]
