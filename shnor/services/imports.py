"""Importing a file: parse (in a child process), match schools, store whole or not at all, undo.

    report = import_file(store, path, hints=Hints(procedure="VPR-MATH-5", year=2020), actor="ivanova")

Statuses: "stored", "duplicate" (an identical file is already stored: nothing changes), "refused" (errors:
nothing stored), "needs_mapping" (rows name schools that match none: nothing stored until the methodist
maps them once — the mapping is remembered), "preview" (dry run: everything checked, nothing kept).
Every change is in one transaction with an import batch and an audit record; replaced values are kept so
that an undo restores them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from shnor.domain import procedures
from shnor.store import Store
from shnor.domain.codes import login_key, norm_name
from shnor.domain.years import format_school_year
from shnor.importing.layouts.common import clean_code
from shnor.importing.model import ERROR, ROW_ERROR, WARNING, Hints, Issue, ParsedFile, RegistryRow, ResultRow, SchoolRef
from shnor.importing.sandbox import parse_in_child

NEW_SCHOOL = -1  # a mapping target meaning "create a new school from the row"


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
    out_of_scope: int = 0
    unmatched: list[UnmatchedSchool] = field(default_factory=list)
    preview: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("stored", "duplicate", "preview")

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    def summary_ru(self) -> str:
        if self.status == "duplicate":
            return f"{self.file_name}: уже загружен — ничего не изменено."
        if self.status == "refused":
            return f"{self.file_name}: файл отклонён, ничего не сохранено."
        if self.status == "needs_mapping":
            return (f"{self.file_name}: {len(self.unmatched)} школ(ы) не сопоставлены с реестром — "
                    "сопоставьте их, файл пока не сохранён.")
        what = f"{self.layout_ru}"
        if self.procedure:
            what += f", {procedures.name_ru(self.procedure)}"
        if self.year is not None:
            what += f", {format_school_year(self.year)}"
        verb = "будет сохранено" if self.status == "preview" else "сохранено"
        text = f"{self.file_name}: {what}; {verb} строк: {self.rows_stored}"
        if self.replaced:
            text += f", из них заменены прежние значения: {self.replaced}"
        if self.unchanged:
            text += f", без изменений: {self.unchanged}"
        if self.new_schools:
            text += f"; новых школ: {len(self.new_schools)}"
        if self.out_of_scope:
            text += f"; пропущено строк вне вашей территории: {self.out_of_scope}"
        return text + "."


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Refused(Exception):
    pass


class _NeedsMapping(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# School matching
# ---------------------------------------------------------------------------------------------
class SchoolMatcher:
    """Resolves SchoolRefs inside one transaction: login, exam code, ИНН, then name within the territory."""

    def __init__(self, store: Store, cur: duckdb.DuckDBPyConnection, mappings: dict[str, int] | None):
        self.store, self.cur = store, cur
        self.mappings = mappings or {}
        self._load()

    def _load(self) -> None:
        rows = self.cur.execute("SELECT id, login_key, exam_code_oge, exam_code_ege, inn, ogrn, short_name, "
                                "full_name, territory_id FROM schools").fetchall()
        self.by_login: dict[str, int] = {}
        self.by_code: dict[str, set[int]] = {}
        self.by_inn: dict[str, set[int]] = {}
        self.by_ogrn: dict[str, set[int]] = {}
        self.by_name: dict[tuple[str, int], set[int]] = {}
        self.labels: dict[int, str] = {}
        for sid, lk, oge, ege, inn, ogrn, short, full, tid in rows:
            if lk:
                self.by_login[lk] = sid
            for c in {oge, ege} - {None}:
                self.by_code.setdefault(c, set()).add(sid)
            if inn:
                self.by_inn.setdefault(inn, set()).add(sid)
            if ogrn:
                self.by_ogrn.setdefault(ogrn, set()).add(sid)
            for n in {norm_name(short), norm_name(full)} - {""}:
                self.by_name.setdefault((n, tid), set()).add(sid)
            self.labels[sid] = short
        for kind, value, tid, sid in self.cur.execute(
                "SELECT kind, value_norm, territory_id, school_id FROM school_aliases").fetchall():
            if kind == "code":
                self.by_code.setdefault(value, set()).add(sid)
            else:
                self.by_name.setdefault((value, tid), set()).add(sid)

    def add(self, sid: int, ref: SchoolRef, tid: int) -> None:
        lk = login_key(ref.login)
        if lk:
            self.by_login[lk] = sid
        if ref.name:
            self.by_name.setdefault((norm_name(ref.name), tid), set()).add(sid)
        self.labels[sid] = ref.name or ref.login or str(sid)

    @staticmethod
    def mapping_key(ref: SchoolRef) -> str:
        return " | ".join(x or "" for x in (ref.territory, clean_code(ref.exam_code) or clean_code(ref.inn),
                                             ref.name))

    def resolve(self, ref: SchoolRef, tid: int | None) -> tuple[int | None, str]:
        """(school id or None, reason in Russian when None)."""
        key = self.mapping_key(ref)
        if key in self.mappings:
            return self.mappings[key], ""
        lk = login_key(ref.login)
        if lk and lk in self.by_login:
            return self.by_login[lk], ""
        reasons = []
        for label, value, index in (("код ОО", clean_code(ref.exam_code), self.by_code),
                                    ("ИНН", clean_code(ref.inn), self.by_inn),
                                    ("ОГРН", clean_code(ref.ogrn), self.by_ogrn)):
            if not value:
                continue
            hits = index.get(value, set())
            if len(hits) == 1:
                return next(iter(hits)), ""
            if len(hits) > 1:
                reasons.append(f"{label} «{value}» есть у нескольких школ")
        n = norm_name(ref.name)
        if n:
            hits = self.by_name.get((n, tid), set()) if tid is not None else set()
            if len(hits) == 1:
                return next(iter(hits)), ""
            if len(hits) > 1:
                reasons.append("такое наименование есть у нескольких школ территории")
            else:
                reasons.append("школа с таким наименованием в территории не найдена")
        return None, "; ".join(reasons) or "в строке нет ни логина, ни кода, ни наименования школы"

    def candidates(self, ref: SchoolRef, tid: int | None, limit: int = 5) -> list[tuple[int, str]]:
        """Schools of the territory whose names share the most words with the row's name."""
        words = set(norm_name(ref.name).split())
        scored = []
        for (n, t), sids in self.by_name.items():
            if tid is not None and t != tid:
                continue
            common = len(words & set(n.split()))
            if common:
                for sid in sids:
                    scored.append((common, sid))
        seen, out = set(), []
        for _, sid in sorted(scored, reverse=True):
            if sid not in seen:
                seen.add(sid)
                out.append((sid, self.labels.get(sid, str(sid))))
            if len(out) >= limit:
                break
        return out


