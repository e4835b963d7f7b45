"""National scale: the vectorised rule says what classify_school says, school by school; reasons are worded only
where asked for; the command line loads only the area of its command; the sandbox's prestarted child."""
from __future__ import annotations

import importlib
import sys
import time

import numpy as np
import pandas as pd
import pytest

from shnor.domain import procedures
from shnor.domain.rule import ProcedureResult, RuleSettings, classify_school, identify_shnor

Y = 2022


def _reference(results: pd.DataFrame, ids: list[int], year: int, s: RuleSettings):
    """classify_school on each school's rows: the rule as written, one school at a time."""
    r = results[results["year"].isin((year - 1, year - 2)) & results["procedure"].isin(s.procedures)
                & (results["participants"] > 0)]
    rows: dict[int, list[ProcedureResult]] = {}
    for x in r.itertuples(index=False):
        q = None
        if "mark4" in r.columns and not (pd.isna(x.mark4) or pd.isna(x.mark5)):
            q = int(x.mark4 + x.mark5)
        rows.setdefault(int(x.school_id), []).append(
            ProcedureResult(x.procedure, int(x.year), int(x.participants), int(x.low_count), q))
    return [classify_school(i, rows.get(i, []), year, s) for i in ids]


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    procs = list(procedures.DEFAULT_SET)
    data = []
    for sid in range(1, n + 1):
        for year in (Y - 3, Y - 2, Y - 1, Y):
            for p in procs:
                if rng.random() < 0.4:
                    part = int(rng.integers(0, 40))
                    low = int(rng.integers(0, part + 1)) if part else 0
                    m4 = int(rng.integers(0, part - low + 1)) if rng.random() < 0.7 else None
                    m5 = None if m4 is None else int(rng.integers(0, part - low - m4 + 1))
                    data.append((sid, p, year, part, low, m4, m5))
    res = pd.DataFrame(data, columns=["school_id", "procedure", "year", "participants", "low_count", "mark4", "mark5"])
    if seed % 3 == 0:
        res = res.drop(columns=["mark4", "mark5"])
    settings = RuleSettings(
        threshold_pct=int(rng.integers(10, 60)), variant=("any", "same")[seed % 2], margin_pct=int(rng.integers(0, 9)),
        min_participants=int(rng.integers(0, 8)), small_group=int(rng.integers(0, 15)),
        procedures=tuple(rng.choice(procs, size=int(rng.integers(1, 10)), replace=False)),
        high_max_low_pct=int(rng.integers(5, 40)), high_min_quality_pct=int(rng.integers(10, 70)))
    ids = list(range(1, n + 2))            # the last school has no results at all
    rng.shuffle(ids)
    return res.sample(frac=1, random_state=seed), [int(i) for i in ids], settings


def _fields(st) -> tuple:
    as_tuples = lambda xs: [(e.procedure, e.year, e.participants, e.low_count, e.quality) for e in xs]  # noqa: E731
    return (st.school_id, st.status, st.criteria, st.stably_high, as_tuples(st.evidence), as_tuples(st.near),
            as_tuples(st.small_groups), as_tuples(st.excluded), st.missing, st.reasons)


@pytest.mark.parametrize("seed", range(120))
def test_the_vectorised_rule_says_what_classify_school_says(seed):
    res, ids, settings = _random_case(seed)
    ident = identify_shnor(res, pd.DataFrame({"id": ids}), Y, settings)
    expected = _reference(res, ids, Y, settings)
    assert [_fields(s) for s in ident.statuses] == [_fields(s) for s in expected]
    frame = ident.frame()
    assert frame["school_id"].tolist() == ids
    assert frame["reasons"].tolist() == [s.reasons for s in expected]
    assert frame["criteria"].tolist() == [s.criteria_label for s in expected]
    assert frame["low_count_y1"].tolist() == [sum(1 for e in s.evidence if e.year == Y - 1) for s in expected]
    assert frame["small_group"].tolist() == [bool(s.small_groups) for s in expected]
    assert frame["missing"].tolist() == [len(s.missing) for s in expected]
    assert frame["stably_high"].tolist() == [s.stably_high for s in expected]


