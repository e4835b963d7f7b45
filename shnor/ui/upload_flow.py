"""The upload page's flow for one file, without Streamlit (so tests can drive it directly):

    folder = StagingFolder()                          # the session's private folder (removed with the session)
    p = stage_upload("vpr.xlsx", data, folder.path)   # bytes saved to a private temp file
    preview(store, p, user)                           # parse once (child process) + dry run -> p.report
    asks(p.report)                                    # {"procedure", "year"} the file did not say — asked at
                                                      # once, proposals in p.report.proposals
    p.hints = Hints(procedure=..., year=...); preview(...)   # re-parsed only when the hints (or scales) changed
    enter_scale(store, p, admin, 6, 10, 15, 20)       # the year's missing scale, entered right here (admin)
    p.mappings = {u.key: school_id or NEW_SCHOOL}; preview(...)  # unmatched schools mapped once
    p.confirm_foreign = True                          # a file of another region: saved only when confirmed
    save(store, p, user)                              # stored with the parse of the preview (no re-parse);
                                                      # the private copy goes once the file is stored

Staged copies never outlive their use: a file taken out of the uploader or stored is removed at once, a
session's folder goes when the session ends (its StagingFolder is garbage-collected) or the process exits,
and every run of the upload page removes session folders untouched for STAGED_MAX_AGE_S (`sweep_staged`).

Issues are turned into a table «лист | строка | столбец | значение | сообщение» by `issues_frame`.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from shnor.domain.fmt import fmt_pct
from shnor.domain.permissions import User
from shnor.domain.reference import scale_from_minimums
from shnor.importing.model import ERROR, ROW_ERROR, WARNING, Hints, ParsedFile
from shnor.importing.sandbox import parse_in_child
from shnor.services.imports import ImportReport, import_file, missing_ru  # noqa: F401 (for the page)
from shnor.services.settings import ScaleCorrection, SettingsError, set_mark_scale
from shnor.store import Store

STAGING_ROOT = Path(tempfile.gettempdir()) / "shnor-uploads"   # one folder per session below it
STAGED_MAX_AGE_S = 6 * 3600

LEVEL_RU = {ERROR: "ошибка", WARNING: "предупреждение", ROW_ERROR: "строка пропущена"}
STATUS_RU = {"preview": "готов к сохранению", "stored": "сохранён", "duplicate": "уже загружен",
             "refused": "отклонён", "needs_mapping": "нужно сопоставить школы",
             "needs_input": "нужно указать, что в файле", "needs_confirmation": "нужно подтвердить"}


@dataclass
class PendingUpload:
    file_name: str
    sha256: str
    path: Path
    hints: Hints = field(default_factory=Hints)
    mappings: dict[str, int] = field(default_factory=dict)
    parsed: ParsedFile | None = None
    parsed_with: tuple | None = None   # the hints and scales the parse was made with
    confirm_foreign: bool = False      # the user confirmed saving a file of another region / new schools
    report: ImportReport | None = None
    saved: ImportReport | None = None
    parses: int = 0                    # how many times the file was parsed (the tests check re-use)

    @property
    def key(self) -> str:
        return self.sha256[:12]


def _safe_name(name: str) -> str:
    base = Path(name).name.replace("\x00", "")
    return re.sub(r"[\\/:*?\"<>|]+", "_", base) or "file"


class StagingFolder:
    """A session's private folder for staged uploads. Kept in the session's state: when the session ends and
    its state is garbage-collected (or the process exits), the folder and everything in it are removed."""

    def __init__(self, root: str | Path | None = None):
        root = Path(root) if root is not None else STAGING_ROOT
        root.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)

    def touch(self) -> None:
        """Mark the folder as in use (the age sweep keeps it); recreated if a sweep removed it."""
        self.path.mkdir(parents=True, exist_ok=True)
        os.utime(self.path)

    def remove(self) -> None:
        self._finalizer()


def sweep_staged(root: str | Path | None = None, max_age_s: float = STAGED_MAX_AGE_S,
                 now: float | None = None) -> int:
    """Remove session folders (and stray files) under the staging root untouched for `max_age_s`; how many."""
    root = Path(root) if root is not None else STAGING_ROOT
    if not root.is_dir():
        return 0
    limit = (time.time() if now is None else now) - max_age_s
    removed = 0
    for entry in root.iterdir():
        try:
            if entry.lstat().st_mtime >= limit:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except OSError:
            continue
    return removed


def stage_upload(file_name: str, data: bytes, workdir: str | Path) -> PendingUpload:
    """Save uploaded bytes to a private file (named by content, keeping the extension for the reader)."""
    sha = hashlib.sha256(data).hexdigest()
    d = Path(workdir) / sha[:16]
    d.mkdir(parents=True, exist_ok=True)
    path = d / _safe_name(file_name)
    path.write_bytes(data)
    return PendingUpload(file_name=file_name, sha256=sha, path=path)


def discard(p: PendingUpload) -> None:
    """Remove the private copy of an upload (when it leaves the uploader or is stored)."""
    shutil.rmtree(p.path.parent, ignore_errors=True)


def restage(p: PendingUpload, data: bytes) -> None:
    """Write the private copy again when it is gone (a sweep after a long pause) and still needed."""
    if p.saved is None and not p.path.exists():
        p.path.parent.mkdir(parents=True, exist_ok=True)
        p.path.write_bytes(data)


def _scales_key(scales: dict) -> tuple:
    return tuple(sorted((k, tuple(sorted(v.bounds.items()))) for k, v in scales.items()))


def _parse_if_needed(store: Store, p: PendingUpload) -> ParsedFile:
    """Parse again only when the hints or the mark scales changed since the last parse (a scale entered or
    corrected in the meantime changes the marks)."""
    scales = store.reference.mark_scales()
    made_with = (replace(p.hints), _scales_key(scales))
    if p.parsed is None or p.parsed_with != made_with:
        p.parsed = parse_in_child(p.path, p.file_name, p.hints, scales)
        p.parsed_with = made_with
        p.parses += 1
    return p.parsed


def preview(store: Store, p: PendingUpload, user: User) -> ImportReport:
    """Everything checked, nothing kept: the layout, year, procedure, rows, issues and unmatched schools."""
    if store.imports.stored_batch_of(p.sha256) is None:
        _parse_if_needed(store, p)
    p.report = import_file(store, p.path, user, p.file_name, hints=p.hints, mappings=p.mappings or None,
                           dry_run=True, parsed=p.parsed)
    return p.report


def save(store: Store, p: PendingUpload, user: User) -> ImportReport:
    """Store the file with the parse of its preview; the mappings are remembered by the service. Once stored,
    the private copy is removed."""
    parsed = _parse_if_needed(store, p)
    rep = import_file(store, p.path, user, p.file_name, hints=p.hints, mappings=p.mappings or None, parsed=parsed,
                      confirm_foreign=p.confirm_foreign)
    p.report = rep
    if rep.status == "stored":
        p.saved = rep
        discard(p)
    return rep


def asks(report: ImportReport | None) -> set[str]:
    """What the form must ask, all at once, because the file does not say it: "procedure" and/or "year"."""
    if report is None or report.status != "needs_input":
        return set()
    return report.needs & {"procedure", "year"}


def needs_scale(report: ImportReport | None) -> bool:
    """The file's work and year are known, but that year's mark scale is not entered."""
    return report is not None and report.status == "needs_input" and "scale" in report.needs


def enter_scale(store: Store, p: PendingUpload, user: User, min3: int, min4: int, min5: int,
                max_score: int) -> ScaleCorrection:
    """The missing scale of the file's work and year, entered on the upload page: validated and saved by the
    settings service (only an admin of the whole region may), then the file is checked again with it.
    Raises SettingsError (Russian, what is wrong) or Forbidden."""
    rep = p.report
    if rep is None or not rep.procedure or rep.year is None:
        raise SettingsError("Шкалу можно ввести здесь, только когда известны работа и учебный год файла.")
    corr = set_mark_scale(store, user, scale_from_minimums(rep.procedure, rep.year, min3, min4, min5, max_score))
    preview(store, p, user)
    return corr


def issues_frame(report: ImportReport) -> pd.DataFrame:
    """Errors and warnings by row: уровень, лист, строка, столбец, значение, сообщение (errors first)."""
    order = {ERROR: 0, ROW_ERROR: 1, WARNING: 2}
    rows = sorted(report.issues, key=lambda i: (order.get(i.level, 3), i.sheet or "", i.row or 0))
    return pd.DataFrame([{
        "Уровень": LEVEL_RU.get(i.level, i.level), "Лист": i.sheet or "", "Строка": "" if i.row is None else str(i.row),
        "Столбец": i.column or "", "Значение": "" if i.value is None else str(i.value), "Сообщение": i.message}
        for i in rows], columns=["Уровень", "Лист", "Строка", "Столбец", "Значение", "Сообщение"])


def preview_frame(report: ImportReport, limit: int = 500) -> pd.DataFrame:
    """The parsed rows as the service would store them, shares pre-formatted in Russian."""
    df = report.preview if report.preview is not None else pd.DataFrame()
    df = df.head(limit).copy()
    if "Доля" in df.columns:
        df["Доля"] = [fmt_pct(x) if pd.notna(x) else "—" for x in df["Доля"]]
    return df


def history_frame(batches: pd.DataFrame) -> pd.DataFrame:
    """Import history for display: №, файл, формат, процедура, год, строк, статус, когда, кто."""
    from shnor.domain import procedures
    from shnor.domain.years import format_school_year
    from shnor.importing.layouts import label_ru
    return pd.DataFrame({
        "№": batches["id"].astype(int),
        "Файл": batches["file_name"],
        "Формат": [label_ru(x, short=True) for x in batches["layout"]],
        "Процедура": [procedures.name_ru(x) if isinstance(x, str) else "несколько" for x in batches["procedure"]],
        "Год": [format_school_year(int(y)) if pd.notna(y) else "несколько" for y in batches["year"]],
        "Строк прочитано": batches["rows_read"].astype("Int64"),
        "Сохранено": batches["rows_stored"].astype("Int64"),
        "Статус": ["отменена " + (f"{pd.Timestamp(u):%d.%m.%Y %H:%M}" if pd.notna(u) else "") + (f" ({b})" if b else "")
                   if s == "undone" else "сохранена" for s, u, b in zip(batches["status"], batches["undone_at"],
                                                                       batches["undone_by"])],
        "Когда": [f"{pd.Timestamp(t):%d.%m.%Y %H:%M}" for t in batches["created_at"]],
        "Кто": batches["created_by"].fillna(""),
    })
