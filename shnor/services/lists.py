"""The official list of ШНОР: the rule computes, officials decide (SPEC.md, «The official list»).

For a school year and a territory (None: the whole region) there is at most one list:
- a *draft* holds the head's manual decisions: include or exclude a school, each with a written reason;
- `approve_list` freezes it with the order's number and date, recording who approved it, when, and the rule
  settings it was made with; every school of the territory gets an item (computed status, included or not);
- an approved list never changes: `diff_with_computed` shows how the list computed from today's data
  (with the settings of the approved list) differs from the one approved.

The region's own list (seed 004, appendix 3: a table «Территория | ОО») can be imported
(`import_region_list`) and compared with the computed one (`compare_with_region_list`).

No Streamlit here: the page, the CLI and the tests share these functions. Messages are Russian.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.read.analysis import ListResult, compute_list
from shnor.domain.fmt import plural
from shnor.importing.model import ERROR, WARNING, Issue, ParseRefusal
from shnor.importing.reading import cell_text, column_letter, read_sheets
from shnor.domain.rule import SHNOR, STATUS_RU, RuleSettings
from shnor.store import Store
from shnor.domain.codes import norm_name
from shnor.domain.years import format_school_year

DRAFT, APPROVED = "draft", "approved"


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


def _to_date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    return dt.date.fromisoformat(str(v)[:10])


def _row_to_list(row: dict) -> OfficialList:
    settings = row.get("settings")
    return OfficialList(
        id=int(row["id"]), year=int(row["year"]),
        territory_id=None if pd.isna(row["territory_id"]) else int(row["territory_id"]),
        status=row["status"], order_number=row.get("order_number") or None,
        order_date=_to_date(row.get("order_date")), approved_by=row.get("approved_by") or None,
        approved_at=None if pd.isna(row.get("approved_at")) else pd.Timestamp(row["approved_at"]).to_pydatetime(),
        settings=RuleSettings.from_dict(json.loads(settings)) if isinstance(settings, str) and settings else None)


def get_list(store: Store, year: int, territory_id: int | None) -> OfficialList | None:
    """The list of a year and territory: the approved one if there is one, else the draft, else None."""
    df = store.df("SELECT * FROM official_lists WHERE year = ? AND territory_id IS NOT DISTINCT FROM ? "
                  "ORDER BY status = 'approved' DESC, id DESC LIMIT 1", [year, territory_id])
    return None if df.empty else _row_to_list(df.iloc[0].to_dict())


def approved_lists(store: Store, territory_id: int | None = None) -> pd.DataFrame:
    """Approved lists (of a territory, or all when territory_id is None), newest year first."""
    where, params = "status = 'approved'", []
    if territory_id is not None:
        where += " AND territory_id = ?"
        params.append(territory_id)
    return store.df(
        "SELECT l.id, l.year, l.territory_id, coalesce(t.name, 'Весь регион') AS territory, l.order_number, "
        "l.order_date, l.approved_by, l.approved_at, "
        "(SELECT count(*) FROM official_list_items i WHERE i.list_id = l.id AND i.included) AS included "
        f"FROM official_lists l LEFT JOIN territories t ON t.id = l.territory_id WHERE {where} "
        "ORDER BY l.year DESC, territory", params)


def _territory_label(store: Store, territory_id: int | None) -> str:
    if territory_id is None:
        return "весь регион"
    return store.scalar("SELECT name FROM territories WHERE id = ?", [territory_id]) or f"территория {territory_id}"


def _frozen_message(store: Store, lst: OfficialList) -> str:
    return (f"Список на {format_school_year(lst.year)} ({_territory_label(store, lst.territory_id)}) утверждён "
            f"({lst.order_ru()}) и больше не меняется. Расхождения с текущим расчётом показаны отдельно.")


def _school_in_territory(store: Store, school_id: int, territory_id: int | None) -> bool:
    ids = store.territories.subtree(territory_id)
    row = store.df("SELECT territory_id, district_id FROM schools WHERE id = ?", [school_id])
    if row.empty:
        return False
    if ids is None:
        return True
    t, d = row.iloc[0]["territory_id"], row.iloc[0]["district_id"]
    return int(t) in ids or (pd.notna(d) and int(d) in ids)


def _ensure_draft(store: Store, cur, year: int, territory_id: int | None, actor: str | None) -> int:
    row = cur.execute("SELECT id, status FROM official_lists WHERE year = ? AND territory_id IS NOT DISTINCT FROM ? "
                      "ORDER BY status = 'approved' DESC, id DESC LIMIT 1", [year, territory_id]).fetchone()
    if row is not None:
        return int(row[0])
    new_id = cur.execute("INSERT INTO official_lists (year, territory_id, status, created_by) "
                         "VALUES (?, ?, 'draft', ?) RETURNING id", [year, territory_id, actor]).fetchone()[0]
    return int(new_id)


def set_decision(store: Store, year: int, territory_id: int | None, school_id: int, included: bool,
                 reason: str, actor: str | None = None) -> OfficialList:
    """Include (included=True) or exclude a school by hand, before approval. The reason is required."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise OfficialListError("Укажите причину решения словами (например: «по списку региона, приказ № 1324»). "
                                "Без письменной причины школу нельзя включить в список или исключить из него.")
    lst = get_list(store, year, territory_id)
    if lst is not None and lst.frozen:
        raise OfficialListError(_frozen_message(store, lst))
    if not _school_in_territory(store, school_id, territory_id):
        raise OfficialListError(f"Школа № {school_id} не относится к территории «{_territory_label(store, territory_id)}» "
                                "— решение по ней принимается в списке её территории.")
    with store.transaction() as cur:
        list_id = _ensure_draft(store, cur, year, territory_id, actor)
        cur.execute("DELETE FROM official_list_items WHERE list_id = ? AND school_id = ?", [list_id, school_id])
        cur.execute("INSERT INTO official_list_items (list_id, school_id, included, manual, reason) "
                    "VALUES (?, ?, ?, TRUE, ?)", [list_id, school_id, bool(included), reason])
        store.legacy_audit(cur, actor, "official_list_decision", {"list": list_id, "year": year, "territory_id": territory_id,
                                                            "school_id": school_id, "included": bool(included),
                                                            "reason": reason})
    return get_list(store, year, territory_id)


