"""Typed audit events: every change is recorded as one of these, inside the unit of work that made it.

    unit.record(events.IMPORT_STORED, batch=17, file="vpr.xlsx", stored=634)

Each kind says whether it changes data: the dashboard's caches follow that flag (a login changes no
figure, an import does), not a list of exceptions. `ru` is what the audit page shows.
Pure: no database, files or Streamlit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventKind:
    name: str
    ru: str
    changes_data: bool


@dataclass(frozen=True)
class Event:
    kind: EventKind
    detail: dict = field(default_factory=dict)

    def detail_json(self) -> str:
        return json.dumps(self.detail, ensure_ascii=False, default=str, sort_keys=True)


KINDS: dict[str, EventKind] = {}


def _kind(name: str, ru: str, changes_data: bool) -> EventKind:
    k = EventKind(name, ru, changes_data)
    KINDS[name] = k
    return k


# data
IMPORT_STORED = _kind("import", "загрузка файла", True)
IMPORT_UNDONE = _kind("undo_import", "отмена загрузки", True)
SCHOOL_MAPPED = _kind("school_mapped", "сопоставление школы", True)
SCHOOL_MOVED = _kind("school_moved", "перенос школы в другую территорию", True)
TERRITORY_ADDED = _kind("territory_add", "добавлена территория", True)
SETTING_CHANGED = _kind("set_setting", "изменена настройка", True)
RULE_SETTINGS_SAVED = _kind("rule_settings", "сохранены настройки правила", True)
TARGET_SET = _kind("set_target", "изменён целевой показатель", True)
SCALE_SET = _kind("set_mark_scale", "изменена шкала ВПР", True)
THRESHOLD_SET = _kind("set_exam_threshold", "изменён порог экзамена", True)
LIST_DECISION = _kind("official_list_decision", "решение по школе в проекте списка", True)
LIST_DECISION_CLEARED = _kind("official_list_decision_cleared", "снято решение по школе", True)
LIST_APPROVED = _kind("official_list_approved", "список утверждён", True)
REGION_LIST_UPLOADED = _kind("region_list_upload", "загружен список региона", True)
IDENTIFICATION_RUN = _kind("identification_run", "расчёт списка", False)
DEMO_BUILT = _kind("demo_built", "построен демо-регион", True)
# the roadmap and the support of schools
ROADMAP_IMPORTED = _kind("roadmap_import", "загружена дорожная карта", True)
ROADMAP_REMOVED = _kind("roadmap_remove", "удалена дорожная карта", True)
MEASURE_UPDATED = _kind("measure_update", "изменено мероприятие", True)
MEASURE_ADDED = _kind("measure_add", "добавлено мероприятие", True)
CRITERION_SET = _kind("criterion_set", "критерий успешности мероприятия", True)
INDICATOR_VALUES_SET = _kind("indicator_values", "внесены значения показателя", True)
INDICATOR_TARGET_SET = _kind("indicator_target", "изменена цель показателя", True)
RISK_LEVELS_SET = _kind("risk_levels", "изменён рисковый профиль", True)
PARTNER_SET = _kind("partner_set", "назначена школа-партнёр", True)
PARTNER_ENDED = _kind("partner_end", "завершено партнёрство", True)
SUPPORT_SET = _kind("school_support", "куратор, координатор, признаки школы", True)
INTERVIEW_SAVED = _kind("interview_saved", "запись собеседования", True)
INTERVIEW_REMOVED = _kind("interview_removed", "удалена запись собеседования", True)
REPORT_TEMPLATE_SET = _kind("report_template", "загружен бланк документа", False)
REPORT_WRITTEN = _kind("report_written", "сформирован документ", False)
# accounts: no figure changes
LOGIN = _kind("login", "вход", False)
LOGOUT = _kind("logout", "выход", False)
LOGIN_FAILED = _kind("login_failed", "неудачный вход", False)
LOGIN_LOCKED = _kind("user_locked", "вход заблокирован", False)
LOGIN_UNLOCKED = _kind("user_unlocked", "блокировка снята", False)
USER_ADDED = _kind("user_add", "добавлен пользователь", False)
USER_REMOVED = _kind("user_remove", "удалён пользователь", False)
USER_UPDATED = _kind("user_update", "изменён пользователь", False)
PASSWORD_SET = _kind("user_passwd", "сменён пароль", False)


def kind(name: str) -> EventKind:
    """The kind of a stored event (an unknown name from an older version is shown as it is, as data)."""
    return KINDS.get(name) or EventKind(name, name, True)


def data_kinds() -> list[str]:
    return [k.name for k in KINDS.values() if k.changes_data]