def test_the_frame_keeps_its_columns_and_types_with_and_without_schools():
    res, ids, settings = _random_case(5)
    frame = identify_shnor(res, pd.DataFrame({"id": ids}), Y, settings).frame()
    assert list(frame.columns) == ["school_id", "status", "status_ru", "criteria", "reasons", "stably_high",
                                   "low_count_y1", "small_group", "missing"]
    assert frame["stably_high"].dtype == bool and frame["missing"].dtype == np.int64
    empty = identify_shnor(res, pd.DataFrame({"id": []}), Y, settings)
    assert empty.frame().empty and empty.statuses == [] and empty.shnor() == []


def test_reasons_are_worded_only_for_the_schools_asked_about(monkeypatch):
    from shnor.domain import rule
    res, ids, settings = _random_case(4)
    calls: list[int] = []
    real = rule.classify_school

    def counting(school_id, *a, **k):
        calls.append(school_id)
        return real(school_id, *a, **k)

    monkeypatch.setattr(rule, "classify_school", counting)
    ident = identify_shnor(res, pd.DataFrame({"id": ids}), Y, settings)
    statuses = [s.status for s in ident.statuses]
    ident.frame(reasons=False)
    assert calls == [] and len(statuses) == len(ids)
    shnor = ident.shnor()
    _ = [s.reasons for s in shnor]
    assert sorted(calls) == sorted(s.school_id for s in shnor)


def test_a_list_words_reasons_for_the_rows_shown_and_the_whole_table_when_read(tmp_path):
    from smalldb import build_small_db

    from shnor.read.analysis import compute_list
    from shnor.store import Store
    ids = build_small_db(tmp_path / "s.duckdb")
    store = Store.open(tmp_path / "s.duckdb")
    lst = compute_list(store, 2024)
    assert lst.shnor_count == 3 and lst.school_count == 15 and lst.coverage.schools == 15
    assert lst.identification._reasons == {}                    # counts and coverage word nothing
    shown = lst.rows_with_reasons(lst.statuses == "shnor")
    assert sorted(shown["id"]) == sorted(ids[n] for n in (1, 2, 12))
    assert all(r.startswith("Критерий") for r in shown["reasons"])
    assert len(lst.identification._reasons) == 3
    table = lst.table                                            # read whole: every reason worded
    assert table["reasons"].map(len).gt(0).all()
    assert table.loc[table["status"] == "shnor", "reasons"].tolist() == shown["reasons"].tolist()
    store.close()


# ---------------------------------------------------------------------------------------------
# The command line: only the command's area is loaded
# ---------------------------------------------------------------------------------------------
def test_every_area_registers_exactly_the_commands_the_table_gives_it():
    import argparse

    from shnor import cli
    for area, commands in cli.AREAS.items():
        p = argparse.ArgumentParser()
        sub = p.add_subparsers(dest="command")
        importlib.import_module(f"shnor.cli.{area}").register(sub)
        assert tuple(sub.choices) == commands, area


@pytest.mark.parametrize("argv,expected", [
    (["--db", "x.duckdb", "--user", "u", "import", "a.xlsx", "--year", "2020/2021"],
     ("import", ["a.xlsx", "--year", "2020/2021"])),
    (["--db=x.duckdb", "identify", "--year", "2022/2023"], ("identify", ["--year", "2022/2023"])),
    (["--d", "x.duckdb", "--help"], (None, [])),
    ([], (None, [])),
])
def test_the_command_is_found_before_argparse(argv, expected):
    from shnor.cli import command_of
    assert command_of(argv) == expected