def clear_decision(store: Store, year: int, territory_id: int | None, school_id: int,
                   actor: str | None = None) -> None:
    """Withdraw a manual decision (before approval): the school follows the rule again."""
    lst = get_list(store, year, territory_id)
    if lst is None:
        return
    if lst.frozen:
        raise OfficialListError(_frozen_message(store, lst))
    with store.transaction() as cur:
        cur.execute("DELETE FROM official_list_items WHERE list_id = ? AND school_id = ? AND manual",
                    [lst.id, school_id])
        store.legacy_audit(cur, actor, "official_list_decision_cleared", {"list": lst.id, "school_id": school_id})


def decisions(store: Store, list_id: int) -> pd.DataFrame:
    """Manual decisions of a list: school_id, included, reason."""
    return store.df("SELECT school_id, included, reason FROM official_list_items WHERE list_id = ? AND manual "
                    "ORDER BY school_id", [list_id])


_PROPOSED_COLS = ["school_id", "territory", "short_name", "school_code", "computed_status", "status_ru", "criteria",
                  "reasons", "manual", "included", "reason"]


def proposed_list(computed: ListResult, manual: pd.DataFrame | None) -> pd.DataFrame:
    """The computed list with the head's manual decisions applied: one row per school of the territory.
    `included` is the decision when there is one, else «the rule says ШНОР»."""
    t = computed.table
    out = pd.DataFrame({
        "school_id": t["id"].astype(int), "territory": t["territory"], "short_name": t["short_name"],
        "school_code": t["school_code"], "computed_status": t["status"], "status_ru": t["status_ru"],
        "criteria": t["criteria"].fillna(""), "reasons": t["reasons"].fillna("")})
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
    return out[_PROPOSED_COLS]


def current_proposal(store: Store, year: int, territory_id: int | None,
                     settings: RuleSettings | None = None) -> tuple[OfficialList | None, pd.DataFrame]:
    """(the draft or approved list, the proposal: computed list with the draft's manual decisions)."""
    lst = get_list(store, year, territory_id)
    computed = compute_list(store, year, territory_id, settings)
    manual = decisions(store, lst.id) if lst is not None else None
    return lst, proposed_list(computed, manual)


