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

import pandas as pd

from shnor.domain.scales import at_most_pct, is_low
from shnor.domain import procedures
from shnor.domain.fmt import fmt_share
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
        p = procedures.CATALOGUE.get(self.procedure)
        what = "«2»" if p is None or p.kind == "VPR" else "ниже минимума"
        return (f"{procedures.name_ru(self.procedure)} — {fmt_share(self.low_count, self.participants)} {what} "
                f"({self.low_count} из {self.participants})")


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


@dataclass
class Identification:
    year: int
    settings: RuleSettings
    statuses: list[SchoolStatus]

    def by_school(self) -> dict[int, SchoolStatus]:
        return {s.school_id: s for s in self.statuses}

    def shnor(self) -> list[SchoolStatus]:
        return [s for s in self.statuses if s.status == SHNOR]

    def frame(self) -> pd.DataFrame:
        """One row per school: school_id, status, status_ru, criteria, reasons, stably_high, small_groups."""
        return pd.DataFrame([{
            "school_id": s.school_id, "status": s.status, "status_ru": s.status_ru, "criteria": s.criteria_label,
            "reasons": s.reasons, "stably_high": s.stably_high, "low_count_y1": sum(
                1 for e in s.evidence if e.year == self.year - 1),
            "small_group": bool(s.small_groups), "missing": len(s.missing),
        } for s in self.statuses], columns=["school_id", "status", "status_ru", "criteria", "reasons",
                                            "stably_high", "low_count_y1", "small_group", "missing"])


def _results_by_school(results: pd.DataFrame, years: tuple[int, int],
                       procs: tuple[str, ...]) -> dict[int, list[ProcedureResult]]:
    if results.empty:
        return {}
    r = results[results["year"].isin(years) & results["procedure"].isin(procs) & (results["participants"] > 0)]
    out: dict[int, list[ProcedureResult]] = {}
    if "mark4" in r.columns and "mark5" in r.columns:
        q = (pd.to_numeric(r["mark4"], errors="coerce").astype("Float64")
             + pd.to_numeric(r["mark5"], errors="coerce").astype("Float64"))
        q = q.to_numpy(dtype=float, na_value=float("nan"))
        quality = [None if v != v else int(v) for v in q.tolist()]  # NaN (or NA) where marks are unknown
    else:
        quality = [None] * len(r)
    # plain lists, not itertuples: this loop runs over every result of the region (or of Russia)
    for sid, proc, year, part, low, qual in zip(r["school_id"].tolist(), r["procedure"].tolist(), r["year"].tolist(),
                                                r["participants"].tolist(), r["low_count"].tolist(), quality):
        out.setdefault(int(sid), []).append(ProcedureResult(proc, int(year), int(part), int(low), qual))
    return out


def _join(items: list[ProcedureResult]) -> str:
    return "; ".join(e.describe() for e in sorted(items, key=lambda e: (e.year, procedures.DEFAULT_SET.index(
        e.procedure) if e.procedure in procedures.DEFAULT_SET else 99, e.procedure)))


def _n_proc(n: int) -> str:
    from shnor.domain.fmt import plural
    return f"{n} {plural(n, 'процедура', 'процедуры', 'процедур')}"


def classify_school(school_id: int, rows: list[ProcedureResult], year: int, s: RuleSettings) -> SchoolStatus:
    y1, y2 = year - 1, year - 2
    thr = s.threshold_pct
    excluded = [r for r in rows if r.participants < s.min_participants]
    used = [r for r in rows if r.participants >= s.min_participants]
    r1 = [r for r in used if r.year == y1]
    r2 = [r for r in used if r.year == y2]
    low1 = [r for r in r1 if r.is_low(thr)]
    low2 = [r for r in r2 if r.is_low(thr)]
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
    near = [r for r in r1 if not r.is_low(thr) and is_low(r.low_count, r.participants, margin_lo)]

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
            ev += [r for r in c2_evidence if r not in ev]
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
            names = ", ".join(procedures.CATALOGUE[p].short_ru if p in procedures.CATALOGUE else p for p in absent)
            parts.append(f"за {format_school_year(y1)} нет данных по {len(absent)} из {len(s.procedures)} процедур "
                         f"правила ({names}) — по ним школа не оценена")
    small_evidence = [r for r in small if r in st.evidence]
    if small_evidence:
        parts.append(f"малая группа (менее {s.small_group} участников): {_join(small_evidence)}")
    if excluded:
        parts.append(f"не учтены (менее {s.min_participants} участников): {_join(excluded)}")

    # stably high results: results in both years, none above the low-share cap, quality where known
    if r1 and r2 and st.status in (OK, RISK) and not low1 and not low2:
        cap_ok = all(at_most_pct(r.low_count, r.participants, s.high_max_low_pct) for r in r1 + r2)
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
    from `results` (columns school_id, procedure, year, participants, low_count[, mark4, mark5])."""
    by_school = _results_by_school(results, (year - 1, year - 2), tuple(settings.procedures))
    statuses = [classify_school(int(sid), by_school.get(int(sid), []), year, settings) for sid in schools["id"]]
    return Identification(year, settings, statuses)
