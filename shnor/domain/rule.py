"""The ШНОР identification rule (SPEC.md, seed 000) — a pure function of stored results and settings.

For a list formed for school year Y:
- a *low result* of a procedure: low * 100 >= threshold * participants (integers: 3 of 10 is low at 30 %);
- criterion 1: low results in at least two procedures in Y-1;
- criterion 2: a low result in at least one procedure in each of Y-1 and Y-2
  (variant "same": the same procedure low in both years);
- ШНОР when criterion 1 or 2 holds; otherwise группа риска (exactly one low procedure in Y-1, or a share
  within the margin below the threshold), без низких результатов, or нет данных (no result in Y-1 and Y-2).
A missing procedure is "no data", never "not low".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from shnor.domain.scales import at_most_pct, is_low
from shnor.domain import procedures
from shnor.domain.fmt import fmt_share, plural
from shnor.domain.years import format_school_year

SHNOR, RISK, OK, NO_DATA = "shnor", "risk", "ok", "no_data"
STATUS_RU = {SHNOR: "ШНОР", RISK: "группа риска", OK: "без низких результатов", NO_DATA: "нет данных"}


@dataclass(frozen=True)
class RuleSettings:
    threshold_pct: int = 30           # a result is low when share of "2"/below minimum >= this
    variant: str = "any"              # criterion 2: "any" procedure in each year, or the "same" one
    margin_pct: int = 5               # risk group: threshold - margin <= share < threshold
    min_participants: int = 0         # results with fewer participants are not counted (default: none)
    small_group: int = 10             # results with fewer participants are flagged
    procedures: tuple[str, ...] = procedures.DEFAULT_SET
    high_max_low_pct: int = 10        # stably high: no procedure above this share of "2"
    high_min_quality_pct: int = 50    # stably high: "4"+"5" at least this share where marks are known

    def to_dict(self) -> dict:
        d = asdict(self)
        d["procedures"] = list(self.procedures)
        return d

    @classmethod
    def from_dict(cls, d: dict | None) -> "RuleSettings":
        if not d:
            return cls()
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "procedures" in known:
            known["procedures"] = tuple(known["procedures"])
        return cls(**known)

    def validate(self) -> list[str]:
        """Russian messages for settings that make no sense."""
        errs = []
        if not 1 <= self.threshold_pct <= 100:
            errs.append("Порог низкого результата должен быть от 1 до 100 %.")
        if self.variant not in ("any", "same"):
            errs.append("Вариант критерия 2: «любая процедура» (any) или «та же процедура» (same).")
        if not 0 <= self.margin_pct < self.threshold_pct:
            errs.append("Запас для группы риска должен быть от 0 до порога.")
        if self.min_participants < 0 or self.small_group < 0:
            errs.append("Число участников не может быть отрицательным.")
        if not self.procedures:
            errs.append("Выберите хотя бы одну процедуру.")
        unknown = [p for p in self.procedures if p not in procedures.CATALOGUE]
        if unknown:
            errs.append(f"Неизвестные процедуры: {', '.join(unknown)}.")
        return errs


@dataclass(frozen=True)
class ProcedureResult:
    """One stored result as the rule sees it."""
    procedure: str
    year: int
    participants: int
    low_count: int
    quality: int | None = None  # pupils with "4"+"5" when marks are known

    def is_low(self, threshold_pct: int) -> bool:
        return is_low(self.low_count, self.participants, threshold_pct)

    @property
    def share(self) -> float:
        return self.low_count / self.participants if self.participants else 0.0

    def describe(self) -> str:
        """«ВПР, математика, 5 кл. — 40,0 % «2» (10 из 25)»"""
        return _describe(self.procedure, self.low_count, self.participants)


@lru_cache(maxsize=1 << 16)
def _describe(procedure: str, low_count: int, participants: int) -> str:
    """ProcedureResult.describe, remembered: the same few thousand (work, low, participants) repeat at scale."""
    p = procedures.CATALOGUE.get(procedure)
    what = "«2»" if p is None or p.kind == "VPR" else "ниже минимума"
    return f"{procedures.name_ru(procedure)} — {fmt_share(low_count, participants)} {what} ({low_count} из {participants})"


@dataclass
class SchoolStatus:
    school_id: int
    status: str                                   # SHNOR | RISK | OK | NO_DATA
    criteria: tuple[int, ...] = ()                # (1,), (2,), (1, 2)
    evidence: list[ProcedureResult] = field(default_factory=list)   # the low results that fired
    near: list[ProcedureResult] = field(default_factory=list)       # within the margin below threshold
    small_groups: list[ProcedureResult] = field(default_factory=list)
    excluded: list[ProcedureResult] = field(default_factory=list)   # below min_participants
    missing: list[tuple[str, int]] = field(default_factory=list)    # (procedure, year) with no result
    stably_high: bool = False
    reasons: str = ""

    @property
    def criteria_label(self) -> str:
        return "+".join(str(c) for c in self.criteria)

    @property
    def status_ru(self) -> str:
        return STATUS_RU[self.status]


class _LazyStatus(SchoolStatus):
    """A school's status as the vectorised rule found it (status, criteria, stably high); the rest — the results
    behind it and the reasons — is built on first use, by classify_school on that school's rows only."""

    def __init__(self, ident: "Identification", pos: int, school_id: int, status: str, criteria: tuple[int, ...],
                 stably_high: bool):
        self.__dict__.update(school_id=school_id, status=status, criteria=criteria, stably_high=stably_high,
                             _ident=ident, _pos=pos)

    def _load(self) -> None:
        full = self.__dict__["_ident"]._full(self.__dict__["_pos"])
        for f in _LAZY_FIELDS:
            self.__dict__.setdefault(f, getattr(full, f))

    def _load_missing(self) -> None:
        """Only the (procedure, year) without a result, as classify_school lists them: no reasons worded."""
        ident = self.__dict__["_ident"]
        s, y1, y2 = ident.settings, ident.year - 1, ident.year - 2
        present = ident._rows.pairs(self.__dict__["school_id"])
        self.__dict__["missing"] = [(p, y) for y in (y1, y2) for p in s.procedures if (p, y) not in present]


