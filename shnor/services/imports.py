"""Importing a file: parse (in a child process), match schools, store whole or not at all, undo.

    report = import_file(store, path, user, hints=Hints(procedure="VPR-MATH-5", year=2020))
    message = undo_import(store, report.batch_id, user)

Who may do what comes from the permission table (shnor/domain/permissions.py): importing needs
Action.IMPORT (and Action.MAP_SCHOOL when mappings are given) within the user's territory; undo needs
Action.UNDO_IMPORT, the batch's author being the owner (a bound methodist undoes only their own imports).
A bound user's file changes only schools of their territory and its districts — placed by the school's OWN
stored territory, not by what the file says — and never creates a territory; every row outside is counted
and reported before anything is created. Only an unbound admin's registry moves a school between
territories (an audited SCHOOL_MOVED with the old and new territory).

Statuses: "stored", "duplicate" (an identical file is already stored: nothing changes), "refused" (errors:
nothing stored), "needs_input" (the file does not say its work or year, or that year's mark scale is not entered:
`report.needs` names all of it at once with likely values in `report.proposals`; nothing is refused yet),
"needs_mapping" (rows name schools that match none: nothing stored until the methodist maps them once — the
mapping is remembered), "needs_confirmation" (a foreign file saved without `confirm_foreign`: nothing stored),
"preview" (dry run: everything checked, nothing kept).

A foreign file — its region (from the ФИС ОКО logins, territory codes or its `Регион` column) differs from the
database's, or most of its schools match no school of the database and would add a sizeable part to the registry
(FOREIGN_MIN_UNKNOWN, FOREIGN_REGISTRY_PCT) — is reported as such before saving
(`report.foreign`, `ForeignFile.sentence_ru()`); the page saves it only when the user confirms, the CLI stores it
and says so on stderr. A database with no schools yet has nothing to be foreign to.
Every change is in one unit of work (shnor/store/db.py) with an import batch and typed events; replaced
values are kept so that an undo restores them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from shnor.domain import events, procedures, regions
from shnor.domain.codes import login_key, norm_name
from shnor.domain.fmt import fmt_int, plural
from shnor.domain.matching import NEW_SCHOOL, RowKeys, SchoolMatcher
from shnor.domain.permissions import Action, User, may, require
from shnor.domain.years import format_school_year
from shnor.importing.layouts.common import clean_code
from shnor.importing.model import (ERROR, WARNING, Hints, Issue, ParsedFile, Proposal, RegistryRow, ResultRow,
                                   SchoolRef)
from shnor.importing.reading import MAX_UPLOAD_BYTES, too_large_message
from shnor.importing.sandbox import parse_in_child
from shnor.store import Store

__all__ = ["NEW_SCHOOL", "ImportReport", "UnmatchedSchool", "ForeignFile", "import_file", "undo_import",
           "UndoRefused", "history", "may_undo", "sha256_of", "mapping_key", "needs_ru", "scale_needed_ru",
           "missing_ru", "FOREIGN_MIN_UNKNOWN", "FOREIGN_REGISTRY_PCT"]

NO_TERRITORY = "Территория не указана"
# A file is foreign when its region differs from the database's, or when more than half of its schools match no
# school of the database and those would add a sizeable part to the registry: at least FOREIGN_MIN_UNKNOWN schools
# and at least FOREIGN_REGISTRY_PCT % of the schools the database has (a template with a few new schools of the
# region is not a foreign file; 634 unknown schools against a registry of 309 are).
FOREIGN_MIN_UNKNOWN = 5
FOREIGN_REGISTRY_PCT = 10


@dataclass
class ForeignFile:
    """Why a file looks like another region's: how many of its schools the database knows, and the regions."""
    schools: int                   # schools named in the file
    unknown: int                   # of them, matching no school of the database
    file_region: str | None = None  # region names (Russian), when known
    db_region: str | None = None
    region_differs: bool = False

    def sentence_ru(self) -> str:
        """«в файле 634 школы, ни одной из них нет в реестре; регион файла — Алтайский край, регион базы — …»"""
        n = self.schools
        text = f"в файле {fmt_int(n)} {plural(n, 'школа', 'школы', 'школ')}"
        if self.unknown == n:
            text += ", её нет в реестре" if n == 1 else ", ни одной из них нет в реестре"
        elif self.unknown:
            text += f", {fmt_int(self.unknown)} из них нет в реестре"
        else:
            text += ", все есть в реестре"
        if self.region_differs:
            text += f"; регион файла — {self.file_region}, регион базы — {self.db_region}"
        return text


def scale_needed_ru(procedure: str, year: int) -> str:
    """Which scale is missing and who enters it (for everyone who may not enter it here)."""
    return (f"нет шкалы перевода первичных баллов в отметки для «{procedures.name_ru(procedure)}» за "
            f"{format_school_year(year)} учебный год. Шкалу вводит администратор региона на странице «Настройки» "
            f"или командой `python -m shnor scale set {procedure} {format_school_year(year)} --min3 … --min4 … "
            "--min5 … --max …`; после этого загрузите файл снова")


