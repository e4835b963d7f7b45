"""The official list of ШНОР and the region's own list: what is decided, how it is compared (SPEC.md,
«The official list»). Pure: no database, files or Streamlit (shnor/services/lists.py does the use cases,
shnor/store/lists.py the SQL).

- `OfficialList`: at most one per school year and territory (None: the whole region); a draft holds the
  head's manual decisions, an approved list is frozen with its order's number and date.
- `proposed_list`: the computed list with the manual decisions applied (one row per school).
- `diff_items`: how the list computed from today's data differs from an approved list's items.
- The region's list (seed 004, appendix 3: «Территория | ОО»): header words, name keys and the matching of
  (territory, school name) rows to the registry; `compare_region`: the region's list against the computed one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd

from shnor.domain.codes import norm_name
from shnor.domain.fmt import plural
from shnor.domain.matching import NameIndex, expand
from shnor.domain.rule import SHNOR, STATUS_RU, RuleSettings
from shnor.domain.years import format_school_year

DRAFT, APPROVED = "draft", "approved"
MIN_REASON = 3


class OfficialListError(ValueError):
    """A refused action on an official list; the message is Russian and user-facing."""


@dataclass
class OfficialList:
    id: int
    year: int
    territory_id: int | None
    status: str                       # draft | approved
    order_number: str | None = None
    order_date: dt.date | None = None
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    settings: RuleSettings | None = None

    @property
    def frozen(self) -> bool:
        return self.status == APPROVED

    def order_ru(self) -> str:
        """«приказ № 1324 от 03.12.2021»"""
        if not self.order_number:
            return ""
        date = f" от {self.order_date:%d.%m.%Y}" if self.order_date else ""
        return f"приказ № {self.order_number}{date}"


def territory_label(name: str | None, territory_id: int | None) -> str:
    if territory_id is None:
        return "весь регион"
    return name or f"территория {territory_id}"


def frozen_message(lst: OfficialList, territory: str) -> str:
    return (f"Список на {format_school_year(lst.year)} ({territory}) утверждён ({lst.order_ru()}) и больше не "
            "меняется. Расхождения с текущим расчётом показаны отдельно.")


def check_reason(reason: str | None) -> str:
    """The written reason of a manual decision, stripped; refused when missing or too short."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise OfficialListError("Укажите причину решения словами (например: «по списку региона, приказ № 1324»). "
                                "Без письменной причины школу нельзя включить в список или исключить из него.")
    return reason


def check_order(number: str | None, date, today: dt.date) -> tuple[str, dt.date]:
    """The order that approves a list: a number and a date that is not in the future."""
    number = (number or "").strip()
    if not number:
        raise OfficialListError("Укажите номер приказа, которым утверждается список.")
    if date is None:
        raise OfficialListError("Укажите дату приказа, которым утверждается список.")
    if isinstance(date, dt.datetime):
        date = date.date()
    if date > today:
        raise OfficialListError(f"Дата приказа {date:%d.%m.%Y} ещё не наступила — проверьте дату.")
    return number, date


# ---------------------------------------------------------------------------------------------
# The proposal: computed statuses with the manual decisions
# ---------------------------------------------------------------------------------------------
PROPOSED_COLS = ["school_id", "territory", "short_name", "school_code", "computed_status", "status_ru", "criteria",
                 "reasons", "manual", "included", "reason"]


def proposed_list(table: pd.DataFrame, manual: pd.DataFrame | None) -> pd.DataFrame:
    """The computed list (`ListResult.table`: id, territory, short_name, school_code, status, status_ru,
    criteria, reasons) with the manual decisions (school_id, included, reason) applied: one row per school.
    `included` is the decision when there is one, else «the rule says ШНОР»."""
    out = pd.DataFrame({
        "school_id": table["id"].astype(int), "territory": table["territory"], "short_name": table["short_name"],
        "school_code": table["school_code"], "computed_status": table["status"], "status_ru": table["status_ru"],
        "criteria": table["criteria"].fillna(""), "reasons": table["reasons"].fillna("")})
    out["manual"] = False
    out["included"] = out["computed_status"] == SHNOR
    out["reason"] = ""
    if manual is not None and not manual.empty:
        m = manual.set_index("school_id")
        hit = out["school_id"].isin(m.index)
        out.loc[hit, "manual"] = True
        out.loc[hit, "included"] = out.loc[hit, "school_id"].map(m["included"]).astype(bool)
        out.loc[hit, "reason"] = out.loc[hit, "school_id"].map(m["reason"]).fillna("")
    out["included"] = out["included"].astype(bool)
    out["manual"] = out["manual"].astype(bool)
    return out[PROPOSED_COLS]