def _lazy_field(name: str) -> property:
    def get(self):
        if name not in self.__dict__:
            if name == "missing":       # wanted for every school (the list's gaps): cheap, on its own
                self._load_missing()
            else:
                self._load()
        return self.__dict__[name]

    def put(self, value) -> None:
        self.__dict__[name] = value
    return property(get, put)


_LAZY_FIELDS = ("evidence", "near", "small_groups", "excluded", "missing", "reasons")
for _f in _LAZY_FIELDS:
    setattr(_LazyStatus, _f, _lazy_field(_f))
FRAME_COLUMNS = ["school_id", "status", "status_ru", "criteria", "reasons", "stably_high", "low_count_y1",
                 "small_group", "missing"]


class Identification:
    """The rule's answer for a list year: one status per school of `schools` (in its order).

    The statuses are computed for all schools at once (columns, no Python loop per school); the results behind
    a status and its reasons (a Russian sentence) are built only for the schools someone asks about
    (`reasons_of`, a status's `reasons` or `evidence`), by classify_school — the one wording of the rule."""

    def __init__(self, year: int, settings: RuleSettings, school_ids: list[int], table: dict,
                 rows: "_SchoolRows"):
        self.year = year
        self.settings = settings
        self._ids = school_ids                  # per position (schools' order)
        self._t = table                         # per position: status, criteria label, flags, counts
        self._rows = rows
        self._full_cache: dict[int, SchoolStatus] = {}     # position -> a status with its evidence and reasons
        self._reasons: dict[int, str] = {}                   # position -> reasons worded for a list
        self._statuses: list[SchoolStatus] | None = None

    def __getstate__(self) -> dict:
        """Pickled (a page's cached list) without what is rebuilt on use: the statuses, the worded classifications
        and the rows' lookup (st.cache_data unpickles the whole object at every rerun)."""
        state = dict(self.__dict__)
        state["_full_cache"], state["_reasons"], state["_statuses"] = {}, {}, None
        return state

    @property
    def statuses(self) -> list[SchoolStatus]:
        if self._statuses is None:
            t = self._t
            self._statuses = [_LazyStatus(self, i, sid, st, crit, sh) for i, (sid, st, crit, sh) in enumerate(
                zip(self._ids, t["status"], t["criteria_tuple"], t["stably_high"]))]
        return self._statuses

    def _full(self, pos: int) -> SchoolStatus:
        st = self._full_cache.get(pos)
        if st is None:
            sid = self._ids[pos]
            st = self._full_cache[pos] = classify_school(sid, self._rows.of(sid), self.year, self.settings)
        return st

    def by_school(self) -> dict[int, SchoolStatus]:
        return {s.school_id: s for s in self.statuses}

    def shnor(self) -> list[SchoolStatus]:
        return [s for s in self.statuses if s.status == SHNOR]

    def reasons_of(self, positions) -> list[str]:
        """The reasons of the schools at these positions (of `schools`), built only for them. Only the sentences
        are kept (the classifications behind them are rebuilt if a status is asked for its evidence)."""
        positions = [int(i) for i in positions]
        known = self._reasons
        full = self._full_cache
        todo = [i for i in positions if i not in known and i not in full]
        if todo:
            ids = [self._ids[i] for i in todo]
            rows = (self._rows.of_many(ids) if len(todo) < len(self._ids) // 4     # a few: their rows alone
                    else (self._rows.of(sid) for sid in ids))
            for i, sid, r in zip(todo, ids, rows):
                known[i] = classify_school(sid, r, self.year, self.settings).reasons
        return [full[i].reasons if i in full else known[i] for i in positions]

    def frame(self, reasons: bool = True) -> pd.DataFrame:
        """One row per school: school_id, status, status_ru, criteria, reasons, stably_high, low_count_y1,
        small_group, missing. `reasons=False`: the reasons column is left empty (None), nothing is worded."""
        t = self._t
        n = len(self._ids)
        if not n:
            return pd.DataFrame([], columns=FRAME_COLUMNS)
        return pd.DataFrame({
            "school_id": self._ids, "status": t["status"], "status_ru": [STATUS_RU[s] for s in t["status"]],
            "criteria": t["criteria"], "reasons": self.reasons_of(range(n)) if reasons else [None] * n,
            "stably_high": t["stably_high"], "low_count_y1": t["low_count_y1"], "small_group": t["small_group"],
            "missing": t["missing"]}, columns=FRAME_COLUMNS)


