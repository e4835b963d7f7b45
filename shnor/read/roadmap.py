"""The roadmap as pages, the CLI and reports read it: measures with their flags, progress by section,
a school's measures, the change history.

    df = measures(store, user, today=date.today())          # every measure the user may see, document order
    progress_by_section(df)                                 # done / in work / overdue per section
    school_measures(store, user, school_id)

«Просрочено» and «скоро срок» follow from the deadline and the stored status (shnor/domain/deadlines.py);
«скоро срок» looks ahead the number of days in the setting `roadmap_due_soon_days` (14 by default).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from shnor.domain.deadlines import FLAG_RU, KINDS, deadline_flag
from shnor.domain.permissions import Action, User, in_scope, require
from shnor.domain.roadmap import DUE_SOON_DEFAULT, DUE_SOON_SETTING_KEY, STATUS_ICON, STATUS_RU

MEASURE_COLUMNS = ["id", "roadmap_id", "roadmap", "territory", "number", "section", "text", "deadline_text",
                   "deadline_start", "deadline_end", "deadline_kind", "deadline_flagged", "deadline_note",
                   "responsible", "expected_result", "schools", "status", "status_ru", "flag", "flag_ru",
                   "state_ru", "status_date", "evidence", "evidence_link", "evidence_doc", "updated_by", "updated_at"]


def due_soon_days(store) -> int:
    try:
        v = int(store.settings.get(DUE_SOON_SETTING_KEY, DUE_SOON_DEFAULT))
    except (TypeError, ValueError):
        return DUE_SOON_DEFAULT
    return v if 0 <= v <= 365 else DUE_SOON_DEFAULT


def _tid(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def school_id_list(v) -> list[int]:
    """The school ids of a measure's `school_ids` cell (a list, or NULL)."""
    if v is None or isinstance(v, (float, str)) or v is pd.NA:
        return []
    try:
        return [int(x) for x in v]
    except TypeError:
        return []


def visible_roadmaps(store, user: User) -> pd.DataFrame:
    """The roadmaps whose territory (None: the region) lies in the user's scope."""
    require(user, Action.READ, user.territory_id)
    df = store.roadmaps.list()
    if df.empty:
        return df
    keep = [in_scope(user, _tid(t)) for t in df["territory_id"]]
    return df[keep].reset_index(drop=True)


def _date(v) -> date | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def with_flags(df: pd.DataFrame, today: date, soon_days: int) -> pd.DataFrame:
    """Adds status_ru, flag (overdue | due_soon | ""), flag_ru and state_ru (icon, status and flag in words)."""
    df = df.copy()
    df["status_ru"] = [STATUS_RU.get(s, s) for s in df["status"]]
    flags = [deadline_flag(_date(e), s, today, soon_days) or "" for e, s in zip(df["deadline_end"], df["status"])]
    df["flag"] = flags
    df["flag_ru"] = [FLAG_RU.get(f, "") for f in flags]
    df["state_ru"] = [f"{STATUS_ICON.get(s, '')} {STATUS_RU.get(s, s)}" + (f" · ⚠ {FLAG_RU[f]}" if f else "")
                      for s, f in zip(df["status"], flags)]
    df["deadline_kind_ru"] = [KINDS.get(k or "", k or "") for k in df["deadline_kind"]]
    for c in ("deadline_start", "deadline_end", "status_date"):
        df[c] = [_date(v) for v in df[c]]
    return df


def measures(store, user: User, today: date | None = None, roadmap_id: int | None = None) -> pd.DataFrame:
    """Every measure of the roadmaps the user may see, in the documents' order, with flags."""
    rm = visible_roadmaps(store, user)
    ids = [int(i) for i in rm["id"]] if not rm.empty else []
    if roadmap_id is not None:
        ids = [i for i in ids if i == int(roadmap_id)]
    df = store.roadmaps.measures(ids)
    return with_flags(df, today or date.today(), due_soon_days(store))


def school_measures(store, user: User, school_id: int, today: date | None = None) -> pd.DataFrame:
    """The measures that concern a school (linked to it, or of its own roadmap)."""
    df = measures(store, user, today)
    if df.empty:
        return df
    sid = int(school_id)
    keep = [_tid(r) == sid or sid in school_id_list(ids) for r, ids in zip(df["roadmap_school_id"], df["school_ids"])]
    return df[keep].reset_index(drop=True)


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    in_progress: int
    overdue: int
    due_soon: int
    not_done: int
    cancelled: int
    no_dates: int

    @property
    def done_share(self) -> float | None:
        active = self.total - self.cancelled
        return None if active <= 0 else self.done / active


def progress(df: pd.DataFrame) -> Progress:
    if df.empty:
        return Progress(0, 0, 0, 0, 0, 0, 0, 0)
    s = df["status"]
    return Progress(len(df), int((s == "done").sum()), int((s == "in_progress").sum()),
                    int((df["flag"] == "overdue").sum()), int((df["flag"] == "due_soon").sum()),
                    int((s == "not_done").sum()), int((s == "cancelled").sum()),
                    int(df["deadline_start"].isna().sum()))


def progress_by_section(df: pd.DataFrame) -> pd.DataFrame:
    """Per section (in the documents' order): measures, done, in work, overdue, the share done (cancelled ones
    left out of the base)."""
    rows = []
    if df.empty:
        return pd.DataFrame(columns=["section", "total", "done", "in_progress", "overdue", "done_share"])
    for (_, section), g in df.groupby([df["roadmap_id"], df["section"].fillna("")], sort=False):
        p = progress(g)
        rows.append({"section": section or "Без раздела", "total": p.total, "done": p.done,
                     "in_progress": p.in_progress, "overdue": p.overdue, "done_share": p.done_share})
    return pd.DataFrame(rows)


def history(store, user: User, measure_ids: list[int] | None = None) -> pd.DataFrame:
    """Who changed what and when, for the measures the user may see (newest first)."""
    visible = measures(store, user)
    allowed = set(int(i) for i in visible["id"]) if not visible.empty else set()
    ids = sorted(allowed if measure_ids is None else allowed & {int(i) for i in measure_ids})
    return store.roadmaps.history(ids)


def criteria(store, user: User, measure_ids: list[int]) -> pd.DataFrame:
    visible = measures(store, user)
    allowed = set(int(i) for i in visible["id"]) if not visible.empty else set()
    return store.roadmaps.criteria(sorted(allowed & {int(i) for i in measure_ids}))