def approve_list(store: Store, year: int, territory_id: int | None, order_number: str, order_date: dt.date | None,
                 actor: str | None, settings: RuleSettings | None = None) -> OfficialList:
    """Approve the list of a year by an order: computed statuses plus manual decisions are frozen."""
    order_number = (order_number or "").strip()
    if not order_number:
        raise OfficialListError("Укажите номер приказа, которым утверждается список.")
    if order_date is None:
        raise OfficialListError("Укажите дату приказа, которым утверждается список.")
    if isinstance(order_date, dt.datetime):
        order_date = order_date.date()
    if order_date > dt.date.today():
        raise OfficialListError(f"Дата приказа {order_date:%d.%m.%Y} ещё не наступила — проверьте дату.")
    lst = get_list(store, year, territory_id)
    if lst is not None and lst.frozen:
        raise OfficialListError(_frozen_message(store, lst))
    computed = compute_list(store, year, territory_id, settings)
    settings = computed.identification.settings
    manual = decisions(store, lst.id) if lst is not None else None
    proposal = proposed_list(computed, manual)
    if proposal.empty:
        raise OfficialListError("В территории нет ни одной школы — утверждать нечего.")
    with store.transaction() as cur:
        list_id = _ensure_draft(store, cur, year, territory_id, actor)
        state = cur.execute("SELECT status FROM official_lists WHERE id = ?", [list_id]).fetchone()[0]
        if state == APPROVED:  # approved meanwhile by someone else
            raise OfficialListError(_frozen_message(store, get_list(store, year, territory_id)))
        cur.execute("DELETE FROM official_list_items WHERE list_id = ?", [list_id])
        cur.executemany(
            "INSERT INTO official_list_items (list_id, school_id, included, computed_status, manual, reason, "
            "criteria, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[list_id, int(r.school_id), bool(r.included), r.computed_status, bool(r.manual), r.reason or None,
              r.criteria or None, r.reasons or None] for r in proposal.itertuples(index=False)])
        cur.execute("UPDATE official_lists SET status = 'approved', order_number = ?, order_date = ?, "
                    "approved_by = ?, approved_at = current_timestamp, settings = ? WHERE id = ?",
                    [order_number, order_date, actor, json.dumps(settings.to_dict(), ensure_ascii=False), list_id])
        store.legacy_audit(cur, actor, "official_list_approved", {
            "list": list_id, "year": year, "territory_id": territory_id, "order_number": order_number,
            "order_date": order_date.isoformat(), "included": int(proposal["included"].sum()),
            "manual": int(proposal["manual"].sum())})
    return get_list(store, year, territory_id)


def list_items(store: Store, list_id: int) -> pd.DataFrame:
    """Items of a list with the schools' names: school_id, territory, short_name, school_code, included,
    computed_status, status_ru, manual, reason, criteria, reasons."""
    df = store.df(
        "SELECT i.school_id, t.name AS territory, s.short_name, coalesce(s.fisoko_login, s.exam_code_oge, "
        "s.exam_code_ege, s.registry_code, s.inn, 'id' || s.id::VARCHAR) AS school_code, i.included, "
        "i.computed_status, i.manual, coalesce(i.reason, '') AS reason, coalesce(i.criteria, '') AS criteria, "
        "coalesce(i.reasons, '') AS reasons FROM official_list_items i JOIN schools s ON s.id = i.school_id "
        "JOIN territories t ON t.id = s.territory_id WHERE i.list_id = ? ORDER BY t.name, s.short_name", [list_id])
    df["status_ru"] = df["computed_status"].map(lambda s: STATUS_RU.get(s, "") if isinstance(s, str) else "")
    df["included"] = df["included"].astype(bool)
    df["manual"] = df["manual"].fillna(False).astype(bool)
    return df


# ---------------------------------------------------------------------------------------------
# Approved list vs today's computation
# ---------------------------------------------------------------------------------------------
DIFF_NOW_SHNOR = "теперь ШНОР по расчёту"
DIFF_NO_LONGER = "теперь не ШНОР по расчёту"
DIFF_CRITERIA = "изменились основания"
DIFF_NEW_SCHOOL = "школы не было при утверждении"