# ---------------------------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------------------------
_RESULT_COLS = ["participants", "low_count", "mark2", "mark3", "mark4", "mark5", "mean_score", "score_hist",
                "task_points", "task_max", "journal_below", "journal_equal", "journal_above", "round_date",
                "grade_written"]


def _jsonable(d: dict | None) -> str | None:
    return None if d is None else json.dumps({str(k): v for k, v in d.items()}, ensure_ascii=False, sort_keys=True)


def _result_values(r: ResultRow) -> list:
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


def _territory_for(store: Store, cur, text: str | None, hint: str | None, create: bool,
                   cache: dict | None = None) -> int | None:
    name = text or hint
    if not name:
        return None
    if cache is not None and (name, create) in cache:
        return cache[(name, create)]
    tid = store.territory_id(name, cur)
    if tid is None and create:
        tid = store.ensure_territory(cur, name)
    if cache is not None and tid is not None:
        cache[(name, create)] = tid
    return tid


def _school_places(cur) -> dict[int, tuple[int, int | None]]:
    return {sid: (t, d) for sid, t, d in cur.execute("SELECT id, territory_id, district_id FROM schools").fetchall()}


def _create_school(store: Store, cur, ref: SchoolRef, tid: int, batch_id: int | None) -> int:
    lk = login_key(ref.login)
    name = ref.name or (ref.login or "Школа без наименования")
    return cur.execute(
        "INSERT INTO schools (login_key, fisoko_login, inn, ogrn, exam_code_oge, short_name, territory_id, "
        "created_batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [lk, ref.login.strip().lower() if ref.login else None, clean_code(ref.inn), clean_code(ref.ogrn),
         clean_code(ref.exam_code), name, tid, batch_id]).fetchone()[0]