class _SchoolRows:
    """The rule's results (the two years, the rule's procedures, participants > 0) grouped by school, as columns;
    `of(school_id)` gives one school's rows as ProcedureResults, in the order of the results frame."""

    def __init__(self, sid, names, pidx, year, part, low, quality):
        order = np.argsort(sid, kind="stable")
        self.sid = sid[order]
        self.names = names
        self._cols = (pidx[order], year[order], part[order], low[order], quality[order])
        self._lists: tuple | None = None
        self._where: dict[int, tuple[int, int]] | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_lists"] = state["_where"] = None
        # narrower numbers for the pickle: years, counts and marks fit in 32 bits, the procedure in 8
        state["sid"] = self.sid.astype(np.int32)
        state["_cols"] = tuple(c.astype(np.int8 if k == 0 else np.int32) for k, c in enumerate(self._cols))
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.sid = self.sid.astype(np.int64)
        self._cols = tuple(c.astype(np.int64) for c in self._cols)

    def of(self, school_id: int) -> list[ProcedureResult]:
        if self._where is None:       # first use: each school's slice and the columns as lists, once
            u = np.unique(self.sid)
            self._where = dict(zip(u.tolist(), zip(np.searchsorted(self.sid, u).tolist(),
                                                   np.searchsorted(self.sid, u, side="right").tolist())))
            self._lists = tuple(c.tolist() for c in self._cols)
        lo, hi = self._where.get(school_id, (0, 0))
        names = self.names
        pidx, year, part, low, quality = self._lists
        return [ProcedureResult(names[pidx[i]], year[i], part[i], low[i], None if quality[i] < 0 else quality[i])
                for i in range(lo, hi)]

    def of_many(self, school_ids: list[int]) -> list[list[ProcedureResult]]:
        """`of` for some schools: their slices found at once, only their rows turned into objects."""
        ids = np.asarray(school_ids, dtype=np.int64)
        lo = np.searchsorted(self.sid, ids).tolist()
        hi = np.searchsorted(self.sid, ids, side="right").tolist()
        take = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)]) if ids.size else np.zeros(0, dtype=int)
        pidx, year, part, low, quality = (c[take].tolist() for c in self._cols)
        names = self.names
        out, k = [], 0
        for a, b in zip(lo, hi):
            n = b - a
            out.append([ProcedureResult(names[pidx[i]], year[i], part[i], low[i], None if quality[i] < 0 else quality[i])
                        for i in range(k, k + n)])
            k += n
        return out

    def pairs(self, school_id: int) -> set[tuple[str, int]]:
        """The (procedure, year) a school has a result of (excluded results too)."""
        if self._where is None:
            self.of(school_id)
        lo, hi = self._where.get(school_id, (0, 0))
        names = self.names
        pidx, year = self._lists[0], self._lists[1]
        return {(names[pidx[i]], year[i]) for i in range(lo, hi)}