def diff_with_computed(store: Store, approved: OfficialList, current: ListResult | None = None) -> pd.DataFrame:
    """How the list computed from today's data differs from the approved one. The recomputation uses the
    settings the list was approved with, so every difference comes from data (later imports, corrections).
    Columns: school_id, territory, short_name, included (in the approved list), status_then, status_now,
    criteria_then, criteria_now, change, reasons_now. Empty when nothing differs."""
    cols = ["school_id", "territory", "short_name", "included", "status_then", "status_now", "criteria_then",
            "criteria_now", "change", "reasons_now"]
    if not approved.frozen:
        raise OfficialListError("Список ещё не утверждён — сравнивать не с чем.")
    if current is None:
        current = compute_list(store, approved.year, approved.territory_id, approved.settings)
    items = list_items(store, approved.id).set_index("school_id")
    now = current.table.set_index("id")
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
            continue  # e.g. risk group -> no low results: not a change of the list
        src = cur if cur is not None else then
        rows.append({
            "school_id": int(sid), "territory": src["territory"], "short_name": src["short_name"],
            "included": bool(then["included"]) if then is not None else False,
            "status_then": STATUS_RU.get(status_then, "—") if status_then else "—",
            "status_now": STATUS_RU.get(status_now, "—") if status_now else "школа не активна",
            "criteria_then": crit_then, "criteria_now": crit_now, "change": change,
            "reasons_now": (cur["reasons"] or "") if cur is not None else ""})
    return pd.DataFrame(rows, columns=cols)


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
_TERRITORY_HEADERS = ("территория", "муниципалитет", "муниципальное образование", "мо", "район", "городской округ",
                      "муниципальный район", "наименование территории", "наименование мо")
_SCHOOL_HEADERS = ("оо", "образовательная организация", "образовательные организации", "наименование оо",
                   "школа", "наименование образовательной организации", "общеобразовательная организация")
_SUBTOTAL = ("итого", "всего")
_OWNERSHIP = {"мбоу", "маоу", "мкоу", "моу", "мбнои", "мбоуо", "гбоу", "гоу", "гкоу", "гаоу", "ноу", "чоу", "оу",
              "мбо", "мао", "мку", "аноо", "чу", "гпоу"}
_ABBR = {"сош": "средняя общеобразовательная школа", "оош": "основная общеобразовательная школа",
         "нош": "начальная общеобразовательная школа", "го": "городской округ", "мр": "муниципальный район",
         "мо": "муниципальный округ"}


def _expand(norm: str) -> str:
    return " ".join(_ABBR.get(w, w) for w in norm.split())


def _name_keys(name: str | None) -> list[str]:
    """Keys from the most to the least literal: normalised; abbreviations expanded; without ownership."""
    n = norm_name(name)
    if not n:
        return []
    e = _expand(n)
    words = e.split()
    bare = " ".join(words[1:]) if len(words) > 1 and words[0] in _OWNERSHIP else e
    out = []
    for k in (n, e, bare):
        if k and k not in out:
            out.append(k)
    return out


@dataclass
class RegionListRow:
    territory_text: str
    school_text: str
    sheet: str
    row: int


@dataclass
class RegionListReport:
    """What an import of the region's list did. `rows` has one row per school of the file."""
    file_name: str
    status: str                               # stored | refused
    list_id: int | None = None
    year: int | None = None
    issues: list[Issue] = field(default_factory=list)
    rows: pd.DataFrame | None = None          # territory_text, school_text, school_id, school_name, sheet, row

    @property
    def matched(self) -> int:
        return 0 if self.rows is None else int(self.rows["school_id"].notna().sum())

    @property
    def unmatched(self) -> int:
        return 0 if self.rows is None else int(self.rows["school_id"].isna().sum())

    def summary_ru(self) -> str:
        if self.status != "stored":
            return f"{self.file_name}: список не загружен."
        total = self.matched + self.unmatched
        text = (f"{self.file_name}: список региона на {format_school_year(self.year)} загружен — "
                f"{total} {plural(total, 'школа', 'школы', 'школ')}, сопоставлено с реестром: {self.matched}")
        if self.unmatched:
            text += f", не найдено в реестре: {self.unmatched} (они показаны в сравнении отдельно)"
        return text + "."


def _header_kind(text: str) -> str | None:
    n = norm_name(text)
    if n in _TERRITORY_HEADERS:
        return "territory"
    if n in _SCHOOL_HEADERS:
        return "school"
    return None


