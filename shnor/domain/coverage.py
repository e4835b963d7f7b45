"""How much of a share rests on data: the coverage rule for every figure against a target.

A share of ШНОР counts every school of the territory (SPEC.md's denominator), those without data included.
Its coverage is how many of those schools have at least one result of the rule's procedures in Y−1, the
results year the list is formed from. Below the coverage setting (default 90 %; 90 % exactly keeps the
verdict) no verdict «цель достигнута / не достигнута» is given: the reason is given instead. A territory with
no schools, or a year with no results at all, gives no verdict either. Pure: no database, files or Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass

from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.years import format_school_year

COVERAGE_SETTING_KEY = "coverage_min_pct"
DEFAULT_MIN_COVERAGE_PCT = 90


@dataclass(frozen=True)
class Coverage:
    results_year: int
    schools: int            # schools counted in the share
    with_data: int          # of them: with at least one result of the rule's procedures in the results year
    min_pct: int = DEFAULT_MIN_COVERAGE_PCT

    @property
    def share(self) -> float | None:
        return self.with_data / self.schools if self.schools else None

    @property
    def sufficient(self) -> bool:
        """Enough data for a verdict: integers, so that exactly the setting keeps the verdict."""
        return self.schools > 0 and self.with_data * 100 >= self.min_pct * self.schools

    @property
    def no_results(self) -> bool:
        return self.with_data == 0

    def sentence_ru(self) -> str:
        """«Данные за 2023/2024: 281 из 306 школ (91,8 %).»"""
        year = format_school_year(self.results_year)
        if self.schools == 0:
            return "В территории нет ни одной школы."
        if self.no_results:
            return f"Результатов за {year} учебный год нет ни у одной школы."
        n = self.schools
        return (f"Данные за {year}: {fmt_int(self.with_data)} из {fmt_int(n)} "
                f"{plural(n, 'школы', 'школ', 'школ')} ({fmt_pct(self.share)}).")

    def _of_schools(self) -> str:
        return f"{fmt_int(self.with_data)} из {fmt_int(self.schools)} {plural(self.schools, 'школы', 'школ', 'школ')}"

    def withheld_ru(self) -> str | None:
        """Why no verdict is given; None when the data are enough for one."""
        if self.sufficient:
            return None
        year = format_school_year(self.results_year)
        if self.schools == 0:
            return "В территории нет ни одной школы — вывод о цели не делается."
        if self.no_results:
            return f"За {year} учебный год результатов нет — вывод о цели не делается."
        return (f"Вывод о цели не делается: результаты за {year} есть только у {self._of_schools()} "
                f"({fmt_pct(self.share)}), нужно не меньше {self.min_pct}\u00a0%.")

    def withheld_short_ru(self) -> str:
        """Why a year's verdict is not given, in a chart title's words."""
        year = format_school_year(self.results_year)
        if self.schools == 0:
            return "вывод о цели не делается: школ нет"
        if self.no_results:
            return f"вывод о цели за {year} не делается: результатов нет"
        return f"вывод о цели за {year} не делается: данных мало ({self._of_schools()})"