def test_a_data_command_loads_neither_the_import_nor_the_report_areas(tmp_path):
    import subprocess
    code = ("import sys; from shnor.cli import main; main(['--db', sys.argv[1], 'init']); "
            "print(sorted(m for m in sys.modules if m.startswith('shnor.cli.') or m.startswith('shnor.reports.')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.duckdb")], capture_output=True, text=True,
                         check=True).stdout
    assert "shnor.cli.imports" not in out and "shnor.cli.report" not in out and "shnor.cli.data" in out


# ---------------------------------------------------------------------------------------------
# The sandbox's prestarted child (the command line's `import`, the demo's build)
# ---------------------------------------------------------------------------------------------
def _registry_csv(path, rows):
    path.write_text("Логин;Краткое наименование;Территория\n" + "".join(f"{a};{b};{c}\n" for a, b, c in rows),
                    encoding="utf-8")
    return path


@pytest.fixture
def sandbox_state():
    from shnor.importing import sandbox
    yield sandbox
    sandbox._stop_unused()
    sandbox._expected.clear()


def test_an_expected_file_is_read_by_a_child_started_before_it_is_asked_for(tmp_path, sandbox_state):
    from shnor.importing.model import Hints
    sandbox = sandbox_state
    a = _registry_csv(tmp_path / "a.csv", [("sch220001", "МБОУ «СОШ № 1»", "Алейский район")])
    b = _registry_csv(tmp_path / "b.csv", [("sch220002", "МБОУ «СОШ № 2»", "Бийский район")])
    plain = sandbox.parse_in_child(a, a.name, Hints(), {})
    sandbox.expect([a, b])
    child = next(iter(sandbox._prestarted.values()))
    assert child.key[:2] == (str(a), "a.csv")
    got = sandbox.parse_in_child(a, a.name, Hints(), {})
    assert got == plain and child.proc.returncode == 0
    nxt = next(iter(sandbox._prestarted.values()))          # b's child started while a is stored
    assert nxt.key[:2] == (str(b), "b.csv")
    assert sandbox.parse_in_child(b, b.name, Hints(), {}).registry[0].school.login == "sch220002"
    assert sandbox._prestarted == {}


def test_a_file_changed_after_its_child_started_is_read_again(tmp_path, sandbox_state):
    from shnor.importing.model import Hints
    sandbox = sandbox_state
    a = _registry_csv(tmp_path / "a.csv", [("sch220001", "МБОУ «СОШ № 1»", "Алейский район")])
    sandbox.expect([a])
    child = next(iter(sandbox._prestarted.values()))
    time.sleep(0.05)
    _registry_csv(a, [("sch220001", "МБОУ «СОШ № 1»", "Алейский район"), ("sch220003", "МБОУ «СОШ № 3»", "Бийский район")])
    got = sandbox.parse_in_child(a, a.name, Hints(), {})
    assert [r.school.login for r in got.registry] == ["sch220001", "sch220003"]
    assert child.proc.poll() is not None                    # the stale child was stopped


def test_a_skipped_or_unused_child_is_stopped(tmp_path, sandbox_state):
    from shnor.importing.model import Hints
    sandbox = sandbox_state
    a = _registry_csv(tmp_path / "a.csv", [("sch220001", "МБОУ «СОШ № 1»", "Алейский район")])
    b = _registry_csv(tmp_path / "b.csv", [("sch220002", "МБОУ «СОШ № 2»", "Бийский район")])
    sandbox.expect([a, b])
    first = next(iter(sandbox._prestarted.values()))
    assert sandbox.parse_in_child(b, b.name, Hints(), {}).registry[0].school.login == "sch220002"
    assert first.proc.poll() is not None and sandbox._expected == [] and sandbox._prestarted == {}
    sandbox.expect([a])
    unused = next(iter(sandbox._prestarted.values()))
    sandbox._stop_unused()                                   # what happens at exit
    assert unused.proc.poll() is not None


# ---------------------------------------------------------------------------------------------
# A national-shaped tree: country → 2 regions → municipalities → districts, loaded through the importers
# ---------------------------------------------------------------------------------------------
TWO_REGIONS = ("22", "42")
YEARS2 = (2022, 2023)

