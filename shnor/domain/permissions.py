"""Who may do what, where: the one permission table (role × action × territory).

    may(user, Action.IMPORT, territory_id)         -> bool
    why_not(user, Action.IMPORT, territory_id)     -> Russian reason or None

Every service asks here before it reads or changes anything; pages and the CLI only hide what a user may
not do (`may` again), they never decide. Rules beside the roles:
- `REGION_WIDE` actions (scales, thresholds, targets, rule settings, territories, users, backup) belong to
  an admin bound to no territory.
- A user bound to a territory (`User.scope`: the territory and its districts) acts only inside it: the
  target territory must be in the scope; a region-wide target (None) is outside any scope.
- `OWN_ONLY` actions: a bound user may act only on what they made themselves (undo of their own imports).
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

VIEWER, METHODIST, HEAD, ADMIN = "viewer", "methodist", "head", "admin"
ROLES: tuple[str, ...] = (VIEWER, METHODIST, HEAD, ADMIN)
ROLE_RU = {VIEWER: "наблюдатель", METHODIST: "методист", HEAD: "руководитель", ADMIN: "администратор"}
SYSTEM_USER = "system"      # the command line's default actor: an unbound admin, recorded as such


class Action(str, Enum):
    READ = "read"                            # see figures and lists of the territory
    IMPORT = "import"                        # store result files and registries
    UNDO_IMPORT = "undo_import"
    MAP_SCHOOL = "map_school"                # map a row of a file to a school of the registry (remembered)
    EDIT_SCHOOL = "edit_school"              # registry data of a school (names, codes, flags)
    MOVE_SCHOOL = "move_school"              # change a school's territory (registry row or by hand)
    LIST_DECIDE = "list_decide"              # include/exclude a school in a draft list, with a reason
    LIST_APPROVE = "list_approve"            # approve a list by an order (number and date)
    REGION_LIST = "region_list"              # upload the region's own list for comparison
    RULE_SETTINGS = "rule_settings"          # save the rule's defaults
    TARGETS = "targets"
    SCALES = "scales"                        # ВПР mark scales
    THRESHOLDS = "thresholds"                # exam minimums
    TERRITORIES = "territories"              # add territories and districts
    USERS = "users"                          # accounts, locks
    AUDIT_READ = "audit_read"
    ROADMAP = "roadmap"                      # import and edit roadmap measures
    MEASURE_STATUS = "measure_status"        # status, evidence and date of a measure
    INDICATOR_VALUES = "indicator_values"
    INDICATOR_TARGETS = "indicator_targets"  # targets of the roadmap's indicators (head or admin)
    RISK_PROFILES = "risk_profiles"
    PARTNERS = "partners"
    INTERVIEWS = "interviews"                # interview records with school heads
    REPORTS = "reports"                      # write documents (справки, lists, packs)
    REPORT_TEMPLATES = "report_templates"    # upload the department's own .docx letterhead
    BACKUP = "backup"                        # backup and restore of the database


ACTION_RU: dict[Action, str] = {
    Action.READ: "просматривать данные", Action.IMPORT: "загружать файлы", Action.UNDO_IMPORT: "отменять загрузки",
    Action.MAP_SCHOOL: "сопоставлять школы", Action.EDIT_SCHOOL: "исправлять данные школ",
    Action.MOVE_SCHOOL: "переносить школы между территориями",
    Action.LIST_DECIDE: "включать и исключать школы в проекте списка", Action.LIST_APPROVE: "утверждать список",
    Action.REGION_LIST: "загружать список региона", Action.RULE_SETTINGS: "сохранять настройки правила",
    Action.TARGETS: "менять целевые показатели", Action.SCALES: "менять шкалы ВПР",
    Action.THRESHOLDS: "менять пороги ОГЭ и ЕГЭ", Action.TERRITORIES: "добавлять территории",
    Action.USERS: "управлять пользователями", Action.AUDIT_READ: "смотреть журнал действий",
    Action.ROADMAP: "вести дорожную карту", Action.MEASURE_STATUS: "отмечать выполнение мероприятий",
    Action.INDICATOR_VALUES: "вводить значения показателей",
    Action.INDICATOR_TARGETS: "устанавливать целевые значения показателей", Action.RISK_PROFILES: "вести рисковые профили",
    Action.PARTNERS: "назначать школы-партнёры", Action.INTERVIEWS: "вести записи собеседований",
    Action.REPORTS: "формировать документы", Action.REPORT_TEMPLATES: "загружать бланки документов",
    Action.BACKUP: "создавать и восстанавливать резервные копии",
}

_ALL = frozenset(ROLES)
_M_A = frozenset({METHODIST, ADMIN})
_M_H_A = frozenset({METHODIST, HEAD, ADMIN})
_H_A = frozenset({HEAD, ADMIN})
_A = frozenset({ADMIN})

# action -> roles that may do it. The one table: every service asks it through `may`.
TABLE: dict[Action, frozenset[str]] = {
    Action.READ: _ALL,
    Action.IMPORT: _M_A,
    Action.UNDO_IMPORT: _M_A,
    Action.MAP_SCHOOL: _M_A,
    Action.EDIT_SCHOOL: _M_A,
    Action.MOVE_SCHOOL: _A,
    Action.LIST_DECIDE: _M_H_A,
    Action.LIST_APPROVE: _H_A,
    Action.REGION_LIST: _M_H_A,
    Action.RULE_SETTINGS: _A,
    Action.TARGETS: _A,
    Action.SCALES: _A,
    Action.THRESHOLDS: _A,
    Action.TERRITORIES: _A,
    Action.USERS: _A,
    Action.AUDIT_READ: _A,
    Action.ROADMAP: _M_A,
    Action.MEASURE_STATUS: _M_A,
    Action.INDICATOR_VALUES: _M_A,
    Action.INDICATOR_TARGETS: _H_A,
    Action.RISK_PROFILES: _M_A,
    Action.PARTNERS: _M_H_A,
    Action.INTERVIEWS: _M_H_A,
    Action.REPORTS: _ALL,
    Action.REPORT_TEMPLATES: _A,
    Action.BACKUP: _A,
}

# only an admin bound to no territory: these change figures of every territory
REGION_WIDE: frozenset[Action] = frozenset({
    Action.MOVE_SCHOOL, Action.RULE_SETTINGS, Action.TARGETS, Action.SCALES, Action.THRESHOLDS,
    Action.TERRITORIES, Action.USERS, Action.AUDIT_READ, Action.BACKUP, Action.REPORT_TEMPLATES})

# a bound user acts only on what they made themselves
OWN_ONLY: frozenset[Action] = frozenset({Action.UNDO_IMPORT})

# page key (file name in pages/ without .py) -> the action that opens it
PAGE_ACTION: dict[str, Action] = {
    "overview": Action.READ, "identification": Action.READ, "school": Action.READ,
    "indicators": Action.READ,
    "roadmap": Action.READ,
    "analyses": Action.READ,
    "reports": Action.READ,
    "upload": Action.IMPORT, "settings": Action.READ, "users": Action.USERS, "audit": Action.AUDIT_READ,
}
# pages that only some roles see even though reading is open to all (settings: no viewers)
PAGE_ROLES_EXTRA: dict[str, frozenset[str]] = {"settings": _M_H_A}


@dataclass(frozen=True)
class User:
    """The acting user. `scope`: ids of the territory the user is bound to and of everything below it
    (None: the whole region). The built-in system user of the command line is an unbound admin."""
    name: str
    role: str
    territory_id: int | None = None
    territory: str | None = None
    scope: frozenset[int] | None = None

    @property
    def role_ru(self) -> str:
        return ROLE_RU.get(self.role, self.role)

    @property
    def bound(self) -> bool:
        return self.territory_id is not None

    @property
    def scope_ru(self) -> str:
        return self.territory or "весь регион"

    def can(self, action: Action | str) -> bool:
        """May the user do the action somewhere (within their own scope)."""
        return may(self, action, self.territory_id)

    def may_open(self, page: str) -> bool:
        return may_open(self, page)


SYSTEM = User(SYSTEM_USER, ADMIN)


def _action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise KeyError(f"unknown action {action!r}") from None


def in_scope(user: User, territory_id: int | None) -> bool:
    """Is the territory (None: the whole region) inside what the user may see and change."""
    if user.scope is None:
        return True
    return territory_id is not None and int(territory_id) in user.scope


def why_not(user: User | None, action: Action | str, territory_id: int | None = None,
            owner: str | None = None) -> str | None:
    """None when allowed; otherwise the Russian reason. `territory_id` is where the action lands (None: the
    whole region); `owner` is who made the object acted on (OWN_ONLY actions)."""
    act = _action(action)
    what = ACTION_RU[act]
    if user is None:
        return f"Войдите, чтобы {what}."
    if user.role not in TABLE[act]:
        return f"Роль «{user.role_ru}» не может {what}."
    if act in REGION_WIDE and user.bound:
        return f"{what[0].upper()}{what[1:]} может только администратор всего региона, а вы привязаны к территории " \
               f"«{user.scope_ru}»."
    if not in_scope(user, territory_id):
        return f"Вы привязаны к территории «{user.scope_ru}»: {what} за её пределами нельзя."
    if act in OWN_ONLY and user.bound and owner is not None and owner != user.name:
        return f"Пользователь, привязанный к территории, может {what} только свои (эту сделал «{owner}»)."
    return None


def may(user: User | None, action: Action | str, territory_id: int | None = None, owner: str | None = None) -> bool:
    return why_not(user, action, territory_id, owner) is None


def may_open(user: User | None, page: str) -> bool:
    """May the user open a page (its reading action, within their own scope)."""
    if user is None or page not in PAGE_ACTION:
        return False
    extra = PAGE_ROLES_EXTRA.get(page)
    if extra is not None and user.role not in extra:
        return False
    return may(user, PAGE_ACTION[page], user.territory_id)


def pages_for(user: User | None) -> list[str]:
    return [p for p in PAGE_ACTION if may_open(user, p)]


class Forbidden(PermissionError):
    """A refused action; the message is Russian and user-facing."""


def require(user: User | None, action: Action | str, territory_id: int | None = None, owner: str | None = None) -> None:
    reason = why_not(user, action, territory_id, owner)
    if reason is not None:
        raise Forbidden(reason)
