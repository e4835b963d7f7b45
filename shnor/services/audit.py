"""The audit log for admins: who did what and when (the page «Журнал действий» and `python -m shnor audit`).

    audit_rows(store, actor, since=date(2025, 1, 1), user="ann", action="login_failed")

Reading it needs `Action.AUDIT_READ` (an admin bound to no territory). Every value is returned as text: the
page shows it in a dataframe, the downloads write it as text cells (shnor/reports/cells.py).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pandas as pd

from shnor.domain import events
from shnor.domain.permissions import Action, User, require
from shnor.reports.cells import csv_cell, set_text_cell
from shnor.store import Store

COLUMNS = ["at", "user", "action", "details"]          # the CSV contract of `audit --format csv`
HEADS_RU = ["Время", "Пользователь", "Действие", "Подробности"]


class AuditError(ValueError):
    """A refused filter; the message is Russian."""


def parse_since(text: str | None) -> dt.date | None:
    """«2025-03-01» (or «01.03.2025») -> a date; None for nothing; AuditError otherwise."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AuditError(f"Дата «{text}» не распознана: укажите её как ГГГГ-ММ-ДД, например 2025-03-01.")


def _value_text(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "да" if v else "нет"
    if isinstance(v, (list, tuple)):
        return ", ".join(_value_text(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def details_text(detail) -> str:
    """An event's details as one line of text: «name: ann; role: viewer»."""
    if detail is None or (isinstance(detail, float) and pd.isna(detail)):
        return ""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            return detail
    if not isinstance(detail, dict):
        return _value_text(detail)
    return "; ".join(f"{k}: {_value_text(v)}" for k, v in sorted(detail.items()))


def action_kinds() -> list[events.EventKind]:
    """The kinds of events, for a filter (shown by their Russian names)."""
    return list(events.KINDS.values())


def audit_rows(store: Store, actor: User, since: dt.date | None = None, user: str | None = None,
               action: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Events, newest first, as text: at (YYYY-MM-DD HH:MM:SS), user, action (the kind's code), action_ru,
    details. `user` and `action` filter exactly (the stored user name, the kind's code)."""
    require(actor, Action.AUDIT_READ)
    df = store.audit.list(since=since, actor=user or None, action=action or None, limit=limit)
    out = pd.DataFrame({
        "at": [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M:%S") if pd.notna(t) else "" for t in df["logged_at"]],
        "user": ["" if a is None or (isinstance(a, float) and pd.isna(a)) else str(a) for a in df["actor"]],
        "action": [str(a) for a in df["action"]],
        "action_ru": [events.kind(str(a)).ru for a in df["action"]],
        "details": [details_text(d) for d in df["detail"]],
    }, columns=["at", "user", "action", "action_ru", "details"])
    return out.astype(str)


def audit_users(store: Store, actor: User, since: dt.date | None = None) -> list[str]:
    """The names that acted since a date (for a filter), sorted."""
    rows = audit_rows(store, actor, since=since)
    return sorted({u for u in rows["user"] if u})


def to_csv(rows: pd.DataFrame) -> str:
    """CSV with the header `at,user,action,details`; no cell is a formula."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows[COLUMNS].itertuples(index=False):
        w.writerow([csv_cell(v) for v in r])
    return buf.getvalue()


def to_xlsx(rows: pd.DataFrame) -> bytes:
    """An Excel workbook: time, user, action (Russian), details; every cell is text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "Журнал действий"
    for j, head in enumerate(HEADS_RU, start=1):
        set_text_cell(ws.cell(row=1, column=j), head)
        ws.cell(row=1, column=j).font = Font(bold=True)
    for i, r in enumerate(rows[["at", "user", "action_ru", "details"]].itertuples(index=False), start=2):
        for j, v in enumerate(r, start=1):
            set_text_cell(ws.cell(row=i, column=j), str(v))
    for col, width in zip("ABCD", (20, 18, 34, 80)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