def _positions(column: pd.Series, names: list[str]) -> np.ndarray:
    """Each value's place in `names` (the rule's procedures; every value is one of them): through the column's few
    distinct values, not value by value."""
    cat = column.astype("category")
    codes = cat.cat.codes.to_numpy()
    where = pd.Index(names).get_indexer(cat.cat.categories)
    return where[codes].astype(np.int64)


def _int_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name]).to_numpy(dtype=np.int64)


def _quality(r: pd.DataFrame) -> np.ndarray:
    """Pupils with "4"+"5" per result, -1 where the marks are unknown."""
    if "mark4" not in r.columns or "mark5" not in r.columns:
        return np.full(len(r), -1, dtype=np.int64)
    q = (pd.to_numeric(r["mark4"], errors="coerce").astype("Float64")
         + pd.to_numeric(r["mark5"], errors="coerce").astype("Float64"))
    q = q.to_numpy(dtype=float, na_value=float("nan"))
    return np.where(np.isnan(q), -1, np.trunc(np.nan_to_num(q, nan=0.0))).astype(np.int64)


_ORDER = {p: k for k, p in enumerate(procedures.DEFAULT_SET)}


def _join(items: list[ProcedureResult]) -> str:
    return "; ".join(_describe(e.procedure, e.low_count, e.participants) for e in sorted(
        items, key=lambda e: (e.year, _ORDER.get(e.procedure, 99), e.procedure)))


def _n_proc(n: int) -> str:
    return f"{n} {plural(n, 'процедура', 'процедуры', 'процедур')}"


@lru_cache(maxsize=1024)
def _short_names(codes: tuple[str, ...]) -> str:
    return ", ".join(procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p for p in codes)


