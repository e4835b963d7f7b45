"""Reference data as users edit it: ВПР mark scales, targets for the share of ШНОР (no Streamlit here).

- `validate_mark_scale` — a ВПР scale must give marks 2–5 over contiguous score ranges starting at 0.
- `scale_from_minimums` — the form's (and the CLI's) way to enter a scale: the lowest score of «3», «4», «5»
  and the maximum; `scale_minimums` — the other way round.
- `recompute_marks` — the marks and the low count of a stored result from its score histogram under a scale.
- `validate_exam_threshold` — an exam minimum: only ОГЭ/ЕГЭ, a known kind, positive and within the maximum.
- `validate_territory` — a territory added by hand: a name, a municipality under the region or a district
  under a municipality.
- `parse_percent` / `format_percent` — shares as people type and read them: «10», «10,5», «10,5 %» <-> 0.105.
- `targets_grid` / `target_changes` — the editable table of targets (territory × school year).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd

from shnor.domain import procedures
from shnor.domain.fmt import fmt_pct
from shnor.domain.scales import THRESHOLD_KINDS, MarkScale
from shnor.domain.years import format_school_year

MARKS = (2, 3, 4, 5)
REGION_LABEL = "Регион (все территории)"


# ---------------------------------------------------------------------------------------------
# ВПР mark scales
# ---------------------------------------------------------------------------------------------
def validate_mark_scale(bounds: dict[int, tuple[int, int]]) -> list[str]:
    """Russian messages for a scale that is not marks 2–5 over contiguous ranges from 0; [] when valid."""
    errs: list[str] = []
    if sorted(bounds) != list(MARKS):
        errs.append("Шкала должна задавать ровно отметки «2», «3», «4» и «5».")
        return errs
    expected_lo = 0
    for mark in MARKS:
        lo, hi = bounds[mark]
        if lo != expected_lo:
            if mark == 2:
                errs.append(f"Отметка «2» должна начинаться с 0 баллов, а начинается с {lo}.")
            else:
                errs.append(f"Отметка «{mark}» должна начинаться с {expected_lo} баллов (сразу после «{mark - 1}»), "
                            f"а начинается с {lo}: диапазоны должны идти подряд без пропусков и наложений.")
        if hi < lo:
            errs.append(f"У отметки «{mark}» верхняя граница {hi} меньше нижней {lo}.")
        expected_lo = hi + 1
    return errs


def scale_from_minimums(procedure: str, year: int, min3: int, min4: int, min5: int, max_score: int) -> MarkScale:
    """«3» from min3, «4» from min4, «5» from min5 up to max_score; «2» is everything below min3."""
    bounds = {2: (0, min3 - 1), 3: (min3, min4 - 1), 4: (min4, min5 - 1), 5: (min5, max_score)}
    return MarkScale(procedure, year, bounds)


def scale_minimums(scale: MarkScale) -> tuple[int, int, int, int]:
    """(min3, min4, min5, max): the lowest primary score of «3», «4», «5» and the work's maximum."""
    return scale.bounds[3][0], scale.bounds[4][0], scale.bounds[5][0], scale.max_score


def validate_vpr_scale(scale: MarkScale) -> list[str]:
    """Russian messages for a scale that cannot be stored: not a ВПР work, or not marks 2–5 from 0 without
    gaps; [] when valid."""
    try:
        proc = procedures.get(scale.procedure)
    except procedures.UnknownProcedure as exc:
        return [str(exc)]
    if proc.kind != "VPR":
        return [f"Шкала перевода баллов в отметки задаётся только для ВПР, а «{proc.name_ru}» — не ВПР."]
    return validate_mark_scale(scale.bounds)


@dataclass(frozen=True)
class Recomputed:
    """A stored result's marks under a new scale (participants are kept as stored)."""
    marks: dict[int, int]          # {2: pupils, 3: …, 4: …, 5: …}
    outside: int                   # pupils whose score lies outside the scale (above its maximum)

    @property
    def low(self) -> int:
        return self.marks.get(2, 0)


def recompute_marks(scale: MarkScale, histogram: dict) -> Recomputed:
    """Marks 2–5 of a histogram {score: pupils} under `scale`; pupils with a score the scale does not cover
    are counted in `outside` (the scale is then wrong for these results)."""
    marks = scale.marks_of(histogram)
    total = sum(int(n) for n in histogram.values())
    return Recomputed({m: marks.get(m, 0) for m in MARKS}, total - sum(marks.values()))