def _update_login_forms(cur, logins: dict[int, str]) -> None:
    """Keep the latest known form of a login: edu… once seen."""
    edu = [(lg.strip().lower(), sid) for sid, lg in logins.items() if lg and lg.strip().lower().startswith("edu")]
    if edu:
        cur.executemany("UPDATE schools SET fisoko_login = ? WHERE id = ? AND (fisoko_login IS NULL OR "
                        "fisoko_login LIKE 'sch%')", edu)


def _store_results(store: Store, cur, parsed: ParsedFile, rep: ImportReport, hints: Hints,
                   matcher: SchoolMatcher, scope_ids: set[int] | None, batch_id: int) -> list[dict]:
    preview = []
    unmatched: dict[str, UnmatchedSchool] = {}
    resolved: list[tuple[ResultRow, int]] = []
    tcache: dict = {}
    for r in parsed.results:
        tid = _territory_for(store, cur, r.school.territory, hints.territory, create=bool(r.school.login),
                             cache=tcache)
        sid, reason = matcher.resolve(r.school, tid)
        if sid == NEW_SCHOOL or (sid is None and login_key(r.school.login)):
            if tid is None:
                tid = _territory_for(store, cur, None, hints.territory, create=True) or store.ensure_territory(
                    cur, "Территория не указана")
            sid = _create_school(store, cur, r.school, tid, batch_id)
            matcher.add(sid, r.school, tid)
            rep.new_schools.append(r.school.name or r.school.login or str(sid))
            who = " ".join(x for x in (r.school.login, f"«{r.school.name}»" if r.school.name else None) if x)
            rep.issues.append(Issue(WARNING, f"школы {who} не было в реестре — она добавлена по логину ФИС ОКО "
                                    f"(территория: {r.school.territory or hints.territory or 'не указана'})",
                                    file=parsed.file_name, sheet=r.source_sheet, row=r.source_row))
        if sid is None:
            key = matcher.mapping_key(r.school)
            u = unmatched.get(key)
            if u is None:
                u = unmatched[key] = UnmatchedSchool(key, r.school.name, r.school.territory or hints.territory,
                                                     r.school.exam_code or r.school.inn, [], reason,
                                                     matcher.candidates(r.school, tid))
            if r.source_row is not None:
                u.rows.append(r.source_row)
            continue
        resolved.append((r, sid))
    if unmatched:
        rep.unmatched = list(unmatched.values())
        for u in rep.unmatched:
            rows = ", ".join(str(x) for x in u.rows[:10]) + (" …" if len(u.rows) > 10 else "")
            rep.issues.append(Issue(ERROR, f"школа «{u.name or u.code}» ({u.territory or 'территория не указана'}) "
                                    f"не сопоставлена: {u.reason}. Сопоставьте её со школой реестра "
                                    f"(строки: {rows})", file=parsed.file_name))
        raise _NeedsMapping()
    places = _school_places(cur) if scope_ids is not None else {}
    seen: set[tuple[int, str, int]] = set()
    incoming: list[tuple[tuple[int, str, int], ResultRow, list]] = []
    logins: dict[int, str] = {}
    for r, sid in resolved:
        if scope_ids is not None and not set(places.get(sid, ())) & scope_ids:
            rep.out_of_scope += 1
            continue
        key = (sid, r.procedure, r.year)
        if key in seen:
            rep.issues.append(Issue(ERROR, "в файле два результата одной школы по одной процедуре за один год "
                                    f"({procedures.name_ru(r.procedure)}, {format_school_year(r.year)})",
                                    file=parsed.file_name, sheet=r.source_sheet, row=r.source_row))
            raise _Refused()
        seen.add(key)
        if r.school.login:
            logins[sid] = r.school.login
        incoming.append((key, r, _result_values(r)))
    _update_login_forms(cur, logins)
    old_rows = _existing_results(cur, [k for k, _, _ in incoming])
    replacements, inserts = [], []
    for key, r, values in incoming:
        old = old_rows.get(key)
        status = "новый"
        if old is not None:
            if _same(old[:-1], values):
                rep.unchanged += 1
                preview.append(_preview_row(matcher, key[0], r, "без изменений"))
                continue
            replacements.append((batch_id, *key, json.dumps(dict(zip(_RESULT_COLS + ["batch_id"], old)), default=str)))
            rep.replaced += 1
            status = "замена"
        else:
            replacements.append((batch_id, *key, None))
        inserts.append((*key, *values, batch_id))
        rep.rows_stored += 1
        preview.append(_preview_row(matcher, key[0], r, status))
    _bulk_replace(cur, replacements, inserts)
    return preview