def read_region_list(path: str | Path, file_name: str | None = None) -> list[RegionListRow]:
    """Rows of a «Территория | ОО» table (the header is found by content; the territory is filled down as in
    a merged cell; empty and subtotal rows are skipped). Raises ParseRefusal with Russian issues."""
    file_name = file_name or Path(path).name
    sheets = read_sheets(path, file_name)
    for sheet in sheets:
        for r_idx, row in enumerate(sheet.rows[:50]):
            kinds = {}
            for c_idx, v in enumerate(row):
                k = _header_kind(cell_text(v))
                if k and k not in kinds:
                    kinds[k] = c_idx
            if len(kinds) < 2:
                continue
            tc, sc = kinds["territory"], kinds["school"]
            out: list[RegionListRow] = []
            territory = ""
            for i in range(r_idx + 1, len(sheet.rows)):
                cells = sheet.rows[i]
                t = cell_text(cells[tc]) if tc < len(cells) else ""
                s = cell_text(cells[sc]) if sc < len(cells) else ""
                if t:
                    territory = t
                if any(norm_name(x).startswith(_SUBTOTAL) for x in (t, s) if x):
                    continue
                if not s:
                    continue
                if not territory:
                    raise ParseRefusal([Issue(ERROR, "не указана территория школы", file=file_name, sheet=sheet.name,
                                              row=i + 1, column=column_letter(tc), value=s)])
                out.append(RegionListRow(territory, s, sheet.name, i + 1))
            if not out:
                raise ParseRefusal([Issue(ERROR, "в таблице «Территория | ОО» нет ни одной школы.", file=file_name,
                                          sheet=sheet.name, row=r_idx + 1)])
            return out
    raise ParseRefusal([Issue(
        ERROR, "не найдена строка заголовков «Территория» и «ОО» (как в приложении 3 к приказу о списке ШНОР). "
               "Таблица должна иметь два столбца: территория и наименование образовательной организации.",
        file=file_name)])


def _school_index(store: Store) -> dict[tuple[str, int], set[int]]:
    """(name key, territory id) -> school ids; a school is indexed under its territory and its district."""
    idx: dict[tuple[str, int], set[int]] = {}
    for sid, short, full, tid, did in store.df(
            "SELECT id, short_name, full_name, territory_id, district_id FROM schools").itertuples(index=False):
        for name in (short, full):
            for k in _name_keys(name):
                for t in {tid, did} - {None}:
                    if pd.notna(t):
                        idx.setdefault((k, int(t)), set()).add(int(sid))
    for value, tid, sid in store.df("SELECT value_norm, territory_id, school_id FROM school_aliases "
                                    "WHERE kind = 'name' AND territory_id IS NOT NULL").itertuples(index=False):
        for k in _name_keys(value):
            idx.setdefault((k, int(tid)), set()).add(int(sid))
    return idx


def _find_territory(store: Store, text: str) -> int | None:
    tid = store.territories.find(text)
    if tid is not None:
        return tid
    want = _expand(norm_name(text))
    hits = {int(r.id) for r in store.territories.list().itertuples()
            if want and want in (_expand(norm_name(r.name)), _expand(norm_name(r.short_name)))}
    return next(iter(hits)) if len(hits) == 1 else None


def match_region_rows(store: Store, rows: list[RegionListRow]) -> pd.DataFrame:
    """Match each (territory, school name) to the registry, within the territory, by normalised name
    (case, quotes, ё, spaces; СОШ/ООШ/НОШ spelled out; the ownership form (МБОУ/МАОУ…) as a last resort)."""
    idx = _school_index(store)
    names = dict(store.df("SELECT id, short_name FROM schools").itertuples(index=False))
    out = []
    terr_cache: dict[str, int | None] = {}
    for r in rows:
        if r.territory_text not in terr_cache:
            terr_cache[r.territory_text] = _find_territory(store, r.territory_text)
        tid = terr_cache[r.territory_text]
        sid, note = None, ""
        if tid is None:
            note = f"территория «{r.territory_text}» не найдена"
        else:
            note = "школа с таким наименованием в территории не найдена"
            for k in _name_keys(r.school_text):
                hits = idx.get((k, tid), set())
                if len(hits) == 1:
                    sid, note = next(iter(hits)), ""
                    break
                if len(hits) > 1:
                    note = "такое наименование есть у нескольких школ территории"
                    break
        out.append({"territory_text": r.territory_text, "school_text": r.school_text, "territory_id": tid,
                    "school_id": sid, "school_name": names.get(sid) if sid else None, "note": note,
                    "sheet": r.sheet, "row": r.row})
    df = pd.DataFrame(out, columns=["territory_text", "school_text", "territory_id", "school_id", "school_name",
                                    "note", "sheet", "row"])
    df["school_id"] = df["school_id"].astype("Int64")
    df["territory_id"] = df["territory_id"].astype("Int64")
    return df