def scale_rows(scales: dict[tuple[str, int], MarkScale], name_ru,
               sources: dict[tuple[str, int], str] | None = None) -> pd.DataFrame:
    """One row per (procedure, year) with the ranges as «0–6» and where the scale comes from, for display."""
    rows = []
    for (proc, year), sc in sorted(scales.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        row = {"Учебный год": format_school_year(year), "Процедура": name_ru(proc)}
        for m in MARKS:
            lo, hi = sc.bounds.get(m, (None, None))
            row[f"«{m}»"] = f"{lo}–{hi}" if lo is not None else "—"
        row["Максимум"] = sc.max_score
        row["Источник"] = (sources or {}).get((proc, year), "")
        rows.append(row)
    return pd.DataFrame(rows, columns=["Учебный год", "Процедура", "«2»", "«3»", "«4»", "«5»", "Максимум", "Источник"])


# ---------------------------------------------------------------------------------------------
# Exam minimums and territories added by hand
# ---------------------------------------------------------------------------------------------
THRESHOLD_KIND_RU = {"min_test_score": "минимальный тестовый балл", "min_primary_score": "минимальный первичный балл",
                     "mark2": "отметка «2»", "geometry_min": "минимум по геометрии"}


def validate_exam_threshold(procedure: str, kind: str, value: int, max_value: int | None) -> list[str]:
    """Russian messages for an exam minimum that cannot be stored; [] when valid."""
    try:
        proc = procedures.get(procedure)
    except procedures.UnknownProcedure as exc:
        return [str(exc)]
    errs = []
    if proc.kind not in ("OGE", "EGE"):
        errs.append("Пороги задаются только для ОГЭ и ЕГЭ.")
    if kind not in THRESHOLD_KINDS:
        errs.append(f"Неизвестный вид порога «{kind}»: допустимо — " + ", ".join(
            f"{k} ({THRESHOLD_KIND_RU[k]})" for k in THRESHOLD_KINDS) + ".")
    if value < 0 or (max_value is not None and not 0 < value <= max_value):
        errs.append("Порог должен быть положительным и не больше максимума.")
    return errs


TERRITORY_KIND_RU = {"region": "регион", "municipality": "муниципалитет", "district": "район города",
                     "pseudo": "прочее"}


def validate_territory(name: str, kind: str, parent_kind: str | None) -> list[str]:
    """A territory added by hand: a municipality belongs to the region (`parent_kind` "region" or None), a
    district (a city's own district) to a municipality. Russian messages; [] when valid."""
    errs = []
    if not str(name or "").strip():
        errs.append("Введите название территории.")
    if kind not in ("municipality", "district"):
        errs.append("Добавить можно муниципалитет или район города.")
    elif kind == "municipality" and parent_kind not in (None, "region"):
        errs.append("Муниципалитет входит в регион: выберите «регион» в поле «Входит в».")
    elif kind == "district" and parent_kind != "municipality":
        errs.append("Район города входит в муниципалитет: выберите муниципалитет в поле «Входит в».")
    return errs


# ---------------------------------------------------------------------------------------------
# Percentages as typed and read
# ---------------------------------------------------------------------------------------------
_PCT_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*%?\s*$")


class PercentError(ValueError):
    """The text is not a percentage; the message is Russian."""


def parse_percent(text) -> float | None:
    """«10» / «10,5» / «10.5 %» -> 0.105; empty -> None. Must be within 0–100 %."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    t = str(text).replace("\u00a0", " ").strip()
    if not t:
        return None
    m = _PCT_RE.match(t)
    if not m:
        raise PercentError(f"«{text}» — не процент. Введите число от 0 до 100, например 10 или 12,5.")
    try:
        v = Decimal(m.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise PercentError(f"«{text}» — не процент.")
    if v > 100:
        raise PercentError(f"«{text}» — больше 100 %.")
    return float(v / 100)


def validate_target_share(share: float | None) -> list[str]:
    """A target share must be a fraction 0–1 (0–100 %)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return ["Цель не задана: введите процент от 0 до 100."]
    if not 0 <= share <= 1:
        return [f"Цель должна быть от 0 до 100 %, а не {fmt_pct(share, 1)}."]
    return []


def format_percent(fraction: float | None) -> str:
    """0.105 -> «10,5 %»; None -> «» (an empty cell for editing)."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return ""
    return fmt_pct(fraction, 1)


def _same_share(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    q = Decimal("0.0001")
    return Decimal(str(a)).quantize(q, ROUND_HALF_UP) == Decimal(str(b)).quantize(q, ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Targets: territory × school year grid
# ---------------------------------------------------------------------------------------------
def target_years(result_years: list[int], target_years_: list[int], current_year: int) -> list[int]:
    """Columns of the grid: every year with results or targets, and up to two years ahead."""
    known = set(result_years) | set(target_years_)
    lo = min(known) if known else current_year
    hi = max(max(known) if known else current_year, current_year) + 2
    return list(range(lo, hi + 1))


def targets_grid(targets: pd.DataFrame, territories: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Rows: the region, then territories (index: territory id, -1 for the region); columns: school years
    «2021/2022»; cells: «10,0 %» or empty. `targets` has territory_id, year, target_share."""
    region_row = [(-1, REGION_LABEL)]
    terr_rows = [(int(r.id), str(r.name)) for r in territories.itertuples(index=False) if r.kind != "region"]
    index = [tid for tid, _ in region_row + terr_rows]
    grid = pd.DataFrame({"Территория": [name for _, name in region_row + terr_rows]}, index=pd.Index(index, name="tid"))
    lookup = {}
    for r in targets.itertuples(index=False):
        tid = -1 if r.territory_id is None or pd.isna(r.territory_id) else int(r.territory_id)
        lookup[(tid, int(r.year))] = float(r.target_share)
    for y in years:
        grid[format_school_year(y)] = [format_percent(lookup.get((tid, y))) for tid in index]
    return grid


def target_changes(original: pd.DataFrame, edited: pd.DataFrame) -> tuple[list[tuple[int | None, int, float]], list[str]]:
    """Compare the grid before and after editing: (territory_id or None, year, share) to store, and Russian
    errors naming the territory and year of each bad cell. A cleared cell is an error (targets are not
    deleted here)."""
    changes: list[tuple[int | None, int, float]] = []
    errors: list[str] = []
    for col in [c for c in original.columns if c != "Территория"]:
        year = int(col.split("/")[0])
        for tid in original.index:
            name = original.at[tid, "Территория"]
            before_text, after_text = original.at[tid, col], edited.at[tid, col] if tid in edited.index else None
            try:
                before = parse_percent(before_text)
            except PercentError:
                before = None
            try:
                after = parse_percent(after_text)
            except PercentError as exc:
                errors.append(f"{name}, {col}: {exc}")
                continue
            if after is None:
                if before is not None:
                    errors.append(f"{name}, {col}: цель нельзя стереть — введите новое значение.")
                continue
            if not _same_share(before, after):
                changes.append((None if tid == -1 else int(tid), year, after))
    return changes, errors