_KEY_SCHEMA = pa.schema([("school_id", pa.int32()), ("procedure", pa.string()), ("year", pa.int32())])
_RESULT_SCHEMA = pa.schema(list(_KEY_SCHEMA) + [
    ("participants", pa.int32()), ("low_count", pa.int32()), ("mark2", pa.int32()), ("mark3", pa.int32()),
    ("mark4", pa.int32()), ("mark5", pa.int32()), ("mean_score", pa.float64()), ("score_hist", pa.string()),
    ("task_points", pa.string()), ("task_max", pa.string()), ("journal_below", pa.int32()),
    ("journal_equal", pa.int32()), ("journal_above", pa.int32()), ("round_date", pa.string()),
    ("grade_written", pa.int32()), ("batch_id", pa.int32())])
_REPL_SCHEMA = pa.schema([("batch_id", pa.int32())] + list(_KEY_SCHEMA) + [("old_row", pa.string())])


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    cols = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.table([pa.array(list(c), type=f.type) for c, f in zip(cols, schema)], schema=schema)


def _existing_results(cur, keys: list[tuple[int, str, int]]) -> dict[tuple, tuple]:
    """Stored values of the file's (school, procedure, year) keys, in one query."""
    if not keys:
        return {}
    cur.register("incoming_keys", _table(keys, _KEY_SCHEMA))
    try:
        rows = cur.execute(f"SELECT r.school_id, r.procedure, r.year, {', '.join('r.' + c for c in _RESULT_COLS)}, "
                           "r.batch_id FROM results r JOIN incoming_keys k USING (school_id, procedure, year)"
                           ).fetchall()
    finally:
        cur.unregister("incoming_keys")
    return {tuple(row[:3]): tuple(row[3:]) for row in rows}


def _bulk_replace(cur, replacements: list[tuple], inserts: list[tuple]) -> None:
    """Record what is replaced, remove it, insert the new values: three set-based statements."""
    if not inserts:
        return
    cur.register("repl", _table(replacements, _REPL_SCHEMA))
    cur.register("new_rows", _table(inserts, _RESULT_SCHEMA))
    try:
        cur.execute("INSERT INTO result_replacements (batch_id, school_id, procedure, year, old_row) "
                    "SELECT batch_id, school_id, procedure, year, old_row FROM repl")
        cur.execute("DELETE FROM results WHERE (school_id, procedure, year) IN "
                    "(SELECT (school_id, procedure, year) FROM new_rows)")
        cols = ", ".join(f.name for f in _RESULT_SCHEMA)
        cur.execute(f"INSERT INTO results ({cols}) SELECT {cols} FROM new_rows")
    finally:
        cur.unregister("repl")
        cur.unregister("new_rows")


