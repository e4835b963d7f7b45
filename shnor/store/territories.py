"""Territories: region → municipality → district (and pseudo-units of the region), with aliases."""
from __future__ import annotations

import pandas as pd

from shnor.domain import regions
from shnor.domain.codes import norm_name
from shnor.store import dialect


class TerritoryRepo:
    def __init__(self, sql):
        self.sql = sql

    def list(self) -> pd.DataFrame:
        return self.sql.df("SELECT t.*, p.name AS parent_name FROM territories t "
                           "LEFT JOIN territories p ON p.id = t.parent_id ORDER BY t.kind = 'region' DESC, t.name")

    def name(self, territory_id: int | None) -> str | None:
        if territory_id is None:
            return None
        return self.sql.scalar("SELECT name FROM territories WHERE id = ?", [int(territory_id)])

    def exists(self, territory_id: int) -> bool:
        return bool(self.sql.scalar("SELECT count(*) FROM territories WHERE id = ?", [int(territory_id)]))

    def find(self, name: str | None) -> int | None:
        """A territory by name, short name, code or remembered alias (normalised); `code | name` accepted."""
        return self.finder().find(name) if name else None

    def finder(self) -> "TerritoryFinder":
        """Every territory's code, alias and names read once: for a file naming 2 000 territories."""
        return TerritoryFinder(self.sql.rows("SELECT id, name, short_name, code FROM territories ORDER BY id"),
                               self.sql.rows("SELECT alias_norm, territory_id FROM territory_aliases"))

    def split_name(self, name: str, code: str | None = None) -> tuple[str, str | None]:
        return split_name(name, code)

    def find_or_none(self, name: str, code: str | None = None) -> int | None:
        return self.finder().find_or_none(name, code)

    def add(self, name: str, kind: str = "municipality", parent_id: int | None = None, code: str | None = None,
            short_name: str | None = None) -> int:
        """A new territory (a write: inside a unit). The parent defaults to the root."""
        raw, code = self.split_name(name, code)
        if parent_id is None and kind != "region":
            parent_id = self.root_id()
        tid = self.sql.run("INSERT INTO territories (name, short_name, kind, parent_id, code) VALUES (?, ?, ?, ?, ?) "
                           "RETURNING id", [raw, short_name, kind, parent_id, code])[0][0]
        self.sql.run(dialect.upsert("territory_aliases", ["alias_norm", "territory_id"], ["alias_norm"]),
                     [norm_name(raw), tid])
        return tid

    def ensure(self, name: str, kind: str = "municipality", parent_id: int | None = None, code: str | None = None,
               short_name: str | None = None) -> int:
        return self.find_or_none(name, code) or self.add(name, kind, parent_id, code, short_name)

    def root_id(self) -> int | None:
        """The tree's root: the country in a national database, else its one region. A user bound to it sees
        everything, as one bound to none."""
        row = self.sql.one("SELECT id FROM territories WHERE kind IN ('country', 'region') "
                           "ORDER BY kind = 'country' DESC, id LIMIT 1")
        return row[0] if row else None

    def kind(self, territory_id: int | None) -> str | None:
        """country / region / municipality / district (None for no territory)."""
        if territory_id is None:
            return None
        return self.sql.scalar("SELECT kind FROM territories WHERE id = ?", [int(territory_id)])

    def title(self, territory_id: int | None) -> str:
        """A territory's name for a heading; the root or no territory: «весь регион (Алтайский край)», or «вся
        страна (Российская Федерация)» in a national database."""
        root = self.root_id()
        if territory_id is not None and territory_id != root:
            return self.name(territory_id) or f"территория {territory_id}"
        if root is None:
            return "весь регион"
        return f"{'вся страна' if self.kind(root) == 'country' else 'весь регион'} ({self.name(root)})"

    def region_codes(self) -> dict[str, str]:
        """{region code: name} of every region of the tree (a national database has 85)."""
        out: dict[str, str] = {}
        for name, code in self.sql.rows("SELECT name, code FROM territories WHERE kind = 'region' ORDER BY id"):
            c = regions.code_of_territory(code if isinstance(code, str) else None) or regions.code_of_territory(name)
            if c:
                out.setdefault(c, str(name))
        return out

    def subtree(self, territory_id: int | None) -> list[int] | None:
        """Ids of a territory and everything below it; None means the whole tree (the root or no territory)."""
        if territory_id is None or territory_id == self.root_id():
            return None
        rows = self.sql.rows("WITH RECURSIVE t(id) AS (SELECT ?::INTEGER UNION ALL "
                             "SELECT c.id FROM territories c JOIN t ON c.parent_id = t.id) SELECT id FROM t",
                             [int(territory_id)])
        return [int(r[0]) for r in rows]

    def filter_schools(self, territory_id: int | None, where: list[str], params: list, alias: str = "s") -> None:
        """Restrict `alias` (schools) to a territory and everything below it (districts); nothing for the root."""
        ids = self.subtree(territory_id)
        if ids is not None:
            marks = ",".join("?" * len(ids))
            where.append(f"({alias}.territory_id IN ({marks}) OR {alias}.district_id IN ({marks}))")
            params += ids + ids


def split_name(name: str, code: str | None = None) -> tuple[str, str | None]:
    """(name, code) of «reg22_m067 | город Славгород» or a plain name."""
    raw = str(name).strip()
    fcode, _, label = raw.partition(" | ")
    if label:
        return label.strip(), code or fcode.strip()
    return raw, code


class TerritoryFinder:
    """Territories by code (any case), remembered alias or name / short name (normalised), from rows read once."""

    def __init__(self, territories, aliases):
        self._code: dict[str, int] = {}
        self._alias: dict[str, int] = {}
        self._name: dict[str, int] = {}
        for tid, name, short, code in territories:
            if code:
                self._code.setdefault(str(code).strip().lower(), int(tid))
            for n in (norm_name(name), norm_name(short)):
                if n:
                    self._name.setdefault(n, int(tid))
        for alias, tid in aliases:
            self._alias.setdefault(alias, int(tid))

    def find(self, name: str | None) -> int | None:
        if not name:
            return None
        raw = str(name).strip()
        code, _, label = raw.partition(" | ")
        for candidate in ([label, code] if label else [raw]):
            n = norm_name(candidate)
            hit = self._code.get(candidate.strip().lower()) or self._alias.get(n) or (self._name.get(n) if n else None)
            if hit:
                return hit
        return None

    def find_or_none(self, name: str, code: str | None = None) -> int | None:
        raw, code = split_name(name, code)
        return self.find(raw) or (self.find(code) if code else None)