def classify_school(school_id: int, rows: list[ProcedureResult], year: int, s: RuleSettings) -> SchoolStatus:
    y1, y2 = year - 1, year - 2
    thr = s.threshold_pct
    excluded = [r for r in rows if r.participants < s.min_participants]
    used = [r for r in rows if r.participants >= s.min_participants]
    r1 = [r for r in used if r.year == y1]
    r2 = [r for r in used if r.year == y2]
    # is_low (low × 100 ≥ threshold × participants) written out: this runs for every school whose reasons are worded
    low1 = [r for r in r1 if r.low_count * 100 >= thr * r.participants]
    low2 = [r for r in r2 if r.low_count * 100 >= thr * r.participants]
    present = {(r.procedure, r.year) for r in rows}
    missing = [(p, y) for y in (y1, y2) for p in s.procedures if (p, y) not in present]
    small = [r for r in used if r.participants < s.small_group]

    c1 = len(low1) >= 2
    if s.variant == "same":
        same = {r.procedure for r in low1} & {r.procedure for r in low2}
        c2 = bool(same)
        c2_evidence = [r for r in low1 + low2 if r.procedure in same]
    else:
        c2 = bool(low1) and bool(low2)
        c2_evidence = low1 + low2
    criteria = tuple(c for c, fired in ((1, c1), (2, c2)) if fired)
    margin_lo = thr - s.margin_pct
    near = [r for r in r1 if thr * r.participants > r.low_count * 100 >= margin_lo * r.participants]

    st = SchoolStatus(school_id, OK, criteria, [], near, small, excluded, missing)
    parts: list[str] = []
    if criteria:
        st.status = SHNOR
        ev: list[ProcedureResult] = []
        if c1:
            ev += low1
            parts.append(f"Критерий 1 — {_n_proc(len(low1))} с низкими результатами в {format_school_year(y1)}: "
                         f"{_join(low1)}")
        if c2:
            seen = set(ev)
            ev += [r for r in c2_evidence if r not in seen]
            head = ("Критерий 2 — та же процедура с низким результатом в каждом из двух прошлых лет"
                    if s.variant == "same" else "Критерий 2 — низкие результаты в каждом из двух прошлых лет")
            by_year = [f"в {format_school_year(y)}: {_join([r for r in c2_evidence if r.year == y])}"
                       for y in (y2, y1)]
            parts.append(f"{head}: {'; '.join(by_year)}")
        st.evidence = ev
    elif not r1 and not r2:
        st.status = NO_DATA
        parts.append(f"Нет результатов ни за {format_school_year(y2)}, ни за {format_school_year(y1)} "
                     "по процедурам правила — это «нет данных», а не «нет низких результатов»")
    elif len(low1) == 1 or near:
        st.status = RISK
        st.evidence = low1
        if low1:
            parts.append(f"Группа риска — одна процедура с низким результатом в {format_school_year(y1)}: "
                         f"{_join(low1)}")
        if near:
            parts.append(f"Группа риска — близко к порогу {thr} % в {format_school_year(y1)}: {_join(near)}")
    else:
        st.evidence = low2
        if low2:
            parts.append(f"В {format_school_year(y1)} низких результатов нет; в {format_school_year(y2)}: "
                         f"{_join(low2)}")
        else:
            parts.append(f"Низких результатов в {format_school_year(y2)}–{format_school_year(y1)} нет")
    if st.status != NO_DATA and (not r1 or not r2):
        gap = y1 if not r1 else y2
        parts.append(f"за {format_school_year(gap)} нет данных ни по одной процедуре правила — "
                     "это не означает отсутствия низких результатов")
    if st.status in (OK, RISK) and r1:
        absent = [p for p, y in missing if y == y1]
        if absent:  # "no low results" holds only for the procedures that have data
            names = _short_names(tuple(absent))
            parts.append(f"за {format_school_year(y1)} нет данных по {len(absent)} из {len(s.procedures)} процедур "
                         f"правила ({names}) — по ним школа не оценена")
    in_evidence = set(st.evidence) if small else ()
    small_evidence = [r for r in small if r in in_evidence]
    if small_evidence:
        parts.append(f"малая группа (менее {s.small_group} участников): {_join(small_evidence)}")
    if excluded:
        parts.append(f"не учтены (менее {s.min_participants} участников): {_join(excluded)}")

    # stably high results: results in both years, none above the low-share cap, quality where known
    if r1 and r2 and st.status in (OK, RISK) and not low1 and not low2:
        cap = s.high_max_low_pct
        cap_ok = all(r.low_count * 100 <= cap * r.participants for r in r1 + r2)      # at_most_pct
        with_marks = [r for r in r1 + r2 if r.quality is not None]
        q_ok = True
        if with_marks:
            q_ok = sum(r.quality for r in with_marks) * 100 >= s.high_min_quality_pct * sum(
                r.participants for r in with_marks)
        st.stably_high = cap_ok and q_ok and st.status == OK
    st.reasons = ". ".join(p[0].upper() + p[1:] for p in parts) + "." if parts else ""
    return st


