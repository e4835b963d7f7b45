"""The conclusions of the «аналитическая справка»: a catalogue of sentences, each written when its condition holds.

    f = Figures(list_year=2024, schools=10, shnor=2, target=0.10, allowed=1, previous_share=0.273, ...)
    for c in conclusions(f):
        c.key, c.text      # "share_fell+target_missed", «Доля ШНОР снизилась с 27,3 % … нужно на 1 школу меньше.»

The figures come from the dashboard's read models (shnor/read/overview.py and the Overview's «Требует внимания»);
nothing here computes a share again, it only words what it is given: Russian numbers (shnor/domain/fmt.py), plural
forms, school years «2023/2024». The headline joins a clause on the share's change with a clause on the target,
as officials write it: «Доля ШНОР снизилась с 14,8 % до 11,2 %, цель 10 % не достигнута: нужно на 3 школы меньше».
`CATALOGUE` lists every sentence with its condition in words (`when_ru`), in the order they are written.
Names of territories inside sentences are data: the caller writes the sentences as plain text.
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.years import format_school_year as sy

# states of the previous results year, for the share's change
PREV_OK, PREV_NO_RESULTS, PREV_FEW, PREV_ABSENT = "ok", "no_results", "few", "absent"


@dataclass(frozen=True)
class Figures:
    """What the conclusions are written from (all of it read from the dashboard's read models)."""
    list_year: int                      # the list formed for this school year, from the results of list_year - 1
    schools: int                        # schools counted in the share (the denominator)
    shnor: int
    target: float | None = None         # the target for the results year; None: not set
    allowed: int | None = None          # ШНОР the target allows: floor(target × schools)
    gap: int | None = None              # ШНОР over what the target allows (0: met); None: no target or no verdict
    withheld: str | None = None         # why no verdict on the target is given (coverage rule), None: it is given
    with_data: int | None = None        # schools with results in the results year (None: unknown)
    previous_share: float | None = None     # the share by the results of list_year - 2 (the trend's previous point)
    previous_state: str = PREV_ABSENT   # PREV_OK | PREV_NO_RESULTS (no results that year) | PREV_FEW (too few data)
    previous_with_data: int | None = None
    previous_schools: int | None = None
    entered: int | None = None          # None: no previous list to compare with
    left: int = 0
    left_closed: int = 0                # of those that left: no longer active schools
    stayed: int = 0
    top_procedures: tuple[str, ...] = ()    # procedures (Russian names) most often among the ШНОР's low results
    top_procedure_schools: int = 0
    risk_group: int = 0
    no_data: int = 0                    # schools without any result in both years (status «нет данных»)
    territories_compared: int = 0
    above_target: tuple[tuple[str, int], ...] = ()   # territories above their target: (name, gap in ШНОР)
    territories_withheld: int = 0       # compared territories without a verdict (too few data)
    empty_territories: tuple[str, ...] = ()          # territories with no school counted in the list
    measures_total: int = 0             # roadmap measures of the territory (0: no roadmap)
    measures_overdue: int = 0
    measures_done: int = 0
    measures_cancelled: int = 0
    measures_due_soon: int = 0
    indicators_with_target: int = 0
    indicators_off: tuple[str, ...] = ()     # short names of the indicators off target

    @property
    def results_year(self) -> int:
        return self.list_year - 1

    @property
    def share(self) -> float | None:
        return self.shnor / self.schools if self.schools else None


@dataclass(frozen=True)
class Conclusion:
    key: str
    text: str


@dataclass(frozen=True)
class Rule:
    key: str
    group: str                          # "trend" and "target" clauses form the headline; others stand alone
    when_ru: str                        # the condition in words
    when: Callable[[Figures], bool]
    say: Callable[[Figures], str]


# ---------------------------------------------------------------------------------------------------------------
# wording helpers
def n_schools(n: int, case: str = "nom") -> str:
    """1 школа / 2 школы / 5 школ; case "acc" (на 1 школу), "gen" (из 1 школы, у 2 школ)."""
    forms = {"nom": ("школа", "школы", "школ"), "acc": ("школу", "школы", "школ"), "gen": ("школы", "школ", "школ")}
    return f"{fmt_int(n)} {plural(n, *forms[case])}"


def target_ru(target: float) -> str:
    """A target as officials write it: 10 %, 12,5 %."""
    whole = (Decimal(str(target)) * 100) % 1 == 0
    return fmt_pct(target, 0 if whole else 1)


def _join(names: tuple[str, ...] | list[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " и " + names[-1]


def _pct(x: float | None) -> str:
    return fmt_pct(x)


def _prev_label(f: Figures) -> str:
    return sy(f.results_year - 1)


def _same(f: Figures) -> bool:
    return _pct(f.previous_share) == _pct(f.share)


def _has_share(f: Figures) -> bool:
    return f.schools > 0 and f.with_data != 0


def _comparable(f: Figures) -> bool:
    return _has_share(f) and f.previous_state == PREV_OK and f.previous_share is not None


# ---------------------------------------------------------------------------------------------------------------
# the catalogue
CATALOGUE: tuple[Rule, ...] = (
    # -- nothing to measure -------------------------------------------------------------------------------------
    Rule("no_schools", "lead", "в территории нет ни одной школы, учитываемой в списке",
         lambda f: f.schools == 0,
         lambda f: f"В территории нет ни одной общеобразовательной школы, которая учитывается в списке на "
                   f"{sy(f.list_year)}: доли ШНОР нет, вывод о достижении цели не делается."),
    Rule("no_results", "lead", "за год результатов нет ни у одной школы",
         lambda f: f.schools > 0 and f.with_data == 0,
         lambda f: f"За {sy(f.results_year)} учебный год результатов оценочных процедур нет ни у одной из "
                   f"{n_schools(f.schools, 'gen')}: список на {sy(f.list_year)} по данным не сформирован, вывод о "
                   "достижении цели не делается."),
    # -- the share and its change (a clause of the headline) ------------------------------------------------------
    Rule("share_fell", "trend", "доля ниже, чем годом ранее (с точностью до 0,1 %)",
         lambda f: _comparable(f) and not _same(f) and f.share < f.previous_share,
         lambda f: f"Доля ШНОР снизилась с {_pct(f.previous_share)} по результатам {_prev_label(f)} до "
                   f"{_pct(f.share)} по результатам {sy(f.results_year)} ({fmt_int(f.shnor)} из "
                   f"{n_schools(f.schools, 'gen')})"),
    Rule("share_rose", "trend", "доля выше, чем годом ранее",
         lambda f: _comparable(f) and not _same(f) and f.share > f.previous_share,
         lambda f: f"Доля ШНОР выросла с {_pct(f.previous_share)} по результатам {_prev_label(f)} до "
                   f"{_pct(f.share)} по результатам {sy(f.results_year)} ({fmt_int(f.shnor)} из "
                   f"{n_schools(f.schools, 'gen')})"),
    Rule("share_same", "trend", "доля та же, что годом ранее",
         lambda f: _comparable(f) and _same(f),
         lambda f: f"Доля ШНОР не изменилась по сравнению с {_prev_label(f)} и составляет {_pct(f.share)} "
                   f"({fmt_int(f.shnor)} из {n_schools(f.schools, 'gen')})"),
    Rule("share_no_previous", "trend", "за предыдущий год результатов нет — сравнить не с чем",
         lambda f: _has_share(f) and f.previous_state in (PREV_NO_RESULTS, PREV_ABSENT),
         lambda f: f"Доля ШНОР по результатам {sy(f.results_year)} составляет {_pct(f.share)} ({fmt_int(f.shnor)} "
                   f"из {n_schools(f.schools, 'gen')}); за {_prev_label(f)} результатов нет, сравнить не с чем"),
    Rule("share_previous_few", "trend", "за предыдущий год данных меньше порога полноты — сравнение без вывода",
         lambda f: _has_share(f) and f.previous_state == PREV_FEW,
         lambda f: f"Доля ШНОР по результатам {sy(f.results_year)} составляет {_pct(f.share)} ({fmt_int(f.shnor)} "
                   f"из {n_schools(f.schools, 'gen')}); с {_prev_label(f)} не сравнивается: результаты за тот год "
                   f"были только у {fmt_int(f.previous_with_data or 0)} из "
                   f"{n_schools(f.previous_schools or 0, 'gen')}"),
    # -- the target (the headline's second clause, or its own sentence) -------------------------------------------
    Rule("verdict_withheld", "target", "результаты есть у меньшей доли школ, чем требует настройка полноты",
         lambda f: _has_share(f) and bool(f.withheld),
         lambda f: str(f.withheld)),
    Rule("no_target", "target", "цель на год результатов не задана",
         lambda f: _has_share(f) and not f.withheld and f.target is None,
         lambda f: f"цель на {sy(f.results_year)} не задана"),
    Rule("target_met", "target", "ШНОР не больше, чем допускает цель",
         lambda f: _has_share(f) and f.gap == 0,
         lambda f: (f"цель {target_ru(f.target)} достигнута" + (
             f" (допустимо не более {fmt_int(f.allowed)} ШНОР)" if f.shnor else ": ШНОР нет"))),
    Rule("target_missed", "target", "ШНОР больше, чем допускает цель: на сколько школ меньше нужно",
         lambda f: _has_share(f) and bool(f.gap),
         lambda f: (f"цель {target_ru(f.target)} не достигнута: нужно на {n_schools(f.gap, 'acc')} меньше"
                    + (f" (допустимо не более {fmt_int(f.allowed)} ШНОР)" if f.allowed
                       else f" (цель для {n_schools(f.schools, 'gen')} не допускает ни одной ШНОР)"))),
    # -- the list's changes ---------------------------------------------------------------------------------------
    Rule("changes_unknown", "changes", "списка предыдущего года нет (нет его результатов)",
         lambda f: _has_share(f) and f.entered is None,
         lambda f: f"Сравнить состав списка с прошлым годом нельзя: за {_prev_label(f)} результатов нет, списка на "
                   f"{sy(f.list_year - 1)} по данным нет."),
    Rule("changes_none", "changes", "никто не вошёл и не вышел",
         lambda f: _has_share(f) and f.entered == 0 and f.left == 0,
         lambda f: ("Состав списка не изменился: " + (
             f"все ШНОР ({fmt_int(f.stayed)}) были в списке и на {sy(f.list_year - 1)}." if f.stayed > 1 else
             f"{n_schools(f.stayed)} была в списке и на {sy(f.list_year - 1)}." if f.stayed == 1 else
             f"ШНОР нет ни в этом, ни в прошлом году."))),
    Rule("changes", "changes", "есть вошедшие или вышедшие школы",
         lambda f: _has_share(f) and f.entered is not None and (f.entered > 0 or f.left > 0),
         lambda f: _changes_sentence(f)),
    # -- why: procedures ------------------------------------------------------------------------------------------
    Rule("top_procedure", "why", "у ШНОР есть низкие результаты: какая процедура встречается чаще всего",
         lambda f: f.shnor > 0 and bool(f.top_procedures) and f.top_procedure_schools > 0,
         lambda f: (f"Чаще всего к включению в список приводят низкие результаты по "
                    f"{'процедуре' if len(f.top_procedures) == 1 else 'процедурам'} {_join([f'«{p}»' for p in f.top_procedures])}: "
                    + ("у единственной ШНОР" if f.shnor == 1 else
                       f"у всех ШНОР ({fmt_int(f.shnor)})" if f.top_procedure_schools == f.shnor else
                       f"у {fmt_int(f.top_procedure_schools)} из {fmt_int(f.shnor)} ШНОР")
                    + (" по каждой." if len(f.top_procedures) > 1 else "."))),
    # -- territories ----------------------------------------------------------------------------------------------
    Rule("territories_above", "territories", "сравниваются несколько территорий, часть выше своей цели",
         lambda f: f.territories_compared > 1 and bool(f.above_target),
         lambda f: (f"Выше своей цели {fmt_int(len(f.above_target))} из {fmt_int(f.territories_compared)} "
                    f"{plural(f.territories_compared, 'территории', 'территорий', 'территорий')}: "
                    + "; ".join(f"«{name}» — нужно на {n_schools(gap, 'acc')} меньше" for name, gap in f.above_target)
                    + ".")),
    Rule("territories_all_met", "territories", "сравниваются несколько территорий, ни одна не выше цели",
         lambda f: f.territories_compared > 1 and not f.above_target and f.territories_withheld < f.territories_compared
         and f.target is not None,
         lambda f: f"Ни одна из {fmt_int(f.territories_compared)} территорий не превышает свою цель"
                   + (f" (по {fmt_int(f.territories_withheld)} вывод не делается: данных мало)."
                      if f.territories_withheld else ".")),
    Rule("territories_empty", "territories", "есть территория без школ, учитываемых в списке",
         lambda f: bool(f.empty_territories),
         lambda f: (f"{'В территории' if len(f.empty_territories) == 1 else 'В территориях'} "
                    f"{_join([f'«{n}»' for n in f.empty_territories])} нет школ, учитываемых в списке на {sy(f.list_year)}: доли ШНОР и "
                    "вывода о цели по "
                    f"{'ней' if len(f.empty_territories) == 1 else 'ним'} нет.")),
    # -- the risk group and the schools without data -------------------------------------------------------------
    Rule("risk_group", "risk", "в группе риска есть школы",
         lambda f: _has_share(f) and f.risk_group > 0,
         lambda f: f"В группе риска {n_schools(f.risk_group)}: {plural(f.risk_group, 'она', 'они', 'они')} не "
                   f"{plural(f.risk_group, 'входит', 'входят', 'входят')} в список, но при сохранении низкого "
                   f"результата {plural(f.risk_group, 'может', 'могут', 'могут')} войти в него в следующем году — "
                   f"{plural(f.risk_group, 'ей', 'им', 'им')} нужна профилактическая поддержка."),
    Rule("risk_group_empty", "risk", "группа риска пуста",
         lambda f: _has_share(f) and f.risk_group == 0,
         lambda f: "Школ группы риска нет."),
    Rule("no_data_schools", "gaps", "у части школ нет ни одного результата за оба года",
         lambda f: _has_share(f) and f.no_data > 0,
         lambda f: f"У {n_schools(f.no_data, 'gen')} нет ни одного результата за {sy(f.results_year - 1)} и "
                   f"{sy(f.results_year)}: статус не определён, в числе школ "
                   f"{plural(f.no_data, 'она учитывается', 'они учитываются', 'они учитываются')}, в числе ШНОР — нет; "
                   "если это пробел в загрузке, доля ШНОР может быть занижена."),
    # -- the roadmap ------------------------------------------------------------------------------------------------
    Rule("measures_overdue", "roadmap", "в дорожной карте есть просроченные мероприятия",
         lambda f: f.measures_total > 0 and f.measures_overdue > 0,
         lambda f: f"Просрочено {fmt_int(f.measures_overdue)} "
                   f"{plural(f.measures_overdue, 'мероприятие', 'мероприятия', 'мероприятий')} дорожной карты из "
                   f"{fmt_int(f.measures_total)}; выполнено {fmt_int(f.measures_done)}" + _done_share(f) + "."),
    Rule("measures_on_time", "roadmap", "дорожная карта есть, просроченных мероприятий нет",
         lambda f: f.measures_total > 0 and f.measures_overdue == 0,
         lambda f: f"Просроченных мероприятий дорожной карты нет; выполнено {fmt_int(f.measures_done)} из "
                   f"{fmt_int(f.measures_total)}" + _done_share(f) + "."),
    Rule("indicators_off", "roadmap", "показатели с целью, часть не на цели",
         lambda f: f.indicators_with_target > 0 and bool(f.indicators_off),
         lambda f: f"Не достигают цели {fmt_int(len(f.indicators_off))} из {fmt_int(f.indicators_with_target)} "
                   f"{plural(f.indicators_with_target, 'показателя', 'показателей', 'показателей')} с заданной целью: "
                   f"{_join(f.indicators_off[:5])}" + (f" и ещё {fmt_int(len(f.indicators_off) - 5)}"
                                                       if len(f.indicators_off) > 5 else "") + "."),
    Rule("indicators_on", "roadmap", "показатели с целью, все на цели",
         lambda f: f.indicators_with_target > 0 and not f.indicators_off,
         lambda f: f"Все {fmt_int(f.indicators_with_target)} "
                   f"{plural(f.indicators_with_target, 'показатель', 'показателя', 'показателей')} с заданной целью "
                   "её достигают."),
)


def _done_share(f: Figures) -> str:
    active = f.measures_total - f.measures_cancelled
    return f" ({fmt_pct(f.measures_done / active)})" if active > 0 else ""


def _changes_sentence(f: Figures) -> str:
    parts = [f"в список {plural(f.entered, 'вошла', 'вошли', 'вошли')} {n_schools(f.entered)}" if f.entered
             else "новых школ в списке нет"]
    if f.left:
        left = f"{plural(f.left, 'вышла', 'вышли', 'вышли')} {n_schools(f.left)}"
        if f.left_closed:
            left += (f" (из них {fmt_int(f.left_closed)} "
                     f"{plural(f.left_closed, 'не действовала', 'не действовали', 'не действовали')} в "
                     f"{sy(f.results_year)})")
        parts.append(left)
    else:
        parts.append("ни одна школа не вышла")
    text = f"По сравнению со списком на {sy(f.list_year - 1)} " + ", ".join(parts)
    if f.stayed:
        text += f"; {plural(f.stayed, 'осталась', 'остались', 'остались')} в списке {n_schools(f.stayed)}"
    return text + "."


def conclusions(f: Figures) -> list[Conclusion]:
    """The sentences whose conditions hold, in catalogue order. The first trend clause and the target clause form
    one sentence (the headline); a withheld verdict is its own sentence."""
    fired = [r for r in CATALOGUE if r.when(f)]
    out: list[Conclusion] = []
    trend = next((r for r in fired if r.group == "trend"), None)
    target = next((r for r in fired if r.group == "target"), None)
    for r in fired:
        if r.group == "trend":
            if r is not trend:
                continue
            if target is not None and target.key != "verdict_withheld":
                clause = r.say(f)
                joiner = "; " if ";" in clause else ", "
                out.append(Conclusion(f"{r.key}+{target.key}", f"{clause}{joiner}{target.say(f)}."))
            else:
                out.append(Conclusion(r.key, r.say(f) + "."))
                if target is not None:
                    out.append(Conclusion(target.key, target.say(f)))
        elif r.group == "target":
            if trend is None and r is target:   # no trend clause (cannot happen with a share, kept for safety)
                text = r.say(f)
                out.append(Conclusion(r.key, text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")))
        else:
            out.append(Conclusion(r.key, r.say(f)))
    return out


def headline(f: Figures) -> str:
    """The first conclusion (the share against the target), for a title or a summary."""
    c = conclusions(f)
    return c[0].text if c else ""


def catalogue_ru() -> list[tuple[str, str]]:
    """(key, condition in words) of every sentence, for documentation and the report's note."""
    return [(r.key, r.when_ru) for r in CATALOGUE]
