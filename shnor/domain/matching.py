"""Matching a row of a file to a school of the registry. Pure: the repository loads the rows, this decides.

    matcher = SchoolMatcher(store.schools.match_records(), store.schools.aliases(), mappings)
    sid, reason = matcher.resolve(RowKeys(login="S420001", name="МБОУ «СОШ № 1»", mapping_key=...), territory_id)

Order: a mapping the methodist chose, the ФИС ОКО login, the exam code, ИНН, ОГРН (each only when it names
exactly one school), then the name within the territory (`NameIndex`; for imports the ownership form of a
name must agree: МБОУ and МКОУ «Моховская СОШ» are two schools). `NameIndex` is the one "school by
name within a territory" of the product: the import service and the region-list comparison both use it.
No database, files or Streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from shnor.domain.codes import norm_name

NEW_SCHOOL = -1  # a mapping target meaning "create a new school from the row"

# ownership forms written before a school's name («МБОУ «СОШ № 1»»): dropped as a last resort
OWNERSHIP = frozenset({"мбоу", "маоу", "мкоу", "моу", "мбнои", "мбоуо", "гбоу", "гоу", "гкоу", "гаоу", "ноу", "чоу",
                       "оу", "мбо", "мао", "мку", "аноо", "чу", "гпоу"})
ABBREVIATIONS = {"сош": "средняя общеобразовательная школа", "оош": "основная общеобразовательная школа",
                 "нош": "начальная общеобразовательная школа", "го": "городской округ", "мр": "муниципальный район",
                 "мо": "муниципальный округ"}


def expand(norm: str) -> str:
    """A normalised name with СОШ/ООШ/НОШ (and ГО/МР/МО of territories) spelled out."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in norm.split())


def name_keys(name: str | None, without_ownership: bool = True) -> list[str]:
    """Keys of a name from the most to the least literal: normalised (case, ё, quotes, spaces); abbreviations
    spelled out; without the ownership form (only when `without_ownership`)."""
    n = norm_name(name)
    if not n:
        return []
    e = expand(n)
    words = e.split()
    bare = " ".join(words[1:]) if without_ownership and len(words) > 1 and words[0] in OWNERSHIP else e
    out: list[str] = []
    for k in (n, e, bare):
        if k and k not in out:
            out.append(k)
    return out


@dataclass(frozen=True)
class SchoolRecord:
    """A school of the registry as matching needs it (shnor/store/schools.py `match_records`)."""
    id: int
    login_key: str | None = None
    exam_code_oge: str | None = None
    exam_code_ege: str | None = None
    inn: str | None = None
    ogrn: str | None = None
    short_name: str | None = None
    full_name: str | None = None
    territory_id: int | None = None
    district_id: int | None = None


@dataclass(frozen=True)
class Alias:
    """A remembered mapping: a name (per territory) or a code (region-wide, territory None) -> a school."""
    kind: str                 # name | code
    value_norm: str
    territory_id: int | None
    school_id: int


NOT_FOUND = "школа с таким наименованием в территории не найдена"
AMBIGUOUS = "такое наименование есть у нескольких школ территории"


class NameIndex:
    """School names per territory: each school under its territory and its district, remembered name aliases
    under theirs. `lookup` tries the keys of `name_keys` in order and stops at the first that names any school."""

    def __init__(self, schools: Iterable[SchoolRecord] = (), aliases: Iterable[Alias] = ()):
        self._keys: dict[tuple[str, int | None], set[int]] = {}
        self._literal: dict[tuple[str, int | None], set[int]] = {}   # normalised names: for candidates
        for s in schools:
            for name in (s.short_name, s.full_name):
                for t in {s.territory_id, s.district_id} - {None}:
                    self.add(s.id, name, t)
        for a in aliases:
            if a.kind == "name":
                self.add(a.school_id, a.value_norm, a.territory_id)

    def add(self, school_id: int, name: str | None, territory_id: int | None) -> None:
        keys = name_keys(name)
        for k in keys:
            self._keys.setdefault((k, territory_id), set()).add(school_id)
        if keys:
            self._literal.setdefault((keys[0], territory_id), set()).add(school_id)

    def lookup(self, name: str | None, territory_id: int | None,
               without_ownership: bool = True) -> tuple[int | None, str]:
        """(school id, "") or (None, Russian reason). Nothing is found without a territory. With
        `without_ownership=False` the name's ownership form must agree (МБОУ and МКОУ «Моховская СОШ» are two
        schools): what an import uses, where a wrong match would write results to another school; a name
        written with no ownership form still finds the one school it names."""
        if territory_id is None:
            return None, NOT_FOUND
        for k in name_keys(name, without_ownership):
            hits = self._keys.get((k, territory_id), set())
            if len(hits) == 1:
                return next(iter(hits)), ""
            if len(hits) > 1:
                return None, AMBIGUOUS
        return None, NOT_FOUND

    def candidates(self, name: str | None, territory_id: int | None, limit: int = 5) -> list[int]:
        """Schools of the territory (any territory when None) whose names share the most words with `name`."""
        words = set(norm_name(name).split())
        best: dict[int, int] = {}
        for (n, t), sids in self._literal.items():
            if territory_id is not None and t != territory_id:
                continue
            common = len(words & set(n.split()))
            if common:
                for sid in sids:
                    best[sid] = max(best.get(sid, 0), common)
        return [sid for sid, _ in sorted(best.items(), key=lambda kv: (-kv[1], -kv[0]))][:limit]