def missing_ru(needs: set[str]) -> str:
    """«какая это работа и за какой учебный год» — what of the two the file does not say."""
    what = [w for n, w in (("procedure", "какая это работа"), ("year", "за какой учебный год")) if n in needs]
    return " и ".join(what)


def needs_ru(report: "ImportReport", cli: bool = False) -> str:
    """Everything the file needs, in one Russian sentence (without the file name): what it does not say and
    the likely values, or the missing scale and who enters it. `cli`: names the options to give."""
    if not report.needs:
        return ""
    if "scale" in report.needs and report.procedure and report.year is not None:
        text = scale_needed_ru(report.procedure, report.year)
        prop = report.proposals.get("scale")
        if cli and prop is not None and None not in prop.value:
            text += ("; предлагаемые значения ({}): {}".format(prop.reason, " ".join(
                f"--{k} {v}" for k, v in zip(("min3", "min4", "min5", "max"), prop.value))))
        return text
    text = f"в файле не сказано, {missing_ru(report.needs)}"
    likely = []
    for need in ("procedure", "year"):
        prop = report.proposals.get(need)
        if need not in report.needs or prop is None:
            continue
        if need == "procedure":
            value = f"--procedure {prop.value}" if cli else f"«{procedures.name_ru(prop.value)}»"
        else:
            value = f"--year {format_school_year(prop.value)}" if cli else f"{format_school_year(prop.value)} учебный год"
        likely.append(f"{value} ({prop.reason})")
    if cli:
        options = " и ".join(o for n, o in (("procedure", "--procedure (например, VPR-MATH-5)"),
                                            ("year", "--year (например, 2020/2021)")) if n in report.needs)
        text += f" — файл не загружен. Укажите {options}"
    if likely:
        text += ("; вероятно: " if cli else "; вероятно, это ") + "; ".join(likely)
    return text


@dataclass
class UnmatchedSchool:
    """A school named in the file that matches no school (or several). Mapped once, then remembered."""
    key: str                       # stable key for the mapping form: name/code as written + territory
    name: str | None
    territory: str | None
    code: str | None
    rows: list[int]
    reason: str                    # Russian: why it did not match
    candidates: list[tuple[int, str]] = field(default_factory=list)  # (school id, label) suggestions


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    status: str                    # stored | duplicate | refused | needs_mapping | preview
    layout: str = ""
    layout_ru: str = ""
    procedure: str | None = None
    year: int | None = None
    batch_id: int | None = None
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    rows_stored: int = 0           # results (or registry rows) inserted or changed
    unchanged: int = 0
    replaced: int = 0              # results that had other values before
    new_schools: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)          # «школа: из «А» в «Б»» (unbound admin's registry)
    new_territories: list[str] = field(default_factory=list)
    out_of_scope: int = 0          # rows left out: outside the user's territory, or what the user may not do
    unmatched: list[UnmatchedSchool] = field(default_factory=list)
    preview: pd.DataFrame | None = None
    needs: set[str] = field(default_factory=set)             # "procedure" | "year" | "scale" (status needs_input)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    foreign: ForeignFile | None = None                       # most schools unknown, or another region

    @property
    def ok(self) -> bool:
        return self.status in ("stored", "duplicate", "preview")

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    def summary_ru(self, shown: Callable[[str], str] = str) -> str:
        """One Russian line. `shown` renders the file name (the only data in it): e.g. shnor/ui/safe.py `md`."""
        name = shown(self.file_name)
        if self.status == "duplicate":
            return f"{name}: уже загружен — ничего не изменено."
        if self.status == "refused":
            return f"{name}: файл отклонён, ничего не сохранено."
        if self.status == "needs_mapping":
            return (f"{name}: {len(self.unmatched)} школ(ы) не сопоставлены с реестром — "
                    "сопоставьте их, файл пока не сохранён.")
        if self.status == "needs_input":
            if "scale" in self.needs:
                return (f"{name}: {self.layout_ru}, {procedures.name_ru(self.procedure)}, "
                        f"{format_school_year(self.year)} — нет шкалы перевода баллов в отметки за этот год; "
                        "файл пока не сохранён.")
            return f"{name}: {self.layout_ru}; в файле не сказано, {missing_ru(self.needs)} — файл пока не сохранён."
        if self.status == "needs_confirmation":
            return (f"{name}: похоже на файл другого региона ({self.foreign.sentence_ru() if self.foreign else ''}) — "
                    "подтвердите сохранение; файл пока не сохранён.")
        what = f"{self.layout_ru}"
        if self.procedure:
            what += f", {procedures.name_ru(self.procedure)}"
        if self.year is not None:
            what += f", {format_school_year(self.year)}"
        verb = "будет сохранено" if self.status == "preview" else "сохранено"
        text = f"{name}: {what}; {verb} строк: {self.rows_stored}"
        if self.replaced:
            text += f", из них заменены прежние значения: {self.replaced}"
        if self.unchanged:
            text += f", без изменений: {self.unchanged}"
        if self.new_schools:
            text += f"; новых школ: {len(self.new_schools)}"
        if self.new_territories:
            text += f"; новых территорий: {len(self.new_territories)}"
        if self.moved:
            text += (f"; {'будут перенесены' if self.status == 'preview' else 'перенесены'} в другую территорию "
                     f"школ: {len(self.moved)}")
        if self.out_of_scope:
            text += f"; пропущено строк вне вашей территории: {self.out_of_scope}"
        return text + "."


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class UndoRefused(ValueError):
    """An undo that cannot be done (no such batch, already undone); the message is Russian."""