def import_region_list(store: Store, path: str | Path, year: int, file_name: str | None = None,
                       actor: str | None = None, scope_territory_id: int | None = None) -> RegionListReport:
    """Read and store the region's own list for school year `year`. Unmatched rows are stored too (without a
    school) and reported with file, sheet, row and column, so the comparison can show them."""
    file_name = file_name or Path(path).name
    rep = RegionListReport(file_name=file_name, status="refused", year=year)
    try:
        rows = read_region_list(path, file_name)
    except ParseRefusal as refusal:
        rep.issues = refusal.issues
        return rep
    df = match_region_rows(store, rows)
    if scope_territory_id is not None:
        ids = set(store.territories.subtree(scope_territory_id) or [])
        if ids:
            inside = df["territory_id"].isin(ids)
            left = int((~inside).sum())
            df = df[inside].reset_index(drop=True)
            if left:
                rep.issues.append(Issue(WARNING, f"строк вне вашей территории: {left} — они не загружены",
                                        file=file_name))
    for r in df[df["school_id"].isna()].itertuples(index=False):
        rep.issues.append(Issue(WARNING, f"{r.note} — строка показана в сравнении как «не найдена в реестре»",
                                file=file_name, sheet=r.sheet, row=int(r.row), column="ОО", value=r.school_text))
    with store.transaction() as cur:
        list_id = cur.execute("INSERT INTO region_lists (year, file_name, uploaded_by) VALUES (?, ?, ?) "
                              "RETURNING id", [year, file_name, actor]).fetchone()[0]
        cur.executemany("INSERT INTO region_list_items (list_id, territory_text, school_text, school_id, row_number) "
                        "VALUES (?, ?, ?, ?, ?)",
                        [[list_id, r.territory_text, r.school_text,
                          None if pd.isna(r.school_id) else int(r.school_id), int(r.row)]
                         for r in df.itertuples(index=False)])
        store.legacy_audit(cur, actor, "region_list_import", {"list": int(list_id), "year": year, "file": file_name,
                                                       "rows": len(df), "matched": int(df["school_id"].notna().sum())})
    rep.status, rep.list_id, rep.rows = "stored", int(list_id), df
    return rep


def region_lists(store: Store, year: int | None = None) -> pd.DataFrame:
    where, params = "TRUE", []
    if year is not None:
        where, params = "year = ?", [year]
    return store.df(f"SELECT l.*, (SELECT count(*) FROM region_list_items i WHERE i.list_id = l.id) AS schools "
                    f"FROM region_lists l WHERE {where} ORDER BY uploaded_at DESC, id DESC", params)


BOTH, ONLY_REGION, ONLY_COMPUTED, NOT_FOUND = ("в обоих списках", "только в списке региона", "только по расчёту",
                                               "в списке региона, но не найдена в реестре")


def compare_with_region_list(store: Store, region_list_id: int, computed: ListResult) -> pd.DataFrame:
    """The region's list against the computed one. Columns: territory, school, school_id, in_region,
    in_computed, status_ru, verdict, reasons. Rows of the region's list outside the computed territory are
    left out (a territory's list is compared with that territory's part of the region's list)."""
    items = store.df("SELECT territory_text, school_text, school_id FROM region_list_items WHERE list_id = ? "
                     "ORDER BY row_number", [region_list_id])
    t = computed.table.set_index("id")
    in_scope = set(t.index)
    ids = store.territories.subtree(computed.territory_id)
    rows = []
    region_ids = set()
    for r in items.itertuples(index=False):
        if pd.isna(r.school_id):
            if ids is not None:
                tid = _find_territory(store, r.territory_text)
                if tid is not None and tid not in ids:
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
    df = pd.DataFrame(rows, columns=["territory", "school", "school_id", "in_region", "in_computed", "status_ru",
                                     "verdict", "reasons"])
    if not df.empty:
        df = df.sort_values(by=["verdict", "territory", "school"], key=lambda c: c.map(order) if c.name == "verdict"
                            else c).reset_index(drop=True)
    df["school_id"] = df["school_id"].astype("Int64")
    return df
