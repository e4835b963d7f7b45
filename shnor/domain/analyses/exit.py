"""Distance to exit: for every ШНОР of the list of year L, what the results of the next school year (L, the
results year of the list L+1) must be for the school to leave the list; for the risk group, what would put
the school on it. Stated in the rule's own terms (shnor/domain/rule.py):

    «ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10»

How it is computed. A result is low when `low * 100 >= threshold * participants` (shnor/domain/scales.py,
`is_low`). The largest number of low pupils with which a result of `n` participants is *not* low is the
largest k with k * 100 < threshold * n, i.e. k = (threshold * n - 1) // 100 (30 % of 25 = 7,5 → 7; 30 % of
20 = 6 → 6 is low, so 5). The number of participants is assumed to stay as in the list's results year.

Which procedures bind. The list L+1 uses the results of L (the next year) and L-1 (already known):
- a ШНОР always has a low result in L-1 (both criteria need one), so with the default variant «any
  procedure» a single low procedure in L fires criterion 2: every procedure must stay at or under its
  maximum (`binding = EACH`); with the variant «the same procedure», the procedures low in L-1 must
  (`EACH`), and of the others at most one may be low (criterion 1 needs two: `binding = ONE_OF`);
- a school of the risk group with one low procedure in L-1 goes on the list like this too; one with no
  low procedure in L-1 (only near the threshold) goes on it with two low procedures in L (`ONE_OF`).
A result with fewer participants than the rule's minimum is not counted (`NOT_COUNTED`).
Pure: no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from shnor.domain import procedures
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.rule import RISK, SHNOR, Identification, RuleSettings
from shnor.domain.scales import is_low
from shnor.domain.years import format_school_year

EACH, ONE_OF, NOT_COUNTED = "each", "one_of", "not_counted"
BINDING_RU = {   # for a ШНОР (to leave the list)
    EACH: "обязательно",
    ONE_OF: "не более одной такой процедуры",
    NOT_COUNTED: "не учитывается (мало участников)",
}
ENTRY_BINDING_RU = {   # for a school of the risk group (what puts it on the list)
    EACH: "одной такой процедуры достаточно",
    ONE_OF: "нужны две такие процедуры",
    NOT_COUNTED: "не учитывается (мало участников)",
}


def max_low_count(participants: int, threshold_pct: int) -> int | None:
    """The largest number of «2» / below-minimum pupils with which a result of `participants` is not low:
    the largest k with k * 100 < threshold * participants (the rule's `>=` mirrored). None without
    participants. 30 % of 25 → 7; 30 % of 20 → 5; 30 % of 10 → 2."""
    n = int(participants)
    if n <= 0:
        return None
    return max(0, min(n, (int(threshold_pct) * n - 1) // 100))


def low_word(procedure: str) -> str:
    """«2» for ВПР; «ниже минимума» for the exams (the rule's wording)."""
    p = procedures.CATALOGUE.get(procedure)
    return "«2»" if p is None or p.kind == "VPR" else "ниже минимума"


def _participants(n: int) -> str:
    return f"{fmt_int(n)} {plural(n, 'участнике', 'участниках', 'участниках')}"


@dataclass(frozen=True)
class ProcedureTarget:
    """One procedure of a school's plan: its result in the list's results year and the most low pupils with
    which it would not be low at the same number of participants."""
    procedure: str
    results_year: int          # the list's results year (L-1): the counts below are from it
    participants: int
    low_count: int
    max_low_count: int
    was_low: bool
    binding: str               # EACH | ONE_OF | NOT_COUNTED

    @property
    def excess(self) -> int:
        """How many low pupils fewer than in the results year the procedure needs (0 when it is fine)."""
        return max(0, self.low_count - self.max_low_count) if self.binding != NOT_COUNTED else 0

    @property
    def min_low_count(self) -> int:
        """The fewest low pupils with which the result is low (max_low_count + 1)."""
        return self.max_low_count + 1

    def sentence(self, for_entry: bool = False) -> str:
        """«ВПР, математика, 5 кл.: при 25 участниках не более 7 «2», в 2021/2022 — 10»; for a school of the
        risk group (`for_entry`): «… 8 «2» и более при 25 участниках — низкий результат, в 2021/2022 — 6»."""
        name, word, year = procedures.name_ru(self.procedure), low_word(self.procedure), \
            format_school_year(self.results_year)
        if self.binding == NOT_COUNTED:
            return (f"{name}: при {_participants(self.participants)} результат не учитывается правилом "
                    f"(меньше минимального числа участников), в {year} — {fmt_int(self.low_count)} {word}")
        if for_entry:
            return (f"{name}: {fmt_int(self.min_low_count)} {word} и более при {_participants(self.participants)} — "
                    f"низкий результат, в {year} — {fmt_int(self.low_count)}")
        return (f"{name}: при {_participants(self.participants)} не более {fmt_int(self.max_low_count)} {word}, "
                f"в {year} — {fmt_int(self.low_count)}")


@dataclass
class ExitPlan:
    """What a school of the list of `list_year` (ШНОР) or of its risk group needs in the next results year
    (`next_year` = list_year) for the list of list_year + 1."""
    school_id: int
    status: str                              # SHNOR | RISK
    list_year: int
    threshold_pct: int
    variant: str
    targets: list[ProcedureTarget] = field(default_factory=list)

    @property
    def next_year(self) -> int:
        """The results year that decides the next list."""
        return self.list_year

    @property
    def next_list_year(self) -> int:
        return self.list_year + 1

    @property
    def over(self) -> list[ProcedureTarget]:
        """Counted procedures whose low count in the results year is above the maximum."""
        return [t for t in self.targets if t.binding != NOT_COUNTED and t.low_count > t.max_low_count]

    def condition(self) -> str:
        """The plan in one Russian sentence, the procedures' sentences included."""
        nxt, lst, thr = format_school_year(self.next_year), format_school_year(self.next_list_year), self.threshold_pct
        each = [t for t in self.targets if t.binding == EACH]
        one_of = [t for t in self.targets if t.binding == ONE_OF]
        entry = self.status == RISK
        parts = []
        if self.status == SHNOR:
            if self.variant == "same":
                head = (f"Чтобы выйти из списка на {lst}, в {nxt} процедуры, низкие в "
                        f"{format_school_year(self.list_year - 1)}, не должны снова дать низкий результат "
                        f"({thr} % и более), а из остальных — не более одной")
            else:
                head = (f"Чтобы выйти из списка на {lst}, в {nxt} ни одна процедура правила (в том числе те, по которым "
                        f"в {format_school_year(self.list_year - 1)} результатов не было) не должна дать низкий "
                        f"результат ({thr} % и более)")
        elif each and self.variant != "same":
            head = (f"Школа попадёт в список на {lst}, если в {nxt} хотя бы одна процедура правила даст низкий "
                    f"результат ({thr} % и более), в том числе")
        elif each:
            head = (f"Школа попадёт в список на {lst}, если в {nxt} снова даст низкий результат ({thr} % и более) "
                    "процедура, низкая в " f"{format_school_year(self.list_year - 1)}, или две другие")
        else:
            head = (f"Школа попадёт в список на {lst}, если в {nxt} две процедуры правила дадут низкий результат "
                    f"({thr} % и более)")
        if each:
            parts.append("; ".join(t.sentence(entry) for t in each))
        if one_of:
            label = "из этих — не более одной с низким результатом" if self.status == SHNOR else "другие процедуры"
            parts.append(f"{label}: " + "; ".join(t.sentence(entry) for t in one_of))
        skipped = [t for t in self.targets if t.binding == NOT_COUNTED]
        if skipped:
            parts.append("; ".join(t.sentence() for t in skipped))
        return head + (": " + ". ".join(parts) if parts else "") + "."


def plan_for(school_id: int, status: str, rows: pd.DataFrame, list_year: int, settings: RuleSettings) -> ExitPlan:
    """The plan of one school from its results (columns procedure, year, participants, low_count; other
    schools' rows must not be passed). Only the rule's procedures with a result in list_year - 1 are listed."""
    y1, thr = list_year - 1, settings.threshold_pct
    r = rows[(rows["year"] == y1) & rows["procedure"].isin(settings.procedures) & (rows["participants"] > 0)]
    counted = r[r["participants"] >= settings.min_participants]
    low_now = {p for p, n, k in zip(counted["procedure"], counted["participants"], counted["low_count"])
               if is_low(int(k), int(n), thr)}
    order = {p: i for i, p in enumerate(settings.procedures)}
    targets = []
    for p, n, k in sorted(zip(r["procedure"], r["participants"], r["low_count"]), key=lambda x: order[x[0]]):
        n, k = int(n), int(k)
        if n < settings.min_participants:
            binding = NOT_COUNTED
        elif settings.variant == "same":
            binding = EACH if p in low_now else ONE_OF
        else:
            binding = EACH if low_now else ONE_OF
        targets.append(ProcedureTarget(p, y1, n, k, max_low_count(n, thr), p in low_now, binding))
    return ExitPlan(int(school_id), status, list_year, thr, settings.variant, targets)


def exit_plans(ident: Identification, results: pd.DataFrame, statuses: tuple[str, ...] = (SHNOR, RISK),
               school_ids: set[int] | None = None) -> list[ExitPlan]:
    """Plans of the schools of an identification with the given statuses (and among `school_ids`, when given),
    from the results the rule was run on (columns school_id, procedure, year, participants, low_count)."""
    if school_ids is not None:
        results = results[results["school_id"].isin(list(school_ids))]
    by_school = {int(k): g for k, g in results.groupby("school_id")} if not results.empty else {}
    empty = results.iloc[0:0] if not results.empty else pd.DataFrame(
        columns=["procedure", "year", "participants", "low_count"])
    return [plan_for(st.school_id, st.status, by_school.get(int(st.school_id), empty), ident.year, ident.settings)
            for st in ident.statuses if st.status in statuses
            and (school_ids is None or int(st.school_id) in school_ids)]


PLAN_COLUMNS = ["school_id", "status", "procedure", "participants", "low_count", "max_low_count", "excess",
                "was_low", "binding", "binding_ru", "sentence", "condition"]


def plans_frame(plans: list[ExitPlan]) -> pd.DataFrame:
    """One row per school and procedure."""
    rows = []
    for plan in plans:
        cond = plan.condition()
        for t in plan.targets:
            rows.append({"school_id": plan.school_id, "status": plan.status, "procedure": t.procedure,
                         "participants": t.participants, "low_count": t.low_count,
                         "max_low_count": t.max_low_count, "excess": t.excess, "was_low": t.was_low,
                         "binding": t.binding,
                         "binding_ru": (ENTRY_BINDING_RU if plan.status == RISK else BINDING_RU)[t.binding],
                         "sentence": t.sentence(plan.status == RISK), "condition": cond})
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)