def _preview_row(matcher: SchoolMatcher, sid: int, r: ResultRow, status: str) -> dict:
    return {"Школа": matcher.labels.get(sid, str(sid)), "Процедура": procedures.name_ru(r.procedure),
            "Учебный год": format_school_year(r.year), "Участников": r.participants,
            "Низкий результат, чел.": r.low_count,
            "Доля": round(r.low_count / r.participants, 4) if r.participants else None, "Изменение": status}


_REG_FIELDS = ["fisoko_login", "login_key", "inn", "ogrn", "exam_code_oge", "exam_code_ege", "short_name",
               "full_name", "territory_id", "district_id", "school_type", "ownership", "is_shnsu", "is_rural",
               "active_from", "active_to"]


def _store_registry(store: Store, cur, parsed: ParsedFile, rep: ImportReport, hints: Hints,
                    matcher: SchoolMatcher, scope_ids: set[int] | None, batch_id: int) -> list[dict]:
    preview = []
    tcache: dict = {}
    for g in parsed.registry:
        ref = g.school
        tid = _territory_for(store, cur, ref.territory, hints.territory, create=True, cache=tcache)
        if tid is None:
            rep.issues.append(Issue(ERROR, "не указана территория школы", file=parsed.file_name,
                                    sheet=g.source_sheet, row=g.source_row))
            raise _Refused()
        did = None
        if ref.district:
            did = store.ensure_territory(cur, ref.district, kind="district", parent_id=tid)
        if scope_ids is not None and tid not in scope_ids and did not in scope_ids:
            rep.out_of_scope += 1
            continue
        new = {"fisoko_login": ref.login.strip().lower() if ref.login else None, "login_key": login_key(ref.login),
               "inn": clean_code(ref.inn), "ogrn": clean_code(ref.ogrn),
               "exam_code_oge": clean_code(g.exam_code_oge or ref.exam_code),
               "exam_code_ege": clean_code(g.exam_code_ege), "short_name": g.short_name or ref.name,
               "full_name": g.full_name, "territory_id": tid, "district_id": did, "school_type": g.school_type,
               "ownership": g.ownership, "is_shnsu": g.is_shnsu, "is_rural": g.is_rural,
               "active_from": g.active_from, "active_to": g.active_to}
        sid, _ = matcher.resolve(ref, tid)
        if sid is None or sid == NEW_SCHOOL:
            if not new["short_name"]:
                rep.issues.append(Issue(ERROR, "у новой школы нет наименования", file=parsed.file_name,
                                        sheet=g.source_sheet, row=g.source_row))
                raise _Refused()
            cols = [k for k, v in new.items() if v is not None]
            sid = cur.execute(f"INSERT INTO schools ({', '.join(cols)}, created_batch) VALUES "
                              f"({', '.join('?' * len(cols))}, ?) RETURNING id",
                              [new[c] for c in cols] + [batch_id]).fetchone()[0]
            cur.execute("INSERT INTO school_snapshots (batch_id, school_id, old_row) VALUES (?, ?, NULL)",
                        [batch_id, sid])
            matcher.add(sid, ref, tid)
            rep.rows_stored += 1
            preview.append({"Школа": new["short_name"], "Территория": ref.territory, "Изменение": "новая"})
            continue
        old = dict(zip(_REG_FIELDS, cur.execute(f"SELECT {', '.join(_REG_FIELDS)} FROM schools WHERE id = ?",
                                                [sid]).fetchone()))
        if old["fisoko_login"] and new["fisoko_login"] and old["fisoko_login"].startswith("edu") \
                and new["fisoko_login"].startswith("sch"):
            new["fisoko_login"] = old["fisoko_login"]  # keep the latest known form
        changes = {k: v for k, v in new.items() if v is not None and v != old[k]}
        if not changes:
            rep.unchanged += 1
            continue
        cur.execute("INSERT INTO school_snapshots (batch_id, school_id, old_row) VALUES (?, ?, ?)",
                    [batch_id, sid, json.dumps(old, default=str)])
        cur.execute(f"UPDATE schools SET {', '.join(k + ' = ?' for k in changes)} WHERE id = ?",
                    list(changes.values()) + [sid])
        rep.rows_stored += 1
        rep.replaced += 1
        preview.append({"Школа": new["short_name"] or old["short_name"], "Территория": ref.territory,
                        "Изменение": "обновлена: " + ", ".join(changes)})
    return preview


