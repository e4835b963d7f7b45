"""Forecast: the share of ШНОР by the results of the next school year if each school's trend continues —
an estimate with its range, against the target. Never a promise: every sentence says «оценка».

Method (pure, no randomness):
1. Per school and procedure of the rule with a result in the last results year Y: the share of «2» / below the
   minimum in each year with data up to Y; a least-squares line through them (one year only: the share
   stays as it is) gives the share expected in Y+1, clipped to 0…100 %. The participants stay as in Y.
2. The probability that the procedure is low in Y+1: the chance that of n participants, each low with the
   expected share, at least the rule's low count (max_low_count + 1, shnor/domain/analyses/exit.py) are low —
   a binomial tail.
3. The probability that the school is ШНОР in the list formed for Y+2 (the target indicator of school year
   Y+1): the rule applied to these chances with the actual results of Y (criterion 1: two low procedures in
   Y+1; criterion 2: a low in Y+1 and a low in Y — the same procedure in the variant «same»), procedures
   independent.
4. The number of ШНОР is then a sum of independent yes/no chances (Poisson-binomial, computed exactly): its
   mean is the estimate, its 10th–90th percentiles the range («в 8 случаях из 10»), and the chance of at most
   the number the target allows is the chance to meet it.
The range covers the chance variation of the number of low pupils around each school's trend, not the error of
the trend itself (two or three years make a rough line) nor schools opening or closing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from shnor.domain.analyses.exit import max_low_count
from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.rule import RuleSettings
from shnor.domain.scales import is_low
from shnor.domain.years import format_school_year

LOW_Q, HIGH_Q = 0.1, 0.9
ESTIMATE_NOTE_RU = ("Это оценка, а не прогноз с гарантией: разброс учитывает случайные колебания числа «2» (не "
                    "сдавших) при том же числе участников, но не ошибку самого тренда — по двум-трём годам линия "
                    "приблизительна.")

PROJECTION_COLUMNS = ["school_id", "procedure", "years", "participants", "low_count", "share", "slope_pp",
                      "projected_share", "max_low_count", "p_low", "low_now"]


def linear_trend(years: list[int], shares: list[float]) -> tuple[float, float]:
    """(slope per year, intercept) of the least-squares line; one point: slope 0 through it."""
    n = len(years)
    if n == 0:
        raise ValueError("no points")
    if n == 1:
        return 0.0, float(shares[0])
    mx, my = sum(years) / n, sum(shares) / n
    sxx = sum((x - mx) ** 2 for x in years)
    if sxx == 0:
        return 0.0, my
    slope = sum((x - mx) * (y - my) for x, y in zip(years, shares)) / sxx
    return slope, my - slope * mx


def project(years: list[int], shares: list[float], year: int) -> float:
    """The share the line through (years, shares) gives for `year`, clipped to 0…1."""
    slope, intercept = linear_trend(years, shares)
    return min(1.0, max(0.0, intercept + slope * year))


def p_at_least(n: int, p: float, k: int) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k, n + 1):
        total += math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq)
    return min(1.0, total)


def _at_most_one(qs: list[float]) -> float:
    none = math.prod(1 - q for q in qs)
    one = sum(q * math.prod(1 - r for j, r in enumerate(qs) if j != i) for i, q in enumerate(qs))
    return none + one


def p_shnor(q: dict[str, float], low_now: set[str], variant: str = "any") -> float:
    """The chance that a school is ШНОР in the list formed for Y+2, from the chances `q` that each procedure is
    low in Y+1 and the procedures actually low in Y (`low_now`)."""
    qs = list(q.values())
    if variant == "same":
        keep = math.prod(1 - q[p] for p in q if p in low_now)
        others = [v for p, v in q.items() if p not in low_now]
        return 1.0 - keep * _at_most_one(others)
    if low_now:
        return 1.0 - math.prod(1 - v for v in qs)
    return 1.0 - _at_most_one(qs)


def count_distribution(ps: list[float]) -> list[float]:
    """P(exactly k of the independent events happen), k = 0..len(ps) (Poisson-binomial)."""
    dist = [1.0]
    for p in ps:
        nxt = [0.0] * (len(dist) + 1)
        for k, v in enumerate(dist):
            nxt[k] += v * (1 - p)
            nxt[k + 1] += v * p
        dist = nxt
    return dist


def quantile(dist: list[float], q: float) -> int:
    """The smallest k whose cumulative probability reaches q."""
    acc = 0.0
    for k, v in enumerate(dist):
        acc += v
        if acc >= q - 1e-12:
            return k
    return len(dist) - 1


@dataclass
class Forecast:
    last_year: int                      # the last results year with data (Y)
    schools: int                        # schools counted in the projected list
    distribution: list[float]           # P(k ШНОР), k = 0..schools
    projections: pd.DataFrame           # PROJECTION_COLUMNS
    by_school: pd.DataFrame             # school_id, p_shnor, procedures, low_now
    target: float | None = None         # the target for the results year Y+1
    allowed: int | None = None          # ШНОР the target allows among `schools`
    without_projection: int = 0         # counted schools with no result of the rule's procedures in Y
    notes: list[str] = field(default_factory=list)

    @property
    def results_year(self) -> int:
        return self.last_year + 1

    @property
    def list_year(self) -> int:
        return self.last_year + 2

    @property
    def expected(self) -> float:
        return sum(k * v for k, v in enumerate(self.distribution))

    @property
    def low(self) -> int:
        return quantile(self.distribution, LOW_Q)

    @property
    def high(self) -> int:
        return quantile(self.distribution, HIGH_Q)

    def share(self, count: float) -> float | None:
        return count / self.schools if self.schools else None

    @property
    def p_meet(self) -> float | None:
        """The chance that the number of ШНОР is within what the target allows."""
        if self.allowed is None:
            return None
        return min(1.0, sum(self.distribution[: self.allowed + 1]))

    def sentence(self) -> str:
        """The estimate in Russian, with its range and the target."""
        y = format_school_year(self.results_year)
        if not self.schools:
            return f"Оценка на {y} невозможна: в территории нет школ."
        exp = self.expected
        n = f"{fmt_int(self.schools)} {plural(self.schools, 'школы', 'школ', 'школ')}"
        text = (f"Оценка: если у каждой школы доля низких результатов по каждой процедуре продолжит тренд прошлых "
                f"лет, по результатам {y} в список попадут около {fmt_int(round(exp))} из {n} "
                f"({fmt_pct(self.share(exp))}); в 8 случаях из 10 — от {fmt_int(self.low)} до {fmt_int(self.high)} "
                f"({fmt_pct(self.share(self.low))} — {fmt_pct(self.share(self.high))}).")
        if self.target is None:
            text += f" Цель на {y} не задана."
        else:
            goal = fmt_pct(self.target, 0 if round(self.target * 100, 6) == int(round(self.target * 100)) else 1)
            text += (f" Цель {goal} (не более {fmt_int(self.allowed)} ШНОР) достигается с вероятностью около "
                     f"{fmt_pct(self.p_meet, 0)}.")
        flat = int((self.projections["years"] == 1).sum()) if not self.projections.empty else 0
        if flat:
            total = len(self.projections)
            text += (f" У {fmt_int(flat)} из {fmt_int(total)} результатов есть только один год данных — для них доля "
                     "принята неизменной.")
        if self.without_projection:
            k = self.without_projection
            text += (f" У {fmt_int(k)} {plural(k, 'школы', 'школ', 'школ')} нет результатов за "
                     f"{format_school_year(self.last_year)} — для них оценки нет, в списке они не считаются.")
        return text


def forecast(history: pd.DataFrame, school_ids: list[int], last_year: int, settings: RuleSettings,
             target: float | None = None, allowed: int | None = None) -> Forecast:
    """The estimate for the list formed for last_year + 2 from `history` (columns school_id, procedure, year,
    participants, low_count; any years up to last_year) for the counted schools `school_ids`."""
    thr = settings.threshold_pct
    h = history[history["procedure"].isin(settings.procedures) & (history["participants"].fillna(0) > 0)
                & (history["year"] <= last_year)]
    h = h[h["participants"] >= max(1, settings.min_participants)]
    ids = set(int(s) for s in school_ids)
    h = h[h["school_id"].astype(int).isin(ids)]
    proj_rows = []
    per_school: dict[int, tuple[dict[str, float], set[str]]] = {}
    for (sid, proc), g in h.groupby(["school_id", "procedure"]):
        g = g.sort_values("year")
        last = g[g["year"] == last_year]
        if last.empty:
            continue
        n, k = int(last["participants"].iloc[0]), int(last["low_count"].iloc[0])
        years = [int(y) for y in g["year"]]
        shares = [int(a) / int(b) for a, b in zip(g["low_count"], g["participants"])]
        slope, _ = linear_trend(years, shares)
        p_hat = project(years, shares, last_year + 1)
        mx = max_low_count(n, thr)
        q = p_at_least(n, p_hat, mx + 1)
        now = bool(is_low(k, n, thr))
        qd, lows = per_school.setdefault(int(sid), ({}, set()))
        qd[proc] = q
        if now:
            lows.add(proc)
        proj_rows.append({"school_id": int(sid), "procedure": proc, "years": len(years), "participants": n,
                          "low_count": k, "share": k / n, "slope_pp": slope * 100, "projected_share": p_hat,
                          "max_low_count": mx, "p_low": q, "low_now": now})
    school_rows = [{"school_id": sid, "p_shnor": p_shnor(qd, lows, settings.variant), "procedures": len(qd),
                    "low_now": len(lows)} for sid, (qd, lows) in sorted(per_school.items())]
    by_school = pd.DataFrame(school_rows, columns=["school_id", "p_shnor", "procedures", "low_now"])
    dist = count_distribution(list(by_school["p_shnor"]))
    dist += [0.0] * (len(ids) + 1 - len(dist))
    return Forecast(last_year, len(ids), dist, pd.DataFrame(proj_rows, columns=PROJECTION_COLUMNS), by_school,
                    target, allowed, len(ids) - len(per_school))
