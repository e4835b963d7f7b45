"""Marks, thresholds and the one definition of a low result.

- `is_low(low, participants, threshold_pct)`: at least `threshold_pct` % of the participants are low
  («2» in ВПР, below the exam minimum in ОГЭ/ЕГЭ), compared in integers so that 3 of 10 is low at 30 %.
  Works on ints and on pandas/numpy columns alike: every page, report and the rule use this one.
- `MarkScale`: ВПР primary score -> mark for one (procedure, year), ranges inclusive.
- The reference data shipped with the product: ВПР 2021 scales and the exam minimums (FORMATS.md §6).
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


def is_low(low, participants, threshold_pct: int):
    """low * 100 >= threshold * participants (scalars or columns)."""
    return low * 100 >= threshold_pct * participants


def at_most_pct(low, participants, pct: int):
    """low * 100 <= pct * participants: «no more than pct % low» (stably high results)."""
    return low * 100 <= pct * participants


@dataclass
class MarkScale:
    """ВПР primary score -> mark for one (procedure, year). Ranges are inclusive."""
    procedure: str
    year: int
    bounds: dict[int, tuple[int, int]]  # {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)}

    @property
    def max_score(self) -> int:
        return max(hi for _, hi in self.bounds.values())

    def mark(self, score: int) -> int | None:
        for m, (lo, hi) in self.bounds.items():
            if lo <= score <= hi:
                return m
        return None

    def marks_of(self, histogram: dict) -> dict[int, int]:
        """Pupils per mark from a histogram {score: pupils} (scores as ints or strings)."""
        out = {m: 0 for m in self.bounds}
        for score, n in histogram.items():
            m = self.mark(int(score))
            if m is not None:
                out[m] += int(n)
        return out


def shipped_vpr_scales() -> list[tuple[MarkScale, str]]:
    """The official ВПР scales shipped with the product, each with its source (shnor/domain/vpr_scales.csv:
    procedure, year as the school year's start, the lowest primary score of marks 3, 4, 5, the maximum)."""
    out = []
    with open(Path(__file__).with_name("vpr_scales.csv"), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            m3, m4, m5, top = (int(row[k]) for k in ("min3", "min4", "min5", "max"))
            bounds = {2: (0, m3 - 1), 3: (m3, m4 - 1), 4: (m4, m5 - 1), 5: (m5, top)}
            out.append((MarkScale(row["procedure"], int(row["year"]), bounds), row["source"]))
    return out


# ВПР 2021 mark scales (realdata/README.md of the shared reference data): procedure -> {mark: (min, max)}
VPR_SCALES_2021 = {
    "VPR-MATH-5": {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 20)},
    "VPR-RUS-5": {2: (0, 17), 3: (18, 28), 4: (29, 38), 5: (39, 45)},
    "VPR-MATH-6": {2: (0, 5), 3: (6, 9), 4: (10, 13), 5: (14, 16)},
    "VPR-RUS-6": {2: (0, 24), 3: (25, 34), 4: (35, 44), 5: (45, 51)},
}

# Certificate minimums (FORMATS.md §6), stored per year from 2019/2020 to 2025/2026.
EXAM_THRESHOLDS = [
    ("EGE-RUS", "min_test_score", 24, 100, "ЕГЭ русский язык: минимум для аттестата — 24 тестовых балла"),
    ("EGE-MATH-PROF", "min_test_score", 27, 100, "ЕГЭ профильная математика: минимум — 27 тестовых баллов"),
    ("EGE-MATH-BASE", "mark2", 2, 5, "ЕГЭ базовая математика: отметка «2» — ниже минимума"),
    ("OGE-RUS", "min_primary_score", 15, 33, "ОГЭ русский язык: ниже 15 из 33 первичных баллов"),
    ("OGE-MATH", "min_primary_score", 8, 31, "ОГЭ математика: ниже 8 из 31 первичного балла"),
    ("OGE-MATH", "geometry_min", 2, None, "ОГЭ математика: менее 2 баллов за задания по геометрии"),
]
THRESHOLD_YEARS = range(2019, 2026)
THRESHOLD_KINDS = ("min_test_score", "min_primary_score", "mark2", "geometry_min")