def import_file(store: Store, path: str | Path, file_name: str | None = None, hints: Hints | None = None,
                actor: str | None = None, scope_territory_id: int | None = None,
                mappings: dict[str, int] | None = None, dry_run: bool = False,
                parsed: ParsedFile | None = None) -> ImportReport:
    """Import one file. Never raises for bad input: the report says what happened, in Russian."""
    hints = hints or Hints()
    path = Path(path)
    file_name = file_name or path.name
    sha = sha256_of(path)
    rep = ImportReport(file_name=file_name, sha256=sha, status="refused")
    dup = store.imports.stored_batch_of(sha)
    if dup is not None:
        rep.status = "duplicate"
        rep.batch_id = dup
        rep.issues.append(Issue(WARNING, "уже загружен — файл с таким же содержимым сохранён ранее, ничего не "
                                         "изменено", file=file_name))
        return rep
    if parsed is None:
        parsed = parse_in_child(path, file_name, hints, store.reference.mark_scales())
    rep.layout, rep.layout_ru = parsed.layout, parsed.layout_ru
    rep.procedure, rep.year = parsed.procedure, parsed.year
    rep.rows_read = parsed.rows_read
    rep.issues.extend(parsed.issues)
    if parsed.refused:
        return rep
    scope_ids = None
    if scope_territory_id is not None:
        ids = store.territories.subtree(scope_territory_id)
        scope_ids = set(ids) if ids is not None else None
    try:
        with store.transaction() as cur:
            batch_id = cur.execute(
                "INSERT INTO import_batches (file_name, sha256, layout, procedure, year, rows_read, status, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?, 'stored', ?) RETURNING id",
                [file_name, sha, parsed.layout, parsed.procedure, parsed.year, parsed.rows_read, actor]).fetchone()[0]
            matcher = SchoolMatcher(store, cur, mappings)
            if parsed.registry:
                preview = _store_registry(store, cur, parsed, rep, hints, matcher, scope_ids, batch_id)
            else:
                preview = _store_results(store, cur, parsed, rep, hints, matcher, scope_ids, batch_id)
            if mappings:
                _remember_mappings(cur, matcher, mappings, parsed, store, hints, actor)
            if rep.out_of_scope:
                rep.issues.append(Issue(WARNING, f"строк вне вашей территории: {rep.out_of_scope} — они не сохранены",
                                        file=file_name))
            rep.preview = pd.DataFrame(preview)
            cur.execute("UPDATE import_batches SET rows_stored = ?, report = ? WHERE id = ?",
                        [rep.rows_stored, json.dumps([i.text() for i in rep.issues if i.level != ERROR],
                                                     ensure_ascii=False), batch_id])
            store.legacy_audit(cur, actor, "import", {"batch": batch_id, "file": file_name, "sha256": sha,
                                               "stored": rep.rows_stored, "replaced": rep.replaced})
            if dry_run:
                raise _DryRun()
            rep.batch_id = batch_id
            rep.status = "stored"
    except _DryRun:
        rep.status = "preview"
    except _NeedsMapping:
        rep.status = "needs_mapping"
    except _Refused:
        rep.status = "refused"
    return rep


class _DryRun(Exception):
    pass


def _remember_mappings(cur, matcher: SchoolMatcher, mappings: dict[str, int], parsed: ParsedFile,
                       store: Store, hints: Hints, actor: str | None) -> None:
    """A methodist's mapping of a name/code to a school is kept, so the next file matches by itself."""
    refs = {matcher.mapping_key(r.school): r.school for r in parsed.results}
    refs.update({matcher.mapping_key(g.school): g.school for g in parsed.registry})
    for key, sid in mappings.items():
        ref = refs.get(key)
        if ref is None or sid in (None, NEW_SCHOOL):
            continue
        code = clean_code(ref.exam_code) or clean_code(ref.inn)
        if code:
            cur.execute("INSERT INTO school_aliases (kind, value_norm, territory_id, school_id, created_by) "
                        "VALUES ('code', ?, NULL, ?, ?)", [code, sid, actor])
        if ref.name:
            tid = store.territory_id(ref.territory or hints.territory, cur)
            cur.execute("INSERT INTO school_aliases (kind, value_norm, territory_id, school_id, created_by) "
                        "VALUES ('name', ?, ?, ?, ?)", [norm_name(ref.name), tid, sid, actor])


