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
from shnor.domain.fmt import fmt_int, fmt_num, fmt_pct
from shnor.domain.permissions import Action, User, in_scope, require
from shnor.domain.roadmap import DUE_SOON_DEFAULT, DUE_SOON_SETTING_KEY, STATUS_ICON, STATUS_RU
from shnor.domain.years import format_school_year, school_year_of_date

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


@dataclass(frozen=True)
class BeforeAfter:
    start: date | None               # when the school's support started (its earliest measure)
    start_year: int | None           # the school year of that date: results of it and later are «after»
    table: pd.DataFrame              # procedure, name, before, after, change_pp, before_label, after_label, verdict

    def sentence_ru(self) -> str:
        if self.start is None:
            return "У школы нет мероприятий с датами: сравнить результаты до и после начала работы нельзя."
        return (f"Работа по дорожной карте началась {self.start:%d.%m.%Y} ({format_school_year(self.start_year)} "
                f"учебный год): «до» — результаты прежних лет, «после» — этого года и следующих.")


def support_start(measures_df: pd.DataFrame) -> date | None:
    """The earliest date of a school's measures: a deadline's start, or the date a status was recorded."""
    dates = [d for d in list(measures_df.get("deadline_start", [])) + list(measures_df.get("status_date", []))
             if isinstance(d, date)]
    return min(dates) if dates else None


def before_after(trends: pd.DataFrame, measures_df: pd.DataFrame) -> BeforeAfter:
    """Per procedure of the rule: the school's share of «2» / below the minimum pooled over the results years
    before its measures started and over the years from then on (`trends`: read.overview.procedure_trends).
    A side without results is «нет данных», never 0."""
    start = support_start(measures_df)
    cols = ["procedure", "name", "before", "after", "change_pp", "before_label", "after_label", "verdict"]
    if start is None or trends.empty:
        return BeforeAfter(start, None, pd.DataFrame(columns=cols))
    sy = school_year_of_date(start)
    own = trends[(trends["series"] == "Школа") & trends["share"].notna()]
    rows = []
    for (proc, name), g in own.groupby(["procedure", "name"], sort=False):
        sides = {}
        for side, part in (("before", g[g["year"] < sy]), ("after", g[g["year"] >= sy])):
            n = float(part["participants"].sum())
            sides[side] = (float(part["low"].sum()) / n, int(part["low"].sum()), int(n)) if n > 0 else None
        if sides["before"] is None and sides["after"] is None:
            continue
        b, a = sides["before"], sides["after"]
        change = None if a is None or b is None else (a[0] - b[0]) * 100
        if change is None:
            verdict = "сравнить нельзя: " + ("нет результатов до начала" if b is None else "нет результатов после начала")
        elif abs(change) < 0.05:
            verdict = "без изменений"
        else:
            verdict = ("▼ доля снизилась на " if change < 0 else "▲ доля выросла на ") + \
                f"{fmt_num(abs(change))} п. п."
        rows.append({"procedure": proc, "name": name, "before": b[0] if b else None, "after": a[0] if a else None,
                     "change_pp": change,
                     "before_label": f"{fmt_pct(b[0])} ({fmt_int(b[1])} из {fmt_int(b[2])})" if b else "нет данных",
                     "after_label": f"{fmt_pct(a[0])} ({fmt_int(a[1])} из {fmt_int(a[2])})" if a else "нет данных",
                     "verdict": verdict})
    return BeforeAfter(start, sy, pd.DataFrame(rows, columns=cols))