class _Refused(Exception):
    pass


class _NeedsMapping(Exception):
    pass


class _DryRun(Exception):
    pass


class _NeedsConfirmation(Exception):
    pass


class _Duplicate(Exception):
    def __init__(self, batch_id: int | None):
        super().__init__(batch_id)
        self.batch_id = batch_id


# ---------------------------------------------------------------------------------------------
# Keys of a row, territories, the user's scope
# ---------------------------------------------------------------------------------------------
def mapping_key(ref: SchoolRef) -> str:
    """The key of a row in the mapping form: territory | code (exam code or ИНН) | name, as written."""
    return " | ".join(x or "" for x in (ref.territory, clean_code(ref.exam_code) or clean_code(ref.inn), ref.name))


def _keys(ref: SchoolRef) -> RowKeys:
    return RowKeys(login=login_key(ref.login), exam_code=clean_code(ref.exam_code), inn=clean_code(ref.inn),
                   ogrn=clean_code(ref.ogrn), name=ref.name, mapping_key=mapping_key(ref))


class _KeysOf:
    """The keys of each row of one file, worked out once (the foreign-file check and the storing both ask); the
    file's rows stay alive during the import, so their ids stay theirs."""

    def __init__(self):
        self._by_id: dict[int, RowKeys] = {}

    def __call__(self, ref: SchoolRef) -> RowKeys:
        keys = self._by_id.get(id(ref))
        if keys is None:
            keys = self._by_id[id(ref)] = _keys(ref)
        return keys


def _in_place(user: User, territory_id: int | None, district_id: int | None, action: Action = Action.IMPORT) -> bool:
    """May the user act on a school placed in this territory (or district)."""
    return any(may(user, action, t) for t in (territory_id, district_id) if t is not None)