def undo_import(store: Store, batch_id: int, actor: str | None = None) -> str:
    """Undo a stored import: its results are removed and the values it replaced come back.
    Returns a Russian message. Raises ValueError (Russian) when there is nothing to undo."""
    row = store.df("SELECT file_name, status FROM import_batches WHERE id = ?", [batch_id])
    if row.empty:
        raise ValueError(f"Загрузка № {batch_id} не найдена.")
    if row.iloc[0]["status"] != "stored":
        raise ValueError(f"Загрузка № {batch_id} уже отменена.")
    fname = row.iloc[0]["file_name"]
    removed = restored = 0
    with store.transaction() as cur:
        owned = cur.execute("SELECT school_id, procedure, year FROM results WHERE batch_id = ?", [batch_id]).fetchall()
        for key in owned:
            cur.execute("DELETE FROM results WHERE school_id = ? AND procedure = ? AND year = ?", list(key))
            old = _restorable(cur, batch_id, key)
            if old is not None:
                cols = _RESULT_COLS + ["batch_id"]
                cur.execute(f"INSERT INTO results (school_id, procedure, year, {', '.join(cols)}) VALUES "
                            f"(?, ?, ?, {', '.join('?' * len(cols))})", [*key, *[old[c] for c in cols]])
                restored += 1
            else:
                removed += 1
        # registry: restore changed schools, drop created ones that nothing refers to
        for sid, old_json in cur.execute("SELECT school_id, old_row FROM school_snapshots WHERE batch_id = ? "
                                         "ORDER BY rowid DESC", [batch_id]).fetchall():
            if old_json is None:
                used = cur.execute("SELECT count(*) FROM results WHERE school_id = ?", [sid]).fetchone()[0]
                if not used:
                    cur.execute("DELETE FROM schools WHERE id = ?", [sid])
                    removed += 1
            else:
                old = json.loads(old_json)
                cur.execute(f"UPDATE schools SET {', '.join(k + ' = ?' for k in old)} WHERE id = ?",
                            list(old.values()) + [sid])
                restored += 1
        # schools this batch created from logins, with no results left
        cur.execute("DELETE FROM schools WHERE created_batch = ? AND id NOT IN (SELECT school_id FROM results) "
                    "AND id NOT IN (SELECT school_id FROM school_snapshots WHERE batch_id = ?)", [batch_id, batch_id])
        cur.execute("UPDATE import_batches SET status = 'undone', undone_at = current_timestamp, undone_by = ? "
                    "WHERE id = ?", [actor, batch_id])
        store.legacy_audit(cur, actor, "undo_import", {"batch": batch_id, "file": fname, "removed": removed,
                                                "restored": restored})
    return (f"Загрузка № {batch_id} ({fname}) отменена: удалено значений — {removed}, "
            f"восстановлено прежних — {restored}.")


def _restorable(cur, batch_id: int, key: tuple) -> dict | None:
    """The value a batch replaced, skipping values of batches that were undone since."""
    current = batch_id
    for _ in range(1000):
        rec = cur.execute("SELECT old_row FROM result_replacements WHERE batch_id = ? AND school_id = ? AND "
                          "procedure = ? AND year = ? ORDER BY replaced_at DESC LIMIT 1", [current, *key]).fetchone()
        if rec is None or rec[0] is None:
            return None
        old = json.loads(rec[0])
        status = cur.execute("SELECT status FROM import_batches WHERE id = ?", [old["batch_id"]]).fetchone()
        if status and status[0] == "stored":
            return old
        current = old["batch_id"]
    return None