@pytest.fixture(scope="module")
def national(tmp_path_factory):
    from shnor.demo.national import build_national, generate_national
    from shnor.store import Store
    tmp = tmp_path_factory.mktemp("national")
    db = tmp / "n.duckdb"
    summary = build_national(db, seed=7, work_dir=tmp / "files", schools=160, regions=TWO_REGIONS, years=YEARS2)
    nat = generate_national(7, 160, TWO_REGIONS, YEARS2)
    store = Store.open(db)
    yield store, nat, summary, tmp
    store.close()


def test_the_national_demo_is_a_four_level_tree_loaded_through_the_importers(national):
    store, nat, summary, _ = national
    terr = store.territories.list().set_index("name")
    assert summary["школ в реестре"] == 160 == len(store.schools.list())
    assert summary["файлов загружено"] == 1 + 4 * len(YEARS2)       # the registry, the reports
    country = terr.loc["Российская Федерация"]
    assert country["kind"] == "country" and pd.isna(country["parent_id"])
    kinds = terr["kind"].value_counts().to_dict()
    assert kinds["region"] == 2 and kinds["municipality"] >= 4 and kinds["district"] >= 8
    by_id = store.territories.list().set_index("id")
    parent_kind = {"region": "country", "municipality": "region", "district": "municipality"}
    for name, t in terr.iterrows():
        if t["kind"] != "country":
            assert by_id.loc[int(t["parent_id"]), "kind"] == parent_kind[t["kind"]], name
    schools = store.schools.list()
    assert schools["district"].notna().any()                    # schools of the centres sit in districts
    assert set(store.results.years()) == set(YEARS2)
    assert len(store.results.list()) > 100


def test_an_unbound_user_sees_the_whole_country(national):
    store, nat, _, tmp = national
    from shnor.read.analysis import compute_list
    lst = compute_list(store, YEARS2[-1] + 1)
    assert lst.school_count == len(store.schools.list(year=YEARS2[-1]).query("is_general != False"))
    regions_seen = {login[3:5] for login in lst.table["school_code"]}
    assert regions_seen == set(TWO_REGIONS)


def _bound(store, region_name):
    from shnor.domain.permissions import SYSTEM
    from shnor.services import accounts
    name = "m" + str(abs(hash(region_name)) % 10_000)
    if accounts.get_user(store, name) is None:
        accounts.add_user(store, SYSTEM, name, "methodist", "Very-long-password-2026", territory=region_name)
    return accounts.get_user(store, name)


def test_a_user_bound_to_the_second_region_sees_only_it(national):
    from shnor.read.analysis import compute_list
    store, nat, _, _ = national
    second = nat.regions()[1].name
    user = _bound(store, second)
    assert user.scope is not None
    lst = compute_list(store, YEARS2[-1] + 1, user.territory_id)
    assert lst.school_count > 0 and {c[3:5] for c in lst.table["school_code"]} == {"42"}


def test_a_user_bound_to_the_first_region_sees_only_it(national):
    store, nat, _, _ = national
    user = _bound(store, nat.regions()[0].name)
    assert user.scope is not None