@dataclass(frozen=True)
class RowKeys:
    """How a row names its school, cleaned by the caller: login key (shnor.domain.codes.login_key), codes as
    text, the name as written; `mapping_key` is the key of the methodist's mapping form for this row."""
    login: str | None = None
    exam_code: str | None = None
    inn: str | None = None
    ogrn: str | None = None
    name: str | None = None
    mapping_key: str = ""


class SchoolMatcher:
    """Resolves rows to schools: a chosen mapping, login, exam code, ИНН, ОГРН, then the name in the territory."""

    def __init__(self, schools: Iterable[SchoolRecord], aliases: Iterable[Alias] = (),
                 mappings: dict[str, int] | None = None):
        schools, aliases = list(schools), list(aliases)
        self.mappings = dict(mappings or {})
        self._names: NameIndex | None = None           # built on the first name asked for (a file of logins
        self._named = (schools, aliases)               # never needs 80 000 normalised names)
        self._added: list[tuple[int, str, int]] = []
        self.by_login: dict[str, int] = {}
        self.by_code: dict[str, set[int]] = {}
        self.by_inn: dict[str, set[int]] = {}
        self.by_ogrn: dict[str, set[int]] = {}
        self.labels: dict[int, str] = {}
        self.places: dict[int, tuple[int | None, int | None]] = {}
        for s in schools:
            if s.login_key:
                self.by_login[s.login_key] = s.id
            for c in {s.exam_code_oge, s.exam_code_ege} - {None}:
                self.by_code.setdefault(c, set()).add(s.id)
            if s.inn:
                self.by_inn.setdefault(s.inn, set()).add(s.id)
            if s.ogrn:
                self.by_ogrn.setdefault(s.ogrn, set()).add(s.id)
            self.labels[s.id] = s.short_name or str(s.id)
            self.places[s.id] = (s.territory_id, s.district_id)
        for a in aliases:
            if a.kind == "code":
                self.by_code.setdefault(a.value_norm, set()).add(a.school_id)

    def add(self, school_id: int, keys: RowKeys, territory_id: int, district_id: int | None = None) -> None:
        """A school created while matching (later rows of the same file find it)."""
        if keys.login:
            self.by_login[keys.login] = school_id
        if keys.name:
            if self._names is None:
                self._added.append((school_id, keys.name, territory_id))
            else:
                self._names.add(school_id, keys.name, territory_id)
        self.labels[school_id] = keys.name or keys.login or str(school_id)
        self.places[school_id] = (territory_id, district_id)

    @property
    def names(self) -> NameIndex:
        if self._names is None:
            self._names = NameIndex(*self._named)
            for sid, name, tid in self._added:
                self._names.add(sid, name, tid)
            self._named, self._added = ((), ()), []
        return self._names

    def place(self, school_id: int) -> tuple[int | None, int | None]:
        """(territory id, district id) of a known school."""
        return self.places.get(school_id, (None, None))

    def resolve(self, keys: RowKeys, territory_id: int | None) -> tuple[int | None, str]:
        """(school id — or NEW_SCHOOL when so mapped —, "") or (None, the Russian reason)."""
        if keys.mapping_key and keys.mapping_key in self.mappings:
            return self.mappings[keys.mapping_key], ""
        if keys.login and keys.login in self.by_login:
            return self.by_login[keys.login], ""
        reasons = []
        for label, value, index in (("код ОО", keys.exam_code, self.by_code), ("ИНН", keys.inn, self.by_inn),
                                    ("ОГРН", keys.ogrn, self.by_ogrn)):
            if not value:
                continue
            hits = index.get(value, set())
            if len(hits) == 1:
                return next(iter(hits)), ""
            if len(hits) > 1:
                reasons.append(f"{label} «{value}» есть у нескольких школ")
        if norm_name(keys.name):
            sid, why = self.names.lookup(keys.name, territory_id, without_ownership=False)
            if sid is not None:
                return sid, ""
            reasons.append(why)
        return None, "; ".join(reasons) or "в строке нет ни логина, ни кода, ни наименования школы"

    def candidates(self, keys: RowKeys, territory_id: int | None, limit: int = 5) -> list[tuple[int, str]]:
        """(school id, label) of the schools whose names share the most words with the row's name."""
        return [(sid, self.labels.get(sid, str(sid))) for sid in self.names.candidates(keys.name, territory_id, limit)]
