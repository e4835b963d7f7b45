"""National scale: the vectorised rule says what classify_school says, school by school; reasons are worded only
where asked for; the command line loads only the area of its command; the sandbox's prestarted child."""
from __future__ import annotations

import importlib
import sys

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
    assert lst.identification._full_cache == {}                 # counts and coverage word nothing
    shown = lst.rows_with_reasons(lst.statuses == "shnor")
    assert sorted(shown["id"]) == sorted(ids[n] for n in (1, 2, 12))
    assert all(r.startswith("Критерий") for r in shown["reasons"])
    assert len(lst.identification._full_cache) == 3
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