class _Territories:
    """Territories named in a file, found once; new ones are only planned until the rows are sorted out,
    then created (TERRITORY_ADDED) — never for a user bound to a territory."""

    def __init__(self, u, user: User, batch_id: int):
        self.u, self.user, self.batch_id = u, user, batch_id
        self._found: dict[str, int | None] = {}
        self._finder = None                      # every territory read once, on the first name asked for
        self.created: dict[str, int] = {}

    def find(self, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self._found:
            if self._finder is None:
                self._finder = self.u.territories.finder()
            self._found[name] = self._finder.find_or_none(name)
        return self._found[name] or self.created.get(name)

    def may_create(self) -> bool:
        """A new territory lands at the level of the whole region: only a user bound to none may add one."""
        return may(self.user, Action.IMPORT, None)

    def create(self, name: str, kind: str = "municipality", parent_id: int | None = None) -> int:
        tid = self.find(name)
        if tid is not None:
            return tid
        if parent_id is None:
            parent_id = self.u.territories.root_id()
        tid = self.u.territories.add(name, kind=kind, parent_id=parent_id)
        self.created[name] = tid
        self.u.record(events.TERRITORY_ADDED, territory_id=tid, territory=self.u.territories.name(tid), kind=kind,
                      parent_id=parent_id, batch=self.batch_id)
        return tid

    def label(self, tid: int | None) -> str:
        return (self.u.territories.name(tid) or str(tid)) if tid is not None else "не указана"


def _left_out(rep: ImportReport, file_name: str, row, message: str) -> None:
    rep.out_of_scope += 1
    rep.issues.append(Issue(WARNING, message + " — строка не сохранена", file=file_name,
                            sheet=getattr(row, "source_sheet", None), row=getattr(row, "source_row", None)))


def _out_of_scope(rep: ImportReport, user: User, file_name: str, row, matcher: SchoolMatcher, sid: int,
                  file_tid: int | None, terr: _Territories) -> None:
    """A row of a school outside the user's territory: counted; told row by row only when the file places the
    school in the user's territory (the school's own stored territory decides)."""
    rep.out_of_scope += 1
    if file_tid is not None and may(user, Action.IMPORT, file_tid):
        t, _ = matcher.place(sid)
        rep.issues.append(Issue(WARNING, f"школа «{matcher.labels.get(sid)}» в реестре относится к территории "
                                f"«{terr.label(t)}», а не к вашей, хотя в файле указана «{terr.label(file_tid)}» — "
                                "строка не сохранена", file=file_name, sheet=getattr(row, "source_sheet", None),
                                row=getattr(row, "source_row", None)))


def _new_territory_refused(name: str) -> str:
    return (f"территории «{name}» нет в справочнике, а добавлять территории может только пользователь, не "
            "привязанный к территории")


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
def _jsonable(d: dict | None) -> str | None:
    import json
    return None if d is None else json.dumps({str(k): v for k, v in d.items()}, ensure_ascii=False, sort_keys=True)


def _result_values(r: ResultRow) -> list:
    """The stored values of a result, in shnor/store/results.py VALUE_COLS order."""
    m = r.marks or {}
    j = r.journal_cmp or {}
    return [r.participants, r.low_count, m.get(2), m.get(3), m.get(4), m.get(5),
            None if r.mean_score is None else round(float(r.mean_score), 4),
            _jsonable(r.score_hist), _jsonable(r.task_points), _jsonable(r.task_max),
            j.get("below"), j.get("equal"), j.get("above"), r.round_date, r.grade_written]


def _same(old: tuple, new: list) -> bool:
    """Stored values equal to the new ones (floats within 1e-9, JSON and dates compared as text)."""
    for a, b in zip(old, new):
        if a is None or b is None:
            if a is not b:
                return False
        elif isinstance(a, float) or isinstance(b, float):
            if abs(float(a) - float(b)) > 1e-9:
                return False
        elif str(a) != str(b):
            return False
    return True


def _preview_row(matcher: SchoolMatcher, sid: int, r: ResultRow, status: str) -> dict:
    return {"Школа": matcher.labels.get(sid, str(sid)), "Процедура": procedures.name_ru(r.procedure),
            "Учебный год": format_school_year(r.year), "Участников": r.participants,
            "Низкий результат, чел.": r.low_count,
            "Доля": round(r.low_count / r.participants, 4) if r.participants else None, "Изменение": status}


def _store_results(u, user: User, parsed: ParsedFile, rep: ImportReport, hints: Hints, matcher: SchoolMatcher,
                   terr: _Territories, batch_id: int, keys_of: _KeysOf) -> list[dict]:
    fname = parsed.file_name
    unmatched: dict[str, UnmatchedSchool] = {}
    resolved: list[tuple[ResultRow, int]] = []
    to_create: list[tuple[ResultRow, RowKeys, str | None]] = []   # (row, keys, territory name or None)
    # 1. every row sorted out — in the user's territory, left out, new school, unmatched — before any change
    in_place: dict[tuple, bool] = {}
    for r in parsed.results:
        keys = keys_of(r.school)
        tname = r.school.territory or hints.territory
        tid = terr.find(tname)
        sid, reason = matcher.resolve(keys, tid)
        if sid is not None and sid != NEW_SCHOOL:
            place = matcher.place(sid)
            if place not in in_place:
                in_place[place] = _in_place(user, *place)
            if not in_place[place]:
                _out_of_scope(rep, user, fname, r, matcher, sid, tid, terr)
            else:
                resolved.append((r, sid))
            continue
        if sid == NEW_SCHOOL or keys.login:      # a new school: from its login, or so mapped
            if tid is not None:
                if not may(user, Action.IMPORT, tid):
                    rep.out_of_scope += 1
                    continue
            elif tname:
                if not terr.may_create():
                    _left_out(rep, fname, r, _new_territory_refused(tname))
                    continue
            elif not terr.may_create():
                _left_out(rep, fname, r, f"школы {r.school.login or r.school.name or ''} нет в реестре, а территория "
                                         "в строке не указана")
                continue
            to_create.append((r, keys, tname))
            continue
        if user.bound and tname and (tid is None or not may(user, Action.IMPORT, tid)):
            rep.out_of_scope += 1   # a school of another territory (or of one not in the registry)
            continue
        u_ = unmatched.get(keys.mapping_key)
        if u_ is None:
            u_ = unmatched[keys.mapping_key] = UnmatchedSchool(
                keys.mapping_key, r.school.name, tname, r.school.exam_code or r.school.inn, [], reason,
                matcher.candidates(keys, tid))
        if r.source_row is not None:
            u_.rows.append(r.source_row)
    if unmatched:
        rep.unmatched = list(unmatched.values())
        for x in rep.unmatched:
            rows = ", ".join(str(n) for n in x.rows[:10]) + (" …" if len(x.rows) > 10 else "")
            rep.issues.append(Issue(ERROR, f"школа «{x.name or x.code}» ({x.territory or 'территория не указана'}) "
                                    f"не сопоставлена: {x.reason}. Сопоставьте её со школой реестра "
                                    f"(строки: {rows})", file=fname))
        raise _NeedsMapping()
    # 2. new schools (and, for an unbound user, their new territories)
    for r, keys, tname in to_create:
        sid, _ = matcher.resolve(keys, terr.find(tname))   # an earlier row of the file may have created it
        if sid is None or sid == NEW_SCHOOL:
            tid = terr.create(tname or NO_TERRITORY)
            ref = r.school
            sid = u.schools.create({"login_key": keys.login, "fisoko_login": ref.login.strip().lower() if ref.login
                                    else None, "inn": keys.inn, "ogrn": keys.ogrn, "exam_code_oge": keys.exam_code,
                                    "short_name": ref.name or ref.login or "Школа без наименования",
                                    "territory_id": tid}, batch_id)
            matcher.add(sid, keys, tid)
            matcher.labels[sid] = ref.name or (ref.login.strip() if ref.login else str(sid))  # as the file names it
            rep.new_schools.append(ref.name or ref.login or str(sid))
            who = " ".join(x for x in (ref.login, f"«{ref.name}»" if ref.name else None) if x)
            rep.issues.append(Issue(WARNING, f"школы {who} не было в реестре — она добавлена по логину ФИС ОКО "
                                    f"(территория: {tname or 'не указана'})",
                                    file=fname, sheet=r.source_sheet, row=r.source_row))
        resolved.append((r, sid))
    # 3. the results: checked for duplicates, compared with what is stored, replaced in three statements
    preview: list[dict] = []
    seen: set[tuple[int, str, int]] = set()
    incoming: list[tuple[tuple[int, str, int], ResultRow, list]] = []
    logins: dict[int, str] = {}
    for r, sid in sorted(resolved, key=lambda x: (x[0].source_row or 0)):
        key = (sid, r.procedure, r.year)
        if key in seen:
            rep.issues.append(Issue(ERROR, "в файле два результата одной школы по одной процедуре за один год "
                                    f"({procedures.name_ru(r.procedure)}, {format_school_year(r.year)})",
                                    file=fname, sheet=r.source_sheet, row=r.source_row))
            raise _Refused()
        seen.add(key)
        if r.school.login:
            logins[sid] = r.school.login
        incoming.append((key, r, _result_values(r)))
    u.schools.keep_edu_logins(logins)
    old_rows = u.results.existing([k for k, _, _ in incoming])
    rows = []
    for key, r, values in incoming:
        old = old_rows.get(key)
        status = "новый"
        if old is not None:
            if _same(old[:-1], values):
                rep.unchanged += 1
                preview.append(_preview_row(matcher, key[0], r, "без изменений"))
                continue
            rep.replaced += 1
            status = "замена"
        rows.append((key, values, old))
        rep.rows_stored += 1
        preview.append(_preview_row(matcher, key[0], r, status))
    u.results.replace_bulk(batch_id, rows)
    return preview


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------
def _registry_fields(g: RegistryRow, keys: RowKeys) -> dict:
    ref = g.school
    return {"fisoko_login": ref.login.strip().lower() if ref.login else None, "login_key": keys.login,
            "inn": keys.inn, "ogrn": keys.ogrn, "exam_code_oge": clean_code(g.exam_code_oge or ref.exam_code),
            "exam_code_ege": clean_code(g.exam_code_ege), "short_name": g.short_name or ref.name,
            "full_name": g.full_name, "school_type": g.school_type, "ownership": g.ownership,
            "is_shnsu": g.is_shnsu, "is_rural": g.is_rural, "active_from": g.active_from, "active_to": g.active_to}


@dataclass
class _RegistryPlan:
    row: RegistryRow
    keys: RowKeys
    sid: int | None                 # None: a new school
    tname: str
    tid: int | None                 # None: a new territory (an unbound user only)
    dname: str | None
    did: int | None                 # None with dname: a new district (an unbound user only)
    moves: bool = False


def _store_registry(u, user: User, parsed: ParsedFile, rep: ImportReport, hints: Hints, matcher: SchoolMatcher,
                    terr: _Territories, batch_id: int, keys_of: _KeysOf) -> list[dict]:
    fname = parsed.file_name
    plans: list[_RegistryPlan] = []
    # 1. every row sorted out before any change
    for g in parsed.registry:
        ref = g.school
        keys = keys_of(ref)
        tname = ref.territory or hints.territory
        if not tname:
            rep.issues.append(Issue(ERROR, "не указана территория школы", file=fname, sheet=g.source_sheet,
                                    row=g.source_row))
            raise _Refused()
        tid = terr.find(tname)
        did = terr.find(ref.district) if ref.district else None
        sid, _ = matcher.resolve(keys, tid)
        sid = None if sid == NEW_SCHOOL else sid
        moves = False
        if sid is not None:
            old_t, old_d = matcher.place(sid)
            if not _in_place(user, old_t, old_d):       # the school's own territory decides, not the file
                _out_of_scope(rep, user, fname, g, matcher, sid, tid, terr)
                continue
            moves = tid != old_t
            if moves and not may(user, Action.MOVE_SCHOOL, None):
                _left_out(rep, fname, g, f"строка переносит школу «{matcher.labels.get(sid)}» из территории "
                                         f"«{terr.label(old_t)}» в «{tname}», а переносить школы между территориями "
                                         "может только администратор всего региона")
                continue
            if not ref.district:
                did = old_d if not moves else None
        if tid is not None and not _in_place(user, tid, did):
            rep.out_of_scope += 1
            continue
        if tid is None or (ref.district and did is None):
            if not terr.may_create():
                _left_out(rep, fname, g, _new_territory_refused(tname if tid is None else ref.district))
                continue
        if sid is None and not _registry_fields(g, keys)["short_name"]:
            rep.issues.append(Issue(ERROR, "у новой школы нет наименования", file=fname, sheet=g.source_sheet,
                                    row=g.source_row))
            raise _Refused()
        plans.append(_RegistryPlan(g, keys, sid, tname, tid, ref.district, did if ref.district else None, moves))
    # 2. the changes
    preview: list[dict] = []
    snapshotted: set[int] = set()
    for p in plans:
        g = p.row
        tid = p.tid if p.tid is not None else terr.create(p.tname)
        did = None
        if p.dname:
            did = p.did if p.did is not None else terr.create(p.dname, kind="district", parent_id=tid)
        new = _registry_fields(g, p.keys) | {"territory_id": tid, "district_id": did}
        sid = p.sid
        if sid is None:
            sid, _ = matcher.resolve(p.keys, tid)     # an earlier row of the file may have created it
            sid = None if sid == NEW_SCHOOL else sid
        if sid is None:
            sid = u.schools.create(new, batch_id)
            u.schools.add_snapshot(batch_id, sid, None)
            snapshotted.add(sid)
            matcher.add(sid, p.keys, tid, did)
            rep.rows_stored += 1
            preview.append({"Школа": new["short_name"], "Территория": p.tname, "Изменение": "новая"})
            continue
        old = u.schools.registry_row(sid)
        if old["fisoko_login"] and new["fisoko_login"] and old["fisoko_login"].startswith("edu") \
                and new["fisoko_login"].startswith("sch"):
            new["fisoko_login"] = old["fisoko_login"]  # keep the latest known form
        changes = {k: v for k, v in new.items() if v is not None and v != old[k]}
        if old["territory_id"] != tid:
            changes["district_id"] = did      # a district of the old territory does not follow the school
        if not changes:
            rep.unchanged += 1
            continue
        if sid not in snapshotted:
            u.schools.add_snapshot(batch_id, sid, old)
            snapshotted.add(sid)
        u.schools.update(sid, changes)
        name = new["short_name"] or old["short_name"]
        if "territory_id" in changes:
            move = {"school_id": sid, "school": name, "from_territory_id": old["territory_id"],
                    "from_territory": terr.label(old["territory_id"]), "to_territory_id": tid,
                    "to_territory": terr.label(tid), "batch": batch_id}
            u.record(events.SCHOOL_MOVED, **move)
            rep.moved.append(f"«{name}»: из «{move['from_territory']}» в «{move['to_territory']}»")
            rep.issues.append(Issue(WARNING, f"школа «{name}» переносится из территории «{move['from_territory']}» "
                                    f"в «{move['to_territory']}»", file=fname, sheet=g.source_sheet,
                                    row=g.source_row))
        matcher.places[sid] = (tid, changes.get("district_id", old["district_id"]))
        rep.rows_stored += 1
        rep.replaced += 1
        preview.append({"Школа": name, "Территория": p.tname, "Изменение": "обновлена: " + ", ".join(changes)})
    return preview


# ---------------------------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------------------------
def _remember_mappings(u, user: User, matcher: SchoolMatcher, mappings: dict[str, int], parsed: ParsedFile,
                       terr: _Territories, hints: Hints, batch_id: int) -> None:
    """A methodist's mapping of a name/code to a school is kept, so the next file matches by itself."""
    refs = {mapping_key(r.school): r.school for r in parsed.results}
    refs.update({mapping_key(g.school): g.school for g in parsed.registry})
    for key, sid in mappings.items():
        ref = refs.get(key)
        if ref is None or sid in (None, NEW_SCHOOL) or not _in_place(user, *matcher.place(sid), Action.MAP_SCHOOL):
            continue
        code = clean_code(ref.exam_code) or clean_code(ref.inn)
        tid = terr.find(ref.territory or hints.territory)
        if code:
            u.schools.add_alias("code", code, None, sid, user.name)
        if ref.name:
            u.schools.add_alias("name", norm_name(ref.name), tid, sid, user.name)
        if code or ref.name:
            u.record(events.SCHOOL_MAPPED, key=key, school_id=sid, school=matcher.labels.get(sid), code=code,
                     name=ref.name, territory_id=tid, batch=batch_id)


# ---------------------------------------------------------------------------------------------
# A file of another region
# ---------------------------------------------------------------------------------------------
def _region_of_file(parsed: ParsedFile, refs: list[SchoolRef]) -> tuple[str | None, str | None]:
    """(region code, name) the file speaks of: its `Регион` cell, else most of its logins and territory codes."""
    code = regions.code_of_territory(parsed.region)
    if code:
        _, sep, label = (parsed.region or "").partition("|")
        return code, (label.strip() if sep and label.strip() else regions.name_of(code))
    code = regions.most_common(regions.code_of_login(r.login) or regions.code_of_territory(r.territory)
                               for r in refs)
    return code, regions.name_of(code)


def _regions_of_database(u, matcher: SchoolMatcher) -> tuple[set[str], str | None]:
    """(region codes, name) of the database: every region of its tree (the name of the root: the region, or the
    country of a national database), else the region of most of its schools' logins."""
    codes = u.territories.region_codes()
    name = u.territories.name(u.territories.root_id())
    if not codes:
        code = regions.most_common(regions.code_of_login(k) for k in matcher.by_login)
        return ({code} if code else set()), name or regions.name_of(code)
    return set(codes), name


def _foreign(u, parsed: ParsedFile, hints: Hints, matcher: SchoolMatcher, terr: _Territories,
             keys_of: _KeysOf) -> ForeignFile | None:
    """A file most of whose schools the database does not know, or of another region; None when it is not (or
    when the database has no schools yet: nothing to be foreign to). Schools the user mapped as new are the
    user's decision and not counted."""
    if not matcher.places:
        return None
    refs = [r.school for r in parsed.results] or [g.school for g in parsed.registry]
    known: dict[str, bool] = {}
    for ref in refs:
        keys = keys_of(ref)
        sid, _ = matcher.resolve(keys, terr.find(ref.territory or hints.territory))
        if sid == NEW_SCHOOL:
            continue
        ident = keys.login or keys.exam_code or keys.inn or keys.ogrn or keys.mapping_key
        known[ident] = known.get(ident, False) or sid is not None
    schools, unknown = len(known), sum(1 for k in known.values() if not k)
    file_code, file_name = _region_of_file(parsed, refs)
    db_codes, db_name = _regions_of_database(u, matcher)
    differs = bool(file_code and db_codes and file_code not in db_codes)
    sizeable = unknown >= FOREIGN_MIN_UNKNOWN and unknown * 100 >= FOREIGN_REGISTRY_PCT * len(matcher.places)
    if not schools or not (differs or (unknown * 2 > schools and sizeable)):
        return None
    return ForeignFile(schools, unknown, file_name, db_name, differs)


# ---------------------------------------------------------------------------------------------
# The use cases
# ---------------------------------------------------------------------------------------------
def import_file(store: Store, path: str | Path, user: User, file_name: str | None = None, hints: Hints | None = None,
                mappings: dict[str, int] | None = None, dry_run: bool = False,
                parsed: ParsedFile | None = None, confirm_foreign: bool = True) -> ImportReport:
    """Import one file as `user`. Raises Forbidden (Russian) when the user may not import (or map schools);
    never raises for bad input: the report says what happened, in Russian. A foreign file (`report.foreign`) is
    stored only with `confirm_foreign` (the upload page asks; the CLI stores it and warns)."""
    require(user, Action.IMPORT, user.territory_id)
    if mappings:
        require(user, Action.MAP_SCHOOL, user.territory_id)
    hints = hints or Hints()
    path = Path(path)
    file_name = file_name or path.name
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        rep = ImportReport(file_name=file_name, sha256="", status="refused")
        rep.issues.append(Issue(ERROR, too_large_message(size), file=file_name))
        return rep
    sha = sha256_of(path)
    rep = ImportReport(file_name=file_name, sha256=sha, status="refused")
    dup = store.imports.stored_batch_of(sha)
    if dup is not None:
        return _duplicate(rep, dup)
    if parsed is None:
        parsed = parse_in_child(path, file_name, hints, store.reference.mark_scales())
    rep.layout, rep.layout_ru = parsed.layout, parsed.layout_ru
    rep.procedure, rep.year = parsed.procedure, parsed.year
    rep.rows_read = parsed.rows_read
    rep.issues.extend(parsed.issues)
    if parsed.refused:
        return rep
    if parsed.pending:
        rep.status = "needs_input"
        rep.needs, rep.proposals = set(parsed.needs), dict(parsed.proposals)
        return rep
    try:
        with store.unit(user) as u:
            dup = u.imports.stored_batch_of(sha)      # again inside the unit: another user may have just saved it
            if dup is not None:
                raise _Duplicate(dup)
            batch_id = u.imports.create(file_name, sha, parsed.layout, parsed.procedure, parsed.year,
                                        parsed.rows_read, user.name)
            if not u.imports.claim_file(sha, batch_id):
                raise _Duplicate(u.imports.stored_batch_of(sha))
            matcher = SchoolMatcher(u.schools.match_records(), u.schools.aliases(), mappings)
            terr = _Territories(u, user, batch_id)
            keys_of = _KeysOf()
            rep.foreign = _foreign(u, parsed, hints, matcher, terr, keys_of)
            if rep.foreign is not None and not confirm_foreign and not dry_run:
                raise _NeedsConfirmation()
            store_rows = _store_registry if parsed.registry else _store_results
            preview = store_rows(u, user, parsed, rep, hints, matcher, terr, batch_id, keys_of)
            rep.new_territories = list(terr.created)
            if mappings:
                _remember_mappings(u, user, matcher, mappings, parsed, terr, hints, batch_id)
            if rep.out_of_scope:
                rep.issues.append(Issue(WARNING, f"строк вне вашей территории (или с изменениями, которые вам не "
                                                 f"разрешены): {rep.out_of_scope} — они не сохранены", file=file_name))
            rep.preview = pd.DataFrame(preview)
            foreign = rep.foreign.sentence_ru() if rep.foreign is not None else None
            u.imports.finish(batch_id, rep.rows_stored, ([f"файл другого региона или с новыми школами: {foreign}"]
                                                         if foreign else [])
                             + [i.text() for i in rep.issues if i.level != ERROR])
            u.record(events.IMPORT_STORED, batch=batch_id, file=file_name, sha256=sha, stored=rep.rows_stored,
                     replaced=rep.replaced, out_of_scope=rep.out_of_scope, new_schools=len(rep.new_schools),
                     moved=len(rep.moved), **({"foreign": foreign} if foreign else {}))
            if dry_run:
                raise _DryRun()
            rep.batch_id = batch_id
            rep.status = "stored"
    except _DryRun:
        rep.status = "preview"
    except _NeedsMapping:
        rep.status = "needs_mapping"
    except _NeedsConfirmation:
        rep.status = "needs_confirmation"
    except _Refused:
        rep.status = "refused"
    except _Duplicate as dup_:
        rep.moved, rep.new_schools, rep.new_territories, rep.preview = [], [], [], None
        return _duplicate(rep, dup_.batch_id)
    return rep


def _duplicate(rep: ImportReport, batch_id: int | None) -> ImportReport:
    rep.status = "duplicate"
    rep.batch_id = batch_id
    rep.issues = [Issue(WARNING, f"уже загружен — файл с таким же содержимым сохранён ранее (загрузка № {batch_id}), "
                                 "ничего не изменено", file=rep.file_name)]
    rep.rows_stored = rep.unchanged = rep.replaced = rep.out_of_scope = 0
    return rep


def undo_import(store: Store, batch_id: int, user: User) -> str:
    """Undo a stored import: its results are removed and the values it replaced come back; schools it changed
    are restored, schools it created and nothing uses are removed. Returns a Russian message.
    Raises UndoRefused (Russian) when there is nothing to undo, Forbidden when the user may not."""
    batch = store.imports.batch(batch_id)
    if batch is None:
        raise UndoRefused(f"Загрузка № {batch_id} не найдена.")
    require(user, Action.UNDO_IMPORT, user.territory_id, owner=_owner(batch))
    fname = batch["file_name"]
    with store.unit(user) as u:
        batch = u.imports.batch(batch_id)          # again inside the unit: another user may have just undone it
        if batch["status"] != "stored":
            raise UndoRefused(f"Загрузка № {batch_id} уже отменена.")
        removed, restored = u.results.undo(batch_id)
        # registry: restore changed schools, drop created ones that nothing refers to
        for sid, old in u.schools.snapshots(batch_id):
            if old is None:
                if not u.schools.has_results(sid):
                    u.schools.delete(sid)
                    removed += 1
            else:
                u.schools.update(sid, old)
                restored += 1
        u.schools.delete_created_unused(batch_id)      # schools created from logins, with no results left
        u.imports.mark_undone(batch_id, user.name)
        u.record(events.IMPORT_UNDONE, batch=batch_id, file=fname, removed=removed, restored=restored,
                 created_by=batch["created_by"] if isinstance(batch["created_by"], str) else None)
    return (f"Загрузка № {batch_id} ({fname}) отменена: удалено значений — {removed}, "
            f"восстановлено прежних — {restored}.")


def history(store: Store, user: User) -> pd.DataFrame:
    """The import batches the user may see, newest first: all of them for a user bound to no territory; for a
    bound user those that touched schools of their territory (and its districts) and their own."""
    require(user, Action.READ, user.territory_id)
    return store.imports.batches(scope=user.scope, user=user.name)


def may_undo(user: User, batch: dict) -> bool:
    """Whether to offer the undo of a stored batch to the user (the service decides again on undo)."""
    return batch.get("status") == "stored" and may(user, Action.UNDO_IMPORT, user.territory_id,
                                                   owner=_owner(batch))


def _owner(batch: dict) -> str:
    """Who made a batch; a batch of no known author is nobody's own (a bound user may not undo it)."""
    who = batch.get("created_by")
    return who if isinstance(who, str) and who else "неизвестный пользователь"