def with_status_ru(items: pd.DataFrame) -> pd.DataFrame:
    """An approved list's items (computed_status, included, manual) with `status_ru` and clean flags."""
    items = items.copy()
    items["status_ru"] = items["computed_status"].map(lambda s: STATUS_RU.get(s, "") if isinstance(s, str) else "")
    items["included"] = items["included"].astype(bool)
    items["manual"] = items["manual"].fillna(False).astype(bool)
    return items


# ---------------------------------------------------------------------------------------------
# Approved list vs today's computation
# ---------------------------------------------------------------------------------------------
DIFF_NOW_SHNOR = "теперь ШНОР по расчёту"
DIFF_NO_LONGER = "теперь не ШНОР по расчёту"
DIFF_CRITERIA = "изменились основания"
DIFF_NEW_SCHOOL = "школы не было при утверждении"
DIFF_COLS = ["school_id", "territory", "short_name", "included", "status_then", "status_now", "criteria_then",
             "criteria_now", "change", "reasons_now"]


def diff_items(items: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """How the list computed today (`now`: ListResult.table) differs from an approved list's `items`
    (school_id, territory, short_name, included, computed_status, criteria). Columns DIFF_COLS; empty when
    nothing differs. A change between two statuses that are not ШНОР (risk group -> no low results) is not a
    change of the list."""
    items = items.set_index("school_id")
    now = now.set_index("id")
    rows = []
    for sid in sorted(set(items.index) | set(now.index)):
        then = items.loc[sid] if sid in items.index else None
        cur = now.loc[sid] if sid in now.index else None
        status_then = then["computed_status"] if then is not None else None
        status_now = cur["status"] if cur is not None else None
        crit_then = then["criteria"] if then is not None else ""
        crit_now = (cur["criteria"] or "") if cur is not None else ""
        if status_then == status_now and (status_now != SHNOR or crit_then == crit_now):
            continue
        if then is None:
            if status_now != SHNOR:
                continue
            change = DIFF_NEW_SCHOOL + "; " + DIFF_NOW_SHNOR
        elif status_now == SHNOR and status_then != SHNOR:
            change = DIFF_NOW_SHNOR
        elif status_then == SHNOR and status_now != SHNOR:
            change = DIFF_NO_LONGER
        elif status_now == SHNOR:
            change = DIFF_CRITERIA
        else:
            continue
        src = cur if cur is not None else then
        rows.append({
            "school_id": int(sid), "territory": src["territory"], "short_name": src["short_name"],
            "included": bool(then["included"]) if then is not None else False,
            "status_then": STATUS_RU.get(status_then, "—") if status_then else "—",
            "status_now": STATUS_RU.get(status_now, "—") if status_now else "школа не активна",
            "criteria_then": crit_then, "criteria_now": crit_now, "change": change,
            "reasons_now": (cur["reasons"] or "") if cur is not None else ""})
    return pd.DataFrame(rows, columns=DIFF_COLS)


def diff_summary_ru(diff: pd.DataFrame) -> str:
    if diff.empty:
        return "Текущий расчёт совпадает с утверждённым списком."
    now = int((diff["change"].str.contains(DIFF_NOW_SHNOR)).sum())
    gone = int((diff["change"] == DIFF_NO_LONGER).sum())
    crit = int((diff["change"] == DIFF_CRITERIA).sum())
    parts = []
    if now:
        parts.append(f"{now} {plural(now, 'школа', 'школы', 'школ')} теперь ШНОР по расчёту")
    if gone:
        parts.append(f"{gone} {plural(gone, 'школа', 'школы', 'школ')} по расчёту больше не ШНОР")
    if crit:
        parts.append(f"у {crit} {plural(crit, 'школы', 'школ', 'школ')} изменились основания")
    return ("По данным, загруженным после утверждения, расчёт отличается от утверждённого списка: "
            + "; ".join(parts) + ". Утверждённый список не меняется.")


# ---------------------------------------------------------------------------------------------
# The region's own list (seed 004, appendix 3: «Территория | ОО»)
# ---------------------------------------------------------------------------------------------
TERRITORY_HEADERS = ("территория", "муниципалитет", "муниципальное образование", "мо", "район", "городской округ",
                     "муниципальный район", "наименование территории", "наименование мо")
SCHOOL_HEADERS = ("оо", "образовательная организация", "образовательные организации", "наименование оо",
                  "школа", "наименование образовательной организации", "общеобразовательная организация")
SUBTOTAL = ("итого", "всего")


def header_kind(text: str | None) -> str | None:
    """'territory' or 'school' for a header cell of the region's list, else None."""
    n = norm_name(text)
    if n in TERRITORY_HEADERS:
        return "territory"
    if n in SCHOOL_HEADERS:
        return "school"
    return None


def is_subtotal(text: str | None) -> bool:
    return bool(text) and norm_name(text).startswith(SUBTOTAL)


@dataclass
class RegionListRow:
    territory_text: str
    school_text: str
    sheet: str
    row: int


def territory_by_expanded_name(text: str, territories: Iterable[tuple[int, str | None, str | None]]) -> int | None:
    """The one territory (id, name, short name) whose name reads as `text` once ГО/МР/МО are spelled out."""
    want = expand(norm_name(text))
    hits = {int(tid) for tid, name, short in territories
            if want and want in (expand(norm_name(name)), expand(norm_name(short)))}
    return next(iter(hits)) if len(hits) == 1 else None


MATCH_COLS = ["territory_text", "school_text", "territory_id", "school_id", "school_name", "note", "sheet", "row"]


def match_rows(rows: list[RegionListRow], index: NameIndex, territory_of: Callable[[str], int | None],
               names: dict[int, str]) -> pd.DataFrame:
    """Each (territory, school name) row matched to the registry within its territory by the product's one
    school-by-name lookup (shnor/domain/matching.py `NameIndex`: case, quotes, ё, spaces; СОШ/ООШ/НОШ spelled
    out; the ownership form dropped as a last resort). Columns MATCH_COLS; school_id is NA with a `note`
    when no single school matches."""
    out = []
    found: dict[str, int | None] = {}
    for r in rows:
        if r.territory_text not in found:
            found[r.territory_text] = territory_of(r.territory_text)
        tid = found[r.territory_text]
        if tid is None:
            sid, note = None, f"территория «{r.territory_text}» не найдена"
        else:
            sid, note = index.lookup(r.school_text, tid)
        out.append({"territory_text": r.territory_text, "school_text": r.school_text, "territory_id": tid,
                    "school_id": sid, "school_name": names.get(sid) if sid else None, "note": note,
                    "sheet": r.sheet, "row": r.row})
    df = pd.DataFrame(out, columns=MATCH_COLS)
    df["school_id"] = df["school_id"].astype("Int64")
    df["territory_id"] = df["territory_id"].astype("Int64")
    return df


BOTH, ONLY_REGION, ONLY_COMPUTED, NOT_FOUND = ("в обоих списках", "только в списке региона", "только по расчёту",
                                               "в списке региона, но не найдена в реестре")
COMPARE_COLS = ["territory", "school", "school_id", "in_region", "in_computed", "status_ru", "verdict", "reasons"]


def compare_region(items: pd.DataFrame, table: pd.DataFrame, outside: Callable[[str], bool]) -> pd.DataFrame:
    """The region's list (`items`: territory_text, school_text, school_id) against the computed one
    (`table`: ListResult.table). Rows of the region's list outside the computed territory are left out:
    matched ones when their school is not in `table`, unmatched ones when `outside(territory_text)`.
    Columns COMPARE_COLS, sorted by verdict, territory and school."""
    t = table.set_index("id")
    in_scope = set(t.index)
    rows = []
    region_ids = set()
    for r in items.itertuples(index=False):
        if pd.isna(r.school_id):
            if outside(r.territory_text):
                continue
            rows.append({"territory": r.territory_text, "school": r.school_text, "school_id": None,
                         "in_region": True, "in_computed": False, "status_ru": "—", "verdict": NOT_FOUND,
                         "reasons": ""})
            continue
        sid = int(r.school_id)
        if sid not in in_scope:
            continue
        region_ids.add(sid)
        s = t.loc[sid]
        is_shnor = s["status"] == SHNOR
        rows.append({"territory": s["territory"], "school": s["short_name"], "school_id": sid, "in_region": True,
                     "in_computed": is_shnor, "status_ru": s["status_ru"], "verdict": BOTH if is_shnor else ONLY_REGION,
                     "reasons": s["reasons"] or ""})
    for sid, s in t[t["status"] == SHNOR].iterrows():
        if int(sid) in region_ids:
            continue
        rows.append({"territory": s["territory"], "school": s["short_name"], "school_id": int(sid),
                     "in_region": False, "in_computed": True, "status_ru": s["status_ru"], "verdict": ONLY_COMPUTED,
                     "reasons": s["reasons"] or ""})
    order = {BOTH: 0, ONLY_REGION: 1, ONLY_COMPUTED: 2, NOT_FOUND: 3}
    df = pd.DataFrame(rows, columns=COMPARE_COLS)
    if not df.empty:
        df = df.sort_values(by=["verdict", "territory", "school"], key=lambda c: c.map(order) if c.name == "verdict"
                            else c).reset_index(drop=True)
    df["school_id"] = df["school_id"].astype("Int64")
    return df