def identify_shnor(results: pd.DataFrame, schools: pd.DataFrame, year: int,
                   settings: RuleSettings = RuleSettings()) -> Identification:
    """Classify every school in `schools` (column `id`) for the list formed for school year `year`,
    from `results` (columns school_id, procedure, year, participants, low_count[, mark4, mark5]).

    The same rule as classify_school, on columns: counts per school of the results used, low, near the threshold,
    small, present; the statuses follow from the counts. Reasons are worded later, only where asked for."""
    s = settings
    y1, y2 = year - 1, year - 2
    procs = tuple(s.procedures)
    ids = pd.to_numeric(schools["id"]).to_numpy(dtype=np.int64).tolist() if len(schools) else []
    uniq = pd.Index(ids).unique()
    n = len(uniq)
    # -- the results the rule reads ---------------------------------------------------------------------------
    if results.empty:
        r = results.iloc[0:0]
        sid = pos = np.zeros(0, dtype=np.int64)
    else:
        r = results
        keep = (r["year"].isin((y1, y2)) & r["procedure"].isin(procs) & (r["participants"] > 0)).to_numpy(dtype=bool)
        r = r[keep]
        sid = _int_column(r, "school_id") if len(r) else np.zeros(0, dtype=np.int64)
        pos = uniq.get_indexer(sid) if len(r) else sid
        inside = pos >= 0
        if not inside.all():
            r, sid, pos = r[inside], sid[inside], pos[inside]
    if len(r):
        yr, part, low = _int_column(r, "year"), _int_column(r, "participants"), _int_column(r, "low_count")
        quality = _quality(r)
    else:
        yr = part = low = quality = np.zeros(0, dtype=np.int64)
    # procedures as their place among the settings' procedures (each listed once; a repeat weighs more)
    weight = {p: procs.count(p) for p in procs}
    names = list(weight)
    pidx = _positions(r["procedure"], names) if len(r) else yr
    rows = _SchoolRows(sid, names, pidx, yr, part, low, quality)

    def count(mask) -> np.ndarray:
        return np.bincount(pos[mask], minlength=n) if n else np.zeros(0, dtype=np.int64)

    thr = s.threshold_pct
    used = part >= s.min_participants
    low_row = is_low(low, part, thr)
    u1, u2 = used & (yr == y1), used & (yr == y2)
    l1, l2 = u1 & low_row, u2 & low_row
    near_row = u1 & ~low_row & is_low(low, part, thr - s.margin_pct)
    n_r1, n_r2, n_l1, n_l2 = count(u1), count(u2), count(l1), count(l2)
    n_near, n_small = count(near_row), count(used & (part < s.small_group))
    # (procedure, year) pairs present (excluded results too), weighed by how often the settings list a procedure
    k = len(names)
    key = np.sort((pos * k + pidx) * 2 + (yr == y1))
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if len(key) else key
    w = np.array(list(weight.values()), dtype=np.int64)
    present = np.bincount(key // (2 * k), weights=w[(key // 2) % k], minlength=n) if n else np.zeros(0)
    missing = 2 * len(procs) - present.astype(np.int64)

    c1 = n_l1 >= 2
    if s.variant == "same":
        pk = pos * k + pidx
        both = np.intersect1d(pk[l1], pk[l2])
        c2 = np.bincount(both // k, minlength=n) > 0 if n else np.zeros(0, dtype=bool)
        n_l1_same = count(l1 & np.isin(pk, both))
    else:
        c2 = (n_l1 > 0) & (n_l2 > 0)
        n_l1_same = n_l1
    shnor = c1 | c2
    no_data = ~shnor & (n_r1 == 0) & (n_r2 == 0)
    risk = ~shnor & ~no_data & ((n_l1 == 1) | (n_near > 0))
    ok = ~shnor & ~no_data & ~risk
    status = np.where(shnor, SHNOR, np.where(no_data, NO_DATA, np.where(risk, RISK, OK)))
    # stably high: results in both years, none low, none above the cap, "4"+"5" at least the share where known
    both_years = u1 | u2
    over_cap = count(both_years & ~at_most_pct(low, part, s.high_max_low_pct))
    marked = both_years & (quality >= 0)
    q_sum = np.bincount(pos[marked], weights=quality[marked], minlength=n) if n else np.zeros(0)
    q_part = np.bincount(pos[marked], weights=part[marked], minlength=n) if n else np.zeros(0)
    q_ok = (count(marked) == 0) | (q_sum * 100 >= s.high_min_quality_pct * q_part)
    stably_high = ok & (n_r1 > 0) & (n_r2 > 0) & (n_l1 == 0) & (n_l2 == 0) & (over_cap == 0) & q_ok
    low_count_y1 = np.where(shnor & ~c1, n_l1_same, np.where(ok | no_data, 0, n_l1))
    criteria = np.where(c1 & c2, "1+2", np.where(c1, "1", np.where(c2, "2", "")))

    at = uniq.get_indexer(ids) if n else np.zeros(0, dtype=np.int64)   # schools' order (an id may repeat)
    crit = criteria[at].tolist()
    table = {"status": status[at].tolist(), "criteria": crit,
             "criteria_tuple": [_CRITERIA[c] for c in crit], "stably_high": stably_high[at].tolist(),
             "low_count_y1": low_count_y1[at].astype(np.int64).tolist(), "small_group": (n_small[at] > 0).tolist(),
             "missing": missing[at].tolist()}
    return Identification(year, settings, ids, table, rows)


_CRITERIA = {"": (), "1": (1,), "2": (2,), "1+2": (1, 2)}
