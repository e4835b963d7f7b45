"""Partner schools for ШНОР (SPEC.md «Partnerships and people»; seeds 000, 002, 003, 004: «школы-партнёры»,
«сетевое партнёрство школ со стабильно высокими и стабильно низкими образовательными результатами»).

Who may be suggested: a school with **stably high results** in the list year L — the rule's own definition
(shnor/domain/rule.py `classify_school`, SPEC.md «Stably high results», thresholds in the rule settings):
  - results of the rule's procedures in both L-1 and L-2,
  - no low result in either year, and no procedure above `high_max_low_pct` (default 10 %) of «2» / below the
    minimum in either year,
  - where marks are known, «4»+«5» at least `high_min_quality_pct` (default 50 %) of those participants,
  - status «без низких результатов» (so never ШНОР, never the risk group);
and active in L-1, and not the school itself.

Order of the suggestions (lexicographic, most important first):
  1. same territory (municipality) as the school;
  2. same type of school (СОШ, ООШ, гимназия, … — as the registry writes it, case ignored);
  3. similar size: participants of the rule's procedures in L-1 within a factor of two of the school's;
  4. same settlement type (сельская / городская, the registry's `is_rural`);
then the closer size, the fewer schools it already partners, the lower highest share of «2», the name.
Each suggestion carries a Russian sentence saying why.
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from shnor.domain.fmt import fmt_int, fmt_pct, plural
from shnor.domain.rule import RISK, SHNOR
from shnor.domain.years import format_school_year

SIMILAR_SIZE_FACTOR = 2.0     # sizes within a factor of two are «similar»
DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class SchoolFacts:
    """What the scoring needs of one school in the list year (built by shnor/read/support.py)."""
    id: int
    name: str
    territory_id: int | None
    territory: str
    school_type: str | None = None
    is_rural: bool | None = None
    size: int | None = None              # participants of the rule's procedures in L-1
    status: str | None = None            # the rule's status in the list (None: not counted in it)
    stably_high: bool = False
    max_low_share: float | None = None   # the highest share of «2» / below the minimum in L-1 and L-2
    quality_share: float | None = None   # «4»+«5» of the participants with marks, L-1 and L-2 together
    partners_of: int = 0                 # schools it is already the partner of
    active: bool = True                  # active in the registry in L-1


@dataclass(frozen=True)
class Suggestion:
    school: SchoolFacts
    same_territory: bool
    same_type: bool
    similar_size: bool
    same_settlement: bool
    reason_ru: str

    def key(self, target: SchoolFacts) -> tuple:
        return (not self.same_territory, not self.same_type, not self.similar_size, not self.same_settlement,
                _size_distance(target.size, self.school.size), self.school.partners_of,
                self.school.max_low_share if self.school.max_low_share is not None else 1.0,
                self.school.name.lower(), self.school.id)


def _type(t: str | None) -> str:
    return " ".join(str(t).lower().replace("ё", "е").split()) if t else ""


def _size_distance(a: int | None, b: int | None) -> float:
    if not a or not b:
        return math.inf
    return abs(math.log(b / a))


def similar_size(a: int | None, b: int | None) -> bool:
    return _size_distance(a, b) <= math.log(SIMILAR_SIZE_FACTOR)


def _settlement(rural: bool | None) -> str:
    return "сельская" if rural else "городская"


def why_not_partner(target: SchoolFacts, partner: SchoolFacts, list_year: int) -> str | None:
    """None when `partner` may be paired with `target`; otherwise the Russian reason. A ШНОР, a school of the
    risk group, a school not active in the results year and the school itself are refused (SPEC.md: the
    partner is a school with stable high results)."""
    year = format_school_year(list_year)
    if partner.id == target.id:
        return "Школа не может быть партнёром самой себе: выберите другую школу."
    if not partner.active:
        return (f"{partner.name} не действует в {format_school_year(list_year - 1)}: партнёром назначается "
                "действующая школа.")
    if partner.status == SHNOR:
        return (f"{partner.name} — сама в списке ШНОР на {year}: партнёром назначается школа со стабильно "
                "высокими результатами.")
    if partner.status == RISK:
        return (f"{partner.name} — в группе риска на {year}: партнёром назначается школа со стабильно "
                "высокими результатами.")
    return None


def _figures(s: SchoolFacts, list_year: int) -> str:
    years = f"{format_school_year(list_year - 2)} и {format_school_year(list_year - 1)}"
    shown = []
    if s.max_low_share is not None:
        shown.append(f"«2» или ниже минимума — не больше {fmt_pct(s.max_low_share)}")
    if s.quality_share is not None:
        shown.append(f"«4» и «5» — {fmt_pct(s.quality_share)}")
    return f"стабильно высокие результаты в {years}" + (f" ({', '.join(shown)})" if shown else "")


def reason(target: SchoolFacts, s: SchoolFacts, list_year: int) -> tuple[bool, bool, bool, bool, str]:
    """(same territory, same type, similar size, same settlement, the Russian sentence)."""
    same_t = s.territory_id is not None and s.territory_id == target.territory_id
    same_type = bool(_type(s.school_type)) and _type(s.school_type) == _type(target.school_type)
    sim = similar_size(target.size, s.size)
    same_set = s.is_rural is not None and target.is_rural is not None and bool(s.is_rural) == bool(target.is_rural)
    parts = [_figures(s, list_year)]
    parts.append(f"та же территория ({s.territory})" if same_t else f"другая территория ({s.territory})")
    if same_type:
        parts.append(f"тот же тип ({s.school_type})")
    elif s.school_type:
        parts.append(f"другой тип ({s.school_type})")
    if s.size:
        size_txt = f"{fmt_int(s.size)} {plural(s.size, 'участник', 'участника', 'участников')} процедур"
        if target.size:
            size_txt += f", у этой школы — {fmt_int(target.size)}"
        parts.append(("похожий размер: " if sim else "другой размер: ") + size_txt)
    if s.is_rural is not None:
        parts.append(f"тоже {_settlement(s.is_rural)} школа" if same_set else f"{_settlement(s.is_rural)} школа")
    if s.partners_of:
        parts.append(f"уже партнёр {fmt_int(s.partners_of)} {plural(s.partners_of, 'школы', 'школ', 'школ')}")
    text = "; ".join(parts)
    return same_t, same_type, sim, same_set, text[0].upper() + text[1:] + "."


def suggest(target: SchoolFacts, schools: list[SchoolFacts], list_year: int,
            limit: int | None = DEFAULT_LIMIT) -> list[Suggestion]:
    """Partner candidates for `target` among `schools`, best first (see the module's order), each with its
    reason. Only schools with stably high results, active, other than the school itself."""
    out = []
    for s in schools:
        if s.id == target.id or not s.stably_high or why_not_partner(target, s, list_year) is not None:
            continue
        same_t, same_type, sim, same_set, text = reason(target, s, list_year)
        out.append(Suggestion(s, same_t, same_type, sim, same_set, text))
    out.sort(key=lambda sg: sg.key(target))
    return out if limit is None else out[:limit]


def none_found_ru(list_year: int, bound_to: str | None = None) -> str:
    """Why there is no suggestion."""
    where = f" территории «{bound_to}»" if bound_to else ""
    return (f"Среди школ{where} нет школ со стабильно высокими результатами в {format_school_year(list_year - 2)} "
            f"и {format_school_year(list_year - 1)} (результаты за оба года, ни по одной процедуре не больше "
            "порога «2», где известны отметки — «4» и «5» не меньше порога из настроек правила).")