def test_targets_can_be_set_at_every_level(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.settings import set_targets
    store, nat, _, _ = national
    terr = store.territories.list()
    one = {k: int(terr[terr["kind"] == k].iloc[0]["id"]) for k in ("region", "municipality", "district")}
    year = YEARS2[-1]
    set_targets(store, SYSTEM, [(None, year, 0.05), (one["region"], year, 0.06), (one["municipality"], year, 0.07),
                                (one["district"], year, 0.08)])
    assert store.targets.own(None, year) == 0.05
    assert [store.targets.own(one[k], year) for k in ("region", "municipality", "district")] == [0.06, 0.07, 0.08]


def test_a_district_without_a_target_takes_its_municipalitys(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.settings import set_targets
    store, nat, _, _ = national
    terr = store.territories.list()
    district = terr[terr["kind"] == "district"].iloc[-1]
    year = YEARS2[0]
    set_targets(store, SYSTEM, [(None, year, 0.05), (int(district["parent_id"]), year, 0.09)])
    assert store.targets.for_year(int(district["id"]), year) == 0.09


def _registry_of(tmp, code: str, logins: list[str]):
    from shnor.demo.national import REGISTRY_HEADER, write_xlsx
    rows = [list(REGISTRY_HEADER)] + [[lg, f"МБОУ «СОШ № {k}»", f"МБОУ «Средняя общеобразовательная школа № {k}»",
                                       f"Новый район {code}", None, "СОШ", "МБОУ", "городская"]
                                      for k, lg in enumerate(logins, start=1)]
    return write_xlsx(tmp / f"reg_{code}_{len(logins)}.xlsx", "Реестр ОО", rows)


def test_a_file_of_a_region_outside_the_tree_is_foreign(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.imports import import_file
    store, nat, _, tmp = national
    rep = import_file(store, _registry_of(tmp, "54", [f"sch54{k:04d}" for k in range(1, 8)]), SYSTEM,
                      dry_run=True)
    assert rep.foreign is not None and rep.foreign.region_differs
    assert "Новосибирская область" in rep.foreign.sentence_ru()


def test_a_file_of_the_first_region_of_the_tree_is_not_foreign(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.imports import import_file
    store, nat, _, tmp = national
    known = [lg for lg in nat.login if lg.startswith("sch22")][:6]
    rep = import_file(store, _registry_of(tmp, "22", known), SYSTEM, dry_run=True)
    assert rep.foreign is None


def test_a_file_of_another_region_of_the_tree_is_not_foreign(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.services.imports import import_file
    store, nat, _, tmp = national
    known = [lg for lg in nat.login if lg.startswith("sch42")][:6]
    rep = import_file(store, _registry_of(tmp, "42", known), SYSTEM, dry_run=True)
    assert rep.foreign is None


def test_the_national_files_are_the_same_bytes_for_the_same_seed(tmp_path):
    from shnor.demo.national import generate_national, write_national_files
    nat = generate_national(3, 90, ("01", "22"), (2023,))
    a = [p.read_bytes() for p, _ in write_national_files(nat, tmp_path / "a")]
    b = [p.read_bytes() for p, _ in write_national_files(generate_national(3, 90, ("01", "22"), (2023,)),
                                                           tmp_path / "b")]
    assert a == b and len(a) == 1 + 4


def test_counts_from_percentages_are_the_exact_decimal_ones():
    import random
    from decimal import Decimal

    from shnor.importing.layouts.common import count_from_percent
    from shnor.importing.reading import round_half_up
    rng = random.Random(11)
    cases = [(25, 40.0), (5, 50.0), (5, 50), (3, 16.67), (0, 12.5), (7, 1e-05), (200, 100.0), (4, 12.5), (8, 6.25),
             (16, 3.125), (10**6, 0.0001)]
    for _ in range(20_000):
        n = rng.randint(0, 400)
        cases.append((n, round(rng.uniform(0, 100), rng.randint(0, 6))))
        cases.append((n, round(rng.randint(0, n) * 100 / n, 2) if n else 0.0))
        d = rng.choice([2, 4, 8, 20, 40, 200])
        cases.append((rng.randint(1, 400), (2 * rng.randint(0, d // 2) + 1) * 50 / d))   # exact halves
    for n, p in cases:
        assert count_from_percent(n, p) == round_half_up(Decimal(n) * Decimal(str(p)) / Decimal(100)), (n, p)


def test_the_gaps_of_every_school_are_known_without_wording_reasons(monkeypatch):
    from shnor.domain import rule
    res, ids, settings = _random_case(9)
    expected = _reference(res, ids, Y, settings)
    calls: list[int] = []
    real = rule.classify_school
    monkeypatch.setattr(rule, "classify_school", lambda sid, *a, **k: calls.append(sid) or real(sid, *a, **k))
    ident = identify_shnor(res, pd.DataFrame({"id": ids}), Y, settings)
    assert [s.missing for s in ident.statuses] == [s.missing for s in expected] and calls == []
    assert [s.reasons for s in ident.statuses] == [s.reasons for s in expected]    # then the rest, once each
    assert sorted(calls) == sorted(ids)


@pytest.mark.parametrize("seed", range(6))
def test_reasons_of_a_few_schools_among_many_are_the_same(seed):
    frames, ids = [], []
    for k in range(8):                                        # 8 cases side by side: up to 200 schools
        res, case_ids, _ = _random_case(seed * 10 + k)
        res = res.assign(school_id=res["school_id"] + 1000 * k)
        frames.append(res[[c for c in ("school_id", "procedure", "year", "participants", "low_count")]])
        ids += [i + 1000 * k for i in case_ids]
    res = pd.concat(frames)
    settings = RuleSettings()
    ident = identify_shnor(res, pd.DataFrame({"id": ids}), Y, settings)
    few = list(range(0, len(ids), 7))
    expected = _reference(res, ids, Y, settings)
    assert ident.reasons_of(few) == [expected[i].reasons for i in few]
    assert [s.evidence for s in ident.statuses][:3] is not None
    assert [_fields(s) for s in ident.statuses] == [_fields(s) for s in expected]


def test_a_pickled_list_carries_its_reasons_and_rebuilds_the_rest(tmp_path):
    """st.cache_data pickles a page's list: the copy has every reason (never worded again at a rerun) and its
    statuses, evidence and rows come back the same."""
    import pickle

    from smalldb import build_small_db

    from shnor.read.analysis import compute_list
    from shnor.store import Store
    build_small_db(tmp_path / "s.duckdb")
    store = Store.open(tmp_path / "s.duckdb")
    lst = compute_list(store, 2024)
    copy = pickle.loads(pickle.dumps(lst))
    assert copy._filled and copy.identification._full_cache == {} == copy.identification._reasons
    pd.testing.assert_frame_equal(copy.table, lst.table)
    assert [_fields(s) for s in copy.identification.statuses] == [_fields(s) for s in lst.identification.statuses]
    assert (copy.shnor_count, copy.school_count, copy.coverage) == (lst.shnor_count, lst.school_count, lst.coverage)
    store.close()


def test_the_whole_tree_is_called_the_country_in_headings(national):
    store, nat, _, _ = national
    root = store.territories.root_id()
    assert store.territories.kind(root) == "country" and store.territories.kind(None) is None
    assert store.territories.title(None) == f"вся страна ({store.territories.name(root)})"
    assert store.territories.title(root) == store.territories.title(None)
    first = nat.regions()[0].name
    assert store.territories.title(store.territories.find(first)) == first
    assert set(store.territories.region_codes()) == set(TWO_REGIONS)


def _norm_name_by_characters(text):
    """norm_name as first written, character by character: the regular expression must say the same."""
    if not text:
        return ""
    t = str(text).lower().replace("ё", "е").replace("\u00a0", " ")
    for q in "\"'«»“”„`":
        t = t.replace(q, " ")
    t = t.replace("№", " № ")
    return " ".join("".join(ch if ch.isalnum() or ch == "№" else " " for ch in t).split())


def test_norm_name_is_the_character_rule_on_every_character():
    from shnor.domain.codes import norm_name
    for start in range(0, 0x30000, 4096):
        chunk = "".join(chr(c) for c in range(start, start + 4096) if not 0xD800 <= c < 0xE000)
        text = "Школа" + "x".join(chunk) + "№ 1"
        assert norm_name(text) == _norm_name_by_characters(text)
    for text in ("МБОУ «СОШ №1» г.Бийска", "Ёлкинская  ООШ", "Школа_№ 5", "a\u00a0b", None, ""):
        assert norm_name(text) == _norm_name_by_characters(text)


def test_names_are_indexed_only_when_a_name_is_asked_for():
    from shnor.domain.matching import RowKeys, SchoolMatcher, SchoolRecord
    m = SchoolMatcher([SchoolRecord(1, "S220001", short_name="МБОУ «СОШ № 1»", territory_id=5)])
    assert m.resolve(RowKeys(login="S220001"), 5) == (1, "") and m._names is None
    m.add(2, RowKeys(login="S220002", name="МКОУ «Моховская СОШ»"), 5)
    assert m._names is None
    assert m.resolve(RowKeys(name="МКОУ «Моховская СОШ»"), 5) == (2, "")
    assert m.resolve(RowKeys(name="МБОУ «СОШ № 1»"), 5) == (1, "")


def test_the_country_compares_its_regions_and_a_region_its_municipalities(national):
    from shnor.read.analysis import compute_list
    from shnor.read.overview import empty_territories, territory_comparison
    store, nat, _, _ = national
    year = YEARS2[-1] + 1
    whole = territory_comparison(store, compute_list(store, year))
    assert sorted(whole["territory"]) == sorted(r.name for r in nat.regions())
    assert int(whole["schools"].sum()) == compute_list(store, year).school_count
    first = store.territories.find(nat.regions()[0].name)
    lst = compute_list(store, year, first)
    one = territory_comparison(store, lst)
    terr = store.territories.list()
    munis = set(terr.loc[terr["parent_id"] == first, "name"])
    assert len(one) > 1 and set(one["territory"]) <= munis
    assert set(one["territory"]) | set(empty_territories(store, lst)) == munis
    assert int(one["schools"].sum()) == lst.school_count


def test_the_share_by_year_is_remembered_until_the_data_change(national):
    from shnor.domain.permissions import SYSTEM
    from shnor.read import analysis
    from shnor.services.settings import set_targets
    store, nat, _, _ = national
    calls = []
    real = analysis._share_by_year
    analysis._SHARE_MEMO.clear()
    try:
        analysis._share_by_year = lambda *a: calls.append(1) or real(*a)
        first = analysis.share_by_year(store)
        again = analysis.share_by_year(store)
        assert len(calls) == 1 and first.equals(again)
        set_targets(store, SYSTEM, [(None, YEARS2[-1], 0.04)])         # an audited change: computed again
        after = analysis.share_by_year(store)
        assert len(calls) == 2 and list(after["target"])[-1] == 0.04
        with store.unit(SYSTEM, audited=False) as u:                    # inside a unit: never remembered
            analysis.share_by_year(u)
            analysis.share_by_year(u)
        assert len(calls) == 4
    finally:
        analysis._share_by_year = real


def test_the_overview_of_a_country_offers_its_regions_and_says_the_whole_country(national, monkeypatch,
                                                                                  clear_streamlit_caches):
    from smalldb import open_page_as
    store, nat, _, tmp = national
    db = store.path
    monkeypatch.setenv("SHNOR_DB", str(db))
    at = open_page_as("overview", db, "nat_admin", "admin")
    [terr] = [b for b in at.selectbox if b.label == "Территория"]
    assert terr.options[0] == "Вся страна"
    for region in nat.regions():
        assert region.name in terr.options                      # a region is a choice of its own
    assert not any("Весь регион" in h.value for h in at.subheader)
    assert any(h.value.startswith("Вся страна") for h in at.subheader)


def test_the_identification_page_of_a_country_names_the_country_and_offers_its_regions(national, monkeypatch,
                                                                                       clear_streamlit_caches):
    from smalldb import open_page_as
    store, nat, _, tmp = national
    monkeypatch.setenv("SHNOR_DB", str(store.path))
    at = open_page_as("identification", store.path, "nat_head", "head")
    [terr] = [b for b in at.selectbox if b.label == "Территория"]
    root = store.territories.name(store.territories.root_id())
    assert terr.options[0] == f"Вся страна ({root})" and root not in terr.options[1:]
    assert all(r.name in terr.options for r in nat.regions())
