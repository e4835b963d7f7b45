"""TRANSITIONAL (being removed in this change): the old Store API with raw cursors, kept only while the
services move to units of work. Nothing new may call it; the file goes when its last caller does."""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

from shnor.domain.codes import norm_name
from shnor.domain import events as ev
from shnor.store import dialect


class LegacyStoreAPI:
    def df(self, sql: str, params: list | None = None):
        return self.sql.df(sql, params)

    def scalar(self, sql: str, params: list | None = None) -> Any:
        return self.sql.scalar(sql, params)

    def cursor(self):
        return self.conn.cursor()

    @contextmanager
    def transaction(self) -> Iterator:
        with self._write_lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def legacy_audit(self, cur, actor: str | None, action: str, detail: dict) -> None:
        cur.execute("INSERT INTO audit_log (actor, action, detail, changes_data) VALUES (?, ?, ?, ?)",
                    [actor, action, json.dumps(detail, ensure_ascii=False, default=str), ev.kind(action).changes_data])

    def _terr(self, cur):
        from shnor.store.db import Sql
        from shnor.store.territories import TerritoryRepo
        return self.territories if cur is None else TerritoryRepo(Sql(self.conn, cur))

    def territory_id(self, name, cur=None):
        return self._terr(cur).find(name)

    def ensure_territory(self, cur, name: str, kind: str = "municipality", parent_id: int | None = None,
                         code: str | None = None, short_name: str | None = None) -> int:
        raw = str(name).strip()
        fcode, _, label = raw.partition(" | ")
        if label:
            code, raw = code or fcode.strip(), label.strip()
        repo = self._terr(cur)
        tid = repo.find(raw) or (repo.find(code) if code else None)
        if tid:
            return tid
        if parent_id is None and kind != "region":
            row = cur.execute("SELECT id FROM territories WHERE kind = 'region' ORDER BY id LIMIT 1").fetchone()
            parent_id = row[0] if row else None
        tid = cur.execute("INSERT INTO territories (name, short_name, kind, parent_id, code) VALUES (?, ?, ?, ?, ?) "
                          "RETURNING id", [raw, short_name, kind, parent_id, code]).fetchone()[0]
        cur.execute(dialect.upsert("territory_aliases", ["alias_norm", "territory_id"], ["alias_norm"]),
                    [norm_name(raw), tid])
        return tid

    def set_target(self, territory_id, year, share, actor=None, cur=None) -> None:
        with self.unit(actor) as u:
            u.targets.set(territory_id, year, share)
            u.record(ev.TARGET_SET, territory_id=territory_id, year=year, share=share)

    def set_setting(self, key, value, actor=None) -> None:
        with self.unit(actor) as u:
            u.settings.set(key, value, actor)
            u.record(ev.SETTING_CHANGED, key=key, value=value)

    def set_mark_scale(self, scale, actor=None) -> None:
        with self.unit(actor) as u:
            u.reference.set_mark_scale(scale)
            u.record(ev.SCALE_SET, procedure=scale.procedure, year=scale.year, bounds=scale.bounds)

    THRESHOLD_KINDS = ("min_test_score", "min_primary_score", "mark2", "geometry_min")

    def set_exam_threshold(self, procedure, year, kind, value, max_value, note=None, actor=None) -> None:
        from shnor.domain import procedures
        if procedures.get(procedure).kind not in ("OGE", "EGE"):
            raise ValueError("Пороги задаются только для ОГЭ и ЕГЭ.")
        if kind not in self.THRESHOLD_KINDS:
            raise ValueError(f"Неизвестный вид порога «{kind}».")
        if value < 0 or (max_value is not None and not 0 < value <= max_value):
            raise ValueError("Порог должен быть положительным и не больше максимума.")
        with self.unit(actor) as u:
            u.reference.set_exam_threshold(procedure, year, kind, value, max_value, note)
            u.record(ev.THRESHOLD_SET, procedure=procedure, year=year, kind=kind, value=value, max_value=max_value)

    def record_run(self, year, territory_id, settings, shnor_count, school_count, actor=None) -> int:
        with self.unit(actor) as u:
            rid = u.lists.record_run(year, territory_id, settings, shnor_count, school_count, actor)
            u.record(ev.IDENTIFICATION_RUN, run=rid, year=year, territory_id=territory_id)
        return rid
