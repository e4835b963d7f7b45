"""Settings as use cases (shnor/services/settings.py): permissions first, validation in the domain, one unit
with its typed audit event; correcting a ВПР scale recomputes the stored marks from the score histograms
(hand-computed in tests/scaledb.py) and shows which results and statuses changed; the scale and school
commands."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from shnor.cli import main as cli
from shnor.domain import events
from shnor.domain.permissions import ADMIN, HEAD, METHODIST, SYSTEM, VIEWER, Forbidden, User
from shnor.domain.reference import recompute_marks, scale_from_minimums
from shnor.domain.rule import RISK, SHNOR, RuleSettings
from shnor.domain.scales import MarkScale
from shnor.services import settings as service
from shnor.services.settings import SettingsError
from shnor.store import Store
from scaledb import H_A, H_B, H_C, SCALE_A, SCALE_B, YEAR, build


@pytest.fixture
def region(tmp_path):
    store, ids, terr = build(tmp_path / "s.duckdb")
    yield store, ids, terr
    store.close()


def stored(store: Store, school_id: int, proc: str = "VPR-MATH-5") -> tuple:
    df = store.results.list(years=[YEAR], procedures_=[proc])
    r = df[df["school_id"] == school_id].iloc[0]
    return int(r["participants"]), int(r["low_count"]), tuple(int(r[f"mark{m}"]) for m in (2, 3, 4, 5))


def corrected() -> MarkScale:
    return scale_from_minimums("VPR-MATH-5", YEAR, 8, 11, 15, 20)


def test_hand_computed_marks_of_the_histograms():
    a, b = MarkScale("VPR-MATH-5", YEAR, dict(SCALE_A)), MarkScale("VPR-MATH-5", YEAR, dict(SCALE_B))
    assert corrected().bounds == SCALE_B
    assert recompute_marks(a, H_A).marks == {2: 4, 3: 3, 4: 1, 5: 2}
    assert recompute_marks(b, H_A).marks == {2: 5, 3: 2, 4: 1, 5: 2}
    assert recompute_marks(a, H_B).low == 2 and recompute_marks(b, H_B).low == 3
    assert recompute_marks(a, H_C).marks == recompute_marks(b, H_C).marks == {2: 0, 3: 0, 4: 2, 5: 4}
    assert recompute_marks(MarkScale("X", 1, {2: (0, 6), 3: (7, 10), 4: (11, 14), 5: (15, 16)}), H_A).outside == 1


def test_correcting_a_scale_recomputes_results_and_statuses(region):
    store, ids, _ = region
    from shnor.read.analysis import compute_list
    before_2022 = compute_list(store, YEAR + 1).table.set_index("id")["status"]
    assert before_2022[ids["Школа Б"]] == RISK and before_2022[ids["Школа А"]] == RISK

    corr = service.set_mark_scale(store, SYSTEM, corrected())

    # stored results: marks and low count from the histogram, participants kept
    assert stored(store, ids["Школа А"]) == (10, 5, (5, 2, 1, 2))
    assert stored(store, ids["Школа Б"]) == (10, 3, (3, 1, 3, 3))
    assert stored(store, ids["Школа В"]) == (6, 0, (0, 0, 2, 4))
    g = store.results.list(years=[YEAR], procedures_=["VPR-MATH-5"])
    assert int(g.loc[g["school_id"] == ids["Школа Г"], "low_count"].iloc[0]) == 1       # no histogram: as stored
    assert store.reference.mark_scales()[("VPR-MATH-5", YEAR)].bounds == SCALE_B

    # what the service reports
    assert corr.recomputed == 3 and corr.not_recomputable == 1 and corr.kept_for_undo == 1
    changes = {c.school: (c.low_before, c.low_after, c.participants) for c in corr.changed}
    assert changes == {"Школа А": (4, 5, 10), "Школа Б": (2, 3, 10)}                  # Школа В not affected
    frame = corr.results_frame().set_index("Школа")
    assert frame.loc["Школа А", "Доля «2» была"] == "40,0\u00a0%" and frame.loc["Школа А", "Доля «2» стала"] == "50,0\u00a0%"
    assert frame.loc["Школа Б", "Доля «2» была"] == "20,0\u00a0%" and frame.loc["Школа Б", "Доля «2» стала"] == "30,0\u00a0%"
    assert frame.loc["Школа А", "Отметки «2»–«5» стали"] == "5 / 2 / 1 / 2"
    assert corr.list_years == (2022, 2023)
    assert [(s.list_year, s.school, s.before, s.after) for s in corr.statuses] == [(2022, "Школа Б", RISK, SHNOR)]
    text = corr.summary_ru()
    assert "сохранена: «2» 0–7; «3» 8–10; «4» 11–14; «5» 15–20" in text
    assert "3 результата школ; отметки изменились у 2, из них число «2» — у 2" in text
    assert "Не пересчитываются (нет распределения баллов" in text and ": 1 результат;" in text
    assert "изменился у 1 школы" in text and "Утверждённые списки не меняются" in text
    after_2022 = compute_list(store, YEAR + 1).table.set_index("id")["status"]
    assert after_2022[ids["Школа Б"]] == SHNOR

    # the earlier value kept for undo is recomputed too
    old = json.loads(store.sql.scalar("SELECT CAST(old_row AS VARCHAR) FROM result_replacements"))
    assert (old["low_count"], old["mark2"], old["mark3"]) == (5, 5, 2) and old["participants"] == 10

    # one typed event in the audit, with what changed
    ev = store.audit.list(action=events.SCALE_SET.name)
    assert len(ev) == 1 and ev["actor"].iloc[0] == "system"
    detail = json.loads(ev["detail"].iloc[0])
    assert detail["procedure"] == "VPR-MATH-5" and detail["year"] == YEAR
    assert detail["bounds"]["2"] == [0, 7] and detail["old_bounds"]["2"] == [0, 6]
    assert sorted((c["school_id"], tuple(c["low"])) for c in detail["changed"]) == sorted(
        [(ids["Школа А"], (4, 5)), (ids["Школа Б"], (2, 3))])
    assert detail["statuses"] == [{"list_year": 2022, "school_id": ids["Школа Б"], "before": RISK, "after": SHNOR}]
    assert detail["not_recomputable"] == 1


def test_setting_the_same_scale_again_changes_nothing(region):
    store, ids, _ = region
    corr = service.set_mark_scale(store, SYSTEM, scale_from_minimums("VPR-MATH-5", YEAR, 7, 11, 15, 20))
    assert corr.unchanged_scale and not corr.changed and "не изменилась" in corr.summary_ru()
    assert len(store.audit.list(action=events.SCALE_SET.name)) == 0
    assert stored(store, ids["Школа А"]) == (10, 4, (4, 3, 1, 2))


def test_a_scale_below_the_stored_scores_is_refused_and_nothing_changes(region):
    store, ids, _ = region
    with pytest.raises(SettingsError, match="выше максимума новой шкалы \\(16\\): наибольший — 20, у 3 школ"):
        service.set_mark_scale(store, SYSTEM, scale_from_minimums("VPR-MATH-5", YEAR, 8, 11, 15, 16))
    assert stored(store, ids["Школа А"]) == (10, 4, (4, 3, 1, 2))
    assert store.reference.mark_scales()[("VPR-MATH-5", YEAR)].bounds == SCALE_A
    with pytest.raises(SettingsError, match="только для ВПР"):
        service.set_mark_scale(store, SYSTEM, scale_from_minimums("OGE-MATH", YEAR, 8, 15, 22, 31))
    with pytest.raises(SettingsError, match="меньше нижней"):
        service.set_mark_scale(store, SYSTEM, scale_from_minimums("VPR-MATH-5", YEAR, 12, 11, 15, 20))


def test_the_approved_list_stays_and_shows_the_difference(region):
    store, ids, _ = region
    from shnor.services import lists
    lists.approve_list(store, SYSTEM, YEAR + 1, None, "№ 17", dt.date(2022, 8, 30), today=dt.date(2022, 9, 1))
    approved = lists.get_list(store, SYSTEM, YEAR + 1, None)
    items_before = lists.list_items(store, SYSTEM, approved)
    assert not lists.diff_with_computed(store, SYSTEM, approved).shape[0]

    corr = service.set_mark_scale(store, SYSTEM, corrected())
    assert [s.school for s in corr.statuses] == ["Школа Б"]

    again = lists.get_list(store, SYSTEM, YEAR + 1, None)
    assert again.status == approved.status == "approved" and again.order_number == "№ 17"
    assert lists.list_items(store, SYSTEM, again).equals(items_before)          # frozen
    diff = lists.diff_with_computed(store, SYSTEM, again)
    assert list(diff["school_id"]) == [ids["Школа Б"]]


NORTH_SCOPE = dict(territory_id=2, territory="Северный район", scope=frozenset({2}))


@pytest.mark.parametrize("user", [User(r, r) for r in (VIEWER, METHODIST, HEAD)] +
                         [User(f"north-{r}", r, **NORTH_SCOPE) for r in (VIEWER, METHODIST, HEAD, ADMIN)])
def test_only_an_unbound_admin_changes_settings(region, user):
    store, ids, terr = region
    calls = [
        lambda: service.set_mark_scale(store, user, corrected()),
        lambda: service.save_rule_settings(store, user, RuleSettings(threshold_pct=35)),
        lambda: service.set_targets(store, user, [(terr["north"], 2023, 0.1)]),
        lambda: service.set_targets(store, user, []),
        lambda: service.set_exam_threshold(store, user, "OGE-RUS", 2026, "min_primary_score", 15, 33),
        lambda: service.add_territory(store, user, "Новый район"),
        lambda: service.set_setting(store, user, "anything", 1, service.Action.USERS),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert stored(store, ids["Школа А"]) == (10, 4, (4, 3, 1, 2))
    assert store.audit.list().shape[0] == 1                   # only the test's own import event


def test_targets_rule_territories_in_units_with_events(region):
    store, _, terr = region
    assert service.set_targets(store, SYSTEM, [(None, 2023, 0.05), (terr["north"], 2023, 0.125)]) == 2
    assert store.targets.for_year(terr["north"], 2023) == pytest.approx(0.125)
    assert len(store.audit.list(action=events.TARGET_SET.name)) == 2
    with pytest.raises(SettingsError, match="от 0 до 100"):
        service.set_targets(store, SYSTEM, [(None, 2024, 0.05), (terr["north"], 2024, 1.5)])
    assert store.targets.for_year(None, 2024) is None                       # nothing of the refused batch

    assert service.save_rule_settings(store, SYSTEM, RuleSettings(threshold_pct=35)) is True
    assert service.save_rule_settings(store, SYSTEM, RuleSettings(threshold_pct=35)) is False
    assert len(store.audit.list(action=events.RULE_SETTINGS_SAVED.name)) == 1
    with pytest.raises(SettingsError):
        service.save_rule_settings(store, SYSTEM, RuleSettings(threshold_pct=0))

    tid = service.add_territory(store, SYSTEM, "  Новый район ")
    assert store.territories.name(tid) == "Новый район"
    did = service.add_territory(store, SYSTEM, "Центральный", kind="district", parent_id=tid)
    assert store.territories.subtree(tid) == [tid, did]
    with pytest.raises(SettingsError, match="уже есть"):
        service.add_territory(store, SYSTEM, "новый  район")
    with pytest.raises(SettingsError, match="входит в муниципалитет"):
        service.add_territory(store, SYSTEM, "Заречный", kind="district")
    with pytest.raises(SettingsError, match="Введите название"):
        service.add_territory(store, SYSTEM, "   ")
    assert len(store.audit.list(action=events.TERRITORY_ADDED.name)) == 2

    service.set_setting(store, SYSTEM, "some_key", {"a": 1}, service.Action.USERS)
    assert store.settings.get("some_key") == {"a": 1}
    assert len(store.audit.list(action=events.SETTING_CHANGED.name)) == 1


# -- the command line ---------------------------------------------------------------------------------
def run_cli(capsys, path, *args) -> tuple[int, str, str]:
    """The command line in this process: (exit code, stdout, stderr); argument errors exit through SystemExit."""
    try:
        code = cli(["--db", str(path), *args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_scale_list_and_set(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    build(path)[0].close()
    code, out, _ = run_cli(capsys, path, "scale", "list", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "procedure,year,min3,min4,min5,max,source"
    assert "VPR-MATH-5,2021/2022,7,11,15,20,введена пользователем" in lines
    assert "VPR-RUS-6,2020/2021,25,35,45,51,realdata/README.md (shared reference data) — ФИОКО 2021" in lines
    code, out, _ = run_cli(capsys, path, "scale", "list")
    assert code == 0 and "ВПР, математика, 5 кл." in out and "Максимум" in out

    code, out, err = run_cli(capsys, path, "scale", "set", "VPR-MATH-5", "2021/2022", "--min3", "8", "--min4", "11",
                             "--min5", "15", "--max", "20")
    assert code == 0, err
    assert "Шкала ВПР, математика, 5 кл., 2021/2022 сохранена" in out
    assert "Школа А (Северный район): «2» 4 → 5 из 10, доля 40,0\u00a0% → 50,0\u00a0%" in out
    assert "список на 2022/2023: Школа Б (Северный район) — группа риска → ШНОР" in out
    code, out, _ = run_cli(capsys, path, "scale", "list", "--format", "csv")
    assert "VPR-MATH-5,2021/2022,8,11,15,20,введена пользователем" in out.splitlines()


@pytest.mark.parametrize("args, message", [
    (["VPR-MATH-5", "2021/2022", "--min3", "12", "--min4", "11", "--min5", "15", "--max", "20"], "меньше нижней"),
    (["VPR-MATH-5", "2021/2022", "--min3", "8", "--min4", "11", "--min5", "15", "--max", "16"], "выше максимума"),
    (["VPR-MATH-5", "2021/2022", "--min3", "восемь", "--min4", "11", "--min5", "15", "--max", "20"],
     "нужно целое число баллов"),
    (["VPR-MATH-5", "2021/2022", "--min3", "8", "--min4", "11", "--min5", "15"], "не указаны обязательные"),
    (["OGE-MATH", "2021/2022", "--min3", "8", "--min4", "15", "--min5", "22", "--max", "31"], "только для ВПР"),
    (["NO-SUCH", "2021/2022", "--min3", "8", "--min4", "11", "--min5", "15", "--max", "20"], "VPR-MATH-5"),
    (["VPR-MATH-5", "2021", "--min3", "8", "--min4", "11", "--min5", "15", "--max", "20"], "учебн"),
])
def test_cli_scale_set_refusals_are_russian_exit_2(tmp_path, capsys, args, message):
    path = tmp_path / "s.duckdb"
    build(path)[0].close()
    code, _, err = run_cli(capsys, path, "scale", "set", *args)
    assert code == 2 and message in err and "Traceback" not in err
    store = Store.open(path)
    assert store.reference.mark_scales()[("VPR-MATH-5", YEAR)].bounds == SCALE_A
    store.close()


def test_cli_scale_set_by_a_bound_or_methodist_user_is_refused(tmp_path, capsys):
    from shnor.services import accounts
    path = tmp_path / "s.duckdb"
    store = build(path)[0]
    accounts.add_user(store, SYSTEM, "north-admin", "admin", "Пароль-для-теста-1", territory="Северный район")
    accounts.add_user(store, SYSTEM, "misha", "methodist", "Пароль-для-теста-1")
    store.close()
    for name in ("north-admin", "misha"):
        code, _, err = run_cli(capsys, path, "--user", name, "scale", "set", "VPR-MATH-5", "2021/2022", "--min3", "8",
                               "--min4", "11", "--min5", "15", "--max", "20")
        assert code == 2 and "шкалы ВПР" in err and "Traceback" not in err


def test_cli_school_list_is_limited_to_the_users_territory(tmp_path, capsys):
    from shnor.services import accounts
    path = tmp_path / "s.duckdb"
    store = build(path)[0]
    with store.unit("test") as u:
        south = u.territories.add("Южный район", parent_id=u.territories.root_id())
        u.sql.run("INSERT INTO schools (login_key, fisoko_login, short_name, territory_id, school_type, active_to) "
                  "VALUES ('S420009', 'sch420009', '=HYPERLINK(\"http://evil.example\")', ?, 'ООШ', 2022)", [south])
        u.record(events.IMPORT_STORED, batch=0)
    accounts.add_user(store, SYSTEM, "yug", "viewer", "Пароль-для-теста-1", territory="Южный район")
    store.close()
    code, out, _ = run_cli(capsys, path, "school", "list", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "school_code,school_name,territory,district,type,active_from,active_to"
    assert len(lines) == 6
    assert "sch420001,Школа А,Северный район,,,," in lines
    code, out, _ = run_cli(capsys, path, "--user", "yug", "school", "list", "--format", "csv")
    lines = out.splitlines()
    assert lines[1:] == ["sch420009,\"'=HYPERLINK(\"\"http://evil.example\"\")\",Южный район,,ООШ,,2022/2023"]
    code, _, err = run_cli(capsys, path, "--user", "yug", "school", "list", "--territory", "Северный район")
    assert code == 2 and "Южный район" in err
    code, out, _ = run_cli(capsys, path, "school", "list", "--territory", "Северный район")
    assert code == 0 and "Школа А" in out and "HYPERLINK" not in out and "Код ОО" in out


def test_due_soon_days_and_the_document_heading(tmp_path):
    """«Скоро срок» (0–90 days, an admin of the region) and the department's heading for documents."""
    from shnor.domain.permissions import User
    from shnor.domain.roadmap import DUE_SOON_SETTING_KEY
    from shnor.services.settings import SettingsError, set_document_heading, set_due_soon_days
    from shnor.store import Store
    store = Store.open(tmp_path / "s.duckdb")
    try:
        assert set_due_soon_days(store, SYSTEM, 21) is True
        assert store.settings.get(DUE_SOON_SETTING_KEY) == 21
        assert set_due_soon_days(store, SYSTEM, "21") is False
        for bad in (-1, 91, "две недели", 7.5):
            with pytest.raises(SettingsError, match="Скоро срок"):
                set_due_soon_days(store, SYSTEM, bad)
        with pytest.raises(Forbidden):
            set_due_soon_days(store, User("m", "methodist"), 10)
        changed = set_document_heading(store, SYSTEM, {"department_name": "  Управление   образования\nадминистрации ",
                                                       "department_head_name": "=И. И. Иванов"})
        assert changed == ["department_name", "department_head_name"]
        assert store.settings.get("department_name") == "Управление образования администрации"
        with pytest.raises(SettingsError, match="300"):
            set_document_heading(store, SYSTEM, {"department_name": "я" * 301})
        with pytest.raises(Forbidden):
            set_document_heading(store, User("h", "head"), {"department_name": "x"})
    finally:
        store.close()
