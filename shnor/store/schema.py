"""The schema: ordered migrations, append only. Each is a list of SQL statements or a callable(cursor),
applied in one transaction and recorded in `schema_version` (shnor/store/db.py runs them).

School years are stored as their start year (2020 = 2020/2021). Pupil rows are never stored: only aggregates
per (school, procedure, year). DuckDB-specific statements (`INSERT OR REPLACE`, sequences, `rowid`) are
listed in shnor/store/dialect.py.
"""
from __future__ import annotations

from typing import Callable

from shnor.domain import procedures
from shnor.domain.events import data_kinds
from shnor.domain.scales import EXAM_THRESHOLDS, THRESHOLD_YEARS, VPR_SCALES_2021, shipped_vpr_scales

# ---------------------------------------------------------------------------------------------
# Migrations: append only. Each is a list of SQL statements or a callable(conn).
# ---------------------------------------------------------------------------------------------

_M1 = """
CREATE SEQUENCE territory_id START 1;
CREATE TABLE territories (
    id INTEGER PRIMARY KEY DEFAULT nextval('territory_id'),
    name VARCHAR NOT NULL UNIQUE,          -- as users write it: «Таштагольский муниципальный район»
    short_name VARCHAR,
    kind VARCHAR NOT NULL DEFAULT 'municipality',  -- region | municipality | district | pseudo
    parent_id INTEGER,
    code VARCHAR                            -- e.g. reg22_m067 (ФИС ОКО municipality code)
);
CREATE TABLE territory_aliases (
    alias_norm VARCHAR PRIMARY KEY,
    territory_id INTEGER NOT NULL
);
CREATE SEQUENCE school_id START 1;
CREATE TABLE schools (
    id INTEGER PRIMARY KEY DEFAULT nextval('school_id'),
    login_key VARCHAR UNIQUE,      -- sch/edu + 6 digits -> 'S' + digits; other prefixes as written
    fisoko_login VARCHAR,          -- latest known form (edu… once seen, else sch…)
    inn VARCHAR,
    ogrn VARCHAR,
    exam_code_oge VARCHAR,
    exam_code_ege VARCHAR,
    registry_code VARCHAR,         -- the region's own code when there is no login
    short_name VARCHAR NOT NULL,
    full_name VARCHAR,
    territory_id INTEGER NOT NULL,
    district_id INTEGER,
    school_type VARCHAR,           -- СОШ, ООШ, НОШ, гимназия, лицей, школа-интернат, …
    ownership VARCHAR,             -- МБОУ, МКОУ, МАОУ, …
    is_shnsu BOOLEAN DEFAULT FALSE,
    is_rural BOOLEAN,
    is_general BOOLEAN DEFAULT TRUE,  -- general-education school (counts in the denominator)
    active_from INTEGER,           -- first school year active (NULL: always)
    active_to INTEGER,             -- last school year active (NULL: still open)
    merged_into INTEGER,
    created_batch INTEGER,
    created_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE school_aliases (      -- remembered mappings: a name or code as written -> school
    kind VARCHAR NOT NULL,         -- name | code
    value_norm VARCHAR NOT NULL,
    territory_id INTEGER,          -- names are per territory; codes are region-wide (NULL)
    school_id INTEGER NOT NULL,
    created_at TIMESTAMP DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE procedures (
    code VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    grade INTEGER,
    level VARCHAR,
    name_ru VARCHAR NOT NULL,
    in_default_set BOOLEAN NOT NULL
);
CREATE SEQUENCE batch_id START 1;
CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY DEFAULT nextval('batch_id'),
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    layout VARCHAR,
    procedure VARCHAR,
    year INTEGER,
    rows_read INTEGER,
    rows_stored INTEGER,
    status VARCHAR NOT NULL,       -- stored | undone
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR,
    undone_at TIMESTAMP,
    undone_by VARCHAR,
    report JSON                    -- warnings and row errors shown at import
);
CREATE TABLE results (
    school_id INTEGER NOT NULL,
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    low_count INTEGER NOT NULL,
    mark2 INTEGER, mark3 INTEGER, mark4 INTEGER, mark5 INTEGER,
    mean_score DOUBLE,
    score_hist JSON,               -- {"score": pupils}
    task_points JSON,              -- {"task": mean points}
    task_max JSON,
    journal_below INTEGER, journal_equal INTEGER, journal_above INTEGER,
    round_date DATE,
    grade_written INTEGER,
    batch_id INTEGER NOT NULL,
    PRIMARY KEY (school_id, procedure, year)
);
CREATE TABLE result_replacements ( -- what a batch replaced, so that undo restores it
    batch_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    old_row JSON,                  -- NULL: there was no value before
    replaced_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE vpr_scales (
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    mark INTEGER NOT NULL,
    min_score INTEGER NOT NULL,
    max_score INTEGER NOT NULL,
    PRIMARY KEY (procedure, year, mark)
);
CREATE TABLE exam_thresholds (
    procedure VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    kind VARCHAR NOT NULL,         -- min_test_score | min_primary_score | mark2 | geometry_min
    value INTEGER,
    max_value INTEGER,
    note VARCHAR,
    PRIMARY KEY (procedure, year, kind)
);
CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value JSON NOT NULL,
    updated_at TIMESTAMP DEFAULT current_timestamp,
    updated_by VARCHAR
);
CREATE TABLE targets (
    territory_id INTEGER,          -- NULL: the whole region
    year INTEGER NOT NULL,
    target_share DOUBLE NOT NULL,  -- fraction, 0.10 = 10 %
    updated_at TIMESTAMP DEFAULT current_timestamp
);
CREATE SEQUENCE run_id START 1;
CREATE TABLE identification_runs (
    id INTEGER PRIMARY KEY DEFAULT nextval('run_id'),
    year INTEGER NOT NULL,
    territory_id INTEGER,
    settings JSON NOT NULL,
    shnor_count INTEGER,
    school_count INTEGER,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE audit_log (
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor VARCHAR,
    action VARCHAR NOT NULL,
    detail JSON
);
"""


def _seed_catalogue(conn) -> None:
    rows = [(p.code, p.kind, p.subject, p.grade, p.level, p.name_ru, p.code in procedures.DEFAULT_SET)
            for p in procedures.CATALOGUE.values()]
    conn.executemany("INSERT INTO procedures VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _seed_reference(conn) -> None:
    for proc, bounds in VPR_SCALES_2021.items():
        for mark, (lo, hi) in bounds.items():
            conn.execute("INSERT INTO vpr_scales VALUES (?, 2020, ?, ?, ?)", [proc, mark, lo, hi])
    for year in THRESHOLD_YEARS:
        for proc, kind, value, max_value, note in EXAM_THRESHOLDS:
            conn.execute("INSERT INTO exam_thresholds VALUES (?, ?, ?, ?, ?, ?)",
                         [proc, year, kind, value, max_value, note])


# users and login sessions (shnor/accounts.py); official lists approved by order and the region's own
# lists (seed 004 appendix 3) for comparison (the identification page)
_M3_ACCOUNTS_AND_LISTS = """
CREATE TABLE users (
    name VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,             -- viewer | methodist | head | admin
    territory_id INTEGER,              -- NULL: the whole region
    pw_hash VARCHAR NOT NULL,          -- hashlib.scrypt, hex
    salt VARCHAR NOT NULL,             -- per user, hex
    scrypt_n INTEGER NOT NULL, scrypt_r INTEGER NOT NULL, scrypt_p INTEGER NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    disabled BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,    -- sha256 of the browser's token
    user_name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    expires TIMESTAMP NOT NULL
);
CREATE SEQUENCE official_list_id START 1;
CREATE TABLE official_lists (
    id INTEGER PRIMARY KEY DEFAULT nextval('official_list_id'),
    year INTEGER NOT NULL,             -- the list's school year (start year)
    territory_id INTEGER,              -- NULL: the whole region
    order_number VARCHAR,
    order_date DATE,
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    settings JSON,                     -- the rule settings the list was computed with
    status VARCHAR NOT NULL DEFAULT 'draft',   -- draft | approved
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE TABLE official_list_items (
    list_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    included BOOLEAN NOT NULL,
    computed_status VARCHAR,           -- the rule's status when the list was made
    manual BOOLEAN NOT NULL DEFAULT FALSE,
    reason VARCHAR,                    -- the written reason of a manual inclusion or exclusion
    criteria VARCHAR,
    reasons VARCHAR,
    PRIMARY KEY (list_id, school_id)
);
CREATE SEQUENCE region_list_id START 1;
CREATE TABLE region_lists (
    id INTEGER PRIMARY KEY DEFAULT nextval('region_list_id'),
    year INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    uploaded_by VARCHAR,
    uploaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE region_list_items (
    list_id INTEGER NOT NULL,
    territory_text VARCHAR,            -- «Территория» as written
    school_text VARCHAR,               -- «ОО» as written
    school_id INTEGER,                 -- NULL: not matched
    row_number INTEGER                 -- the row in the uploaded file
);
"""

def _mark_data_events(cur) -> None:
    """Audit rows written before events were typed: flag those that changed data."""
    kinds = data_kinds()
    cur.execute(f"UPDATE audit_log SET changes_data = action IN ({', '.join('?' * len(kinds))})", kinds)


_M4_TYPED_AUDIT = """
ALTER TABLE audit_log ADD COLUMN changes_data BOOLEAN DEFAULT TRUE;
CREATE TABLE login_failures (          -- throttling of failed logins per (name, client address)
    name VARCHAR NOT NULL,
    client VARCHAR NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    last_failed TIMESTAMP,
    locked_until TIMESTAMP,
    PRIMARY KEY (name, client)
);
CREATE TABLE stored_files (            -- one stored batch per file content, whoever saves it at the same time
    sha256 VARCHAR PRIMARY KEY,
    batch_id INTEGER NOT NULL
)
"""


def _fill_stored_files(cur) -> None:
    cur.execute("INSERT INTO stored_files SELECT sha256, min(id) FROM import_batches WHERE status = 'stored' "
                "GROUP BY sha256")


def _ship_vpr_scales(cur) -> None:
    """Official scales with their source: added where a (work, year) has none, the source named where the
    stored scale is the shipped one (a scale the user corrected keeps «введена пользователем»)."""
    cur.execute("ALTER TABLE vpr_scales ADD COLUMN source VARCHAR")
    for scale, source in shipped_vpr_scales():
        stored = {m: (lo, hi) for m, lo, hi in cur.execute(
            "SELECT mark, min_score, max_score FROM vpr_scales WHERE procedure = ? AND year = ?",
            [scale.procedure, scale.year]).fetchall()}
        if not stored:
            cur.executemany("INSERT INTO vpr_scales (procedure, year, mark, min_score, max_score, source) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [[scale.procedure, scale.year, m, lo, hi, source]
                                                         for m, (lo, hi) in sorted(scale.bounds.items())])
        elif stored == scale.bounds:
            cur.execute("UPDATE vpr_scales SET source = ? WHERE procedure = ? AND year = ?",
                        [source, scale.procedure, scale.year])
    cur.execute("UPDATE vpr_scales SET source = 'введена пользователем' WHERE source IS NULL")


_M7_ROADMAPS_AND_SUPPORT = """
CREATE SEQUENCE roadmap_id START 1;
CREATE TABLE roadmaps (
    id INTEGER PRIMARY KEY DEFAULT nextval('roadmap_id'),
    title VARCHAR NOT NULL,
    period_text VARCHAR,
    period_start DATE,
    period_end DATE,
    order_number VARCHAR,
    order_date DATE,
    territory_id INTEGER,          -- NULL: the whole region
    school_id INTEGER,             -- a school's own roadmap
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMP DEFAULT current_timestamp,
    created_by VARCHAR
);
CREATE SEQUENCE measure_id START 1;
CREATE TABLE measures (
    id INTEGER PRIMARY KEY DEFAULT nextval('measure_id'),
    roadmap_id INTEGER NOT NULL,
    position INTEGER NOT NULL,     -- the document's order
    number VARCHAR NOT NULL DEFAULT '',
    section VARCHAR NOT NULL DEFAULT '',
    text VARCHAR NOT NULL,
    deadline_text VARCHAR NOT NULL DEFAULT '',
    deadline_start DATE,
    deadline_end DATE,
    deadline_kind VARCHAR,
    deadline_flagged BOOLEAN DEFAULT FALSE,
    deadline_note VARCHAR,
    responsible VARCHAR NOT NULL DEFAULT '',
    expected_result VARCHAR NOT NULL DEFAULT '',
    schools_text VARCHAR NOT NULL DEFAULT '',
    status VARCHAR NOT NULL DEFAULT 'planned',   -- planned | in_progress | done | not_done | cancelled
    status_date DATE,
    evidence VARCHAR,              -- a note
    evidence_link VARCHAR,
    evidence_doc VARCHAR,          -- a document's name (order, protocol)
    updated_at TIMESTAMP,
    updated_by VARCHAR
);
CREATE TABLE measure_schools (
    measure_id INTEGER NOT NULL,
    school_id INTEGER NOT NULL,
    PRIMARY KEY (measure_id, school_id)
);
CREATE SEQUENCE measure_update_id START 1;
CREATE TABLE measure_updates (     -- progress updates and every change of a measure: who, what, when
    id INTEGER PRIMARY KEY DEFAULT nextval('measure_update_id'),
    measure_id INTEGER NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    by_user VARCHAR,
    update_date DATE,              -- the date the progress refers to
    field VARCHAR NOT NULL,        -- status | evidence | note | text | deadline | criterion | schools | …
    old_value VARCHAR,
    new_value VARCHAR
);
CREATE SEQUENCE criterion_id START 1;
CREATE TABLE measure_criteria (    -- success criteria with a rating
    id INTEGER PRIMARY KEY DEFAULT nextval('criterion_id'),
    measure_id INTEGER NOT NULL,
    text VARCHAR NOT NULL,
    rating VARCHAR,                -- NULL (not rated) | met | partly | not_met
    updated_at TIMESTAMP,
    updated_by VARCHAR
);
CREATE TABLE indicator_values (
    indicator VARCHAR NOT NULL,    -- catalogue code (shnor/domain/indicators.py)
    territory_id INTEGER,          -- NULL with NULL school: the whole region
    school_id INTEGER,
    year INTEGER NOT NULL,         -- school year by its first calendar year (2021 = 2021/2022)
    value DOUBLE NOT NULL,
    source VARCHAR,                -- a file name, or NULL when entered by hand
    entered_by VARCHAR,
    entered_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE indicator_targets (
    indicator VARCHAR NOT NULL,
    territory_id INTEGER,          -- NULL: the region
    year INTEGER NOT NULL,
    target DOUBLE NOT NULL,
    set_by VARCHAR,
    set_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE risk_levels (
    school_id INTEGER NOT NULL,
    year INTEGER NOT NULL,
    factor INTEGER NOT NULL,       -- 1..10 (shnor/domain/risks.py)
    level VARCHAR NOT NULL,        -- high | medium | low
    measured JSON,                 -- the values behind the level, e.g. {"share_ovz": 0.12}
    source VARCHAR,
    set_by VARCHAR,
    set_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (school_id, year, factor)
);
CREATE TABLE partnerships (
    school_id INTEGER NOT NULL,    -- the supported school
    partner_id INTEGER NOT NULL,
    since DATE,
    reason VARCHAR,
    ended DATE,
    created_by VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE school_support (      -- people and flags beside the registry
    school_id INTEGER PRIMARY KEY,
    curator VARCHAR,
    coordinator VARCHAR,
    is_500plus BOOLEAN DEFAULT FALSE,
    updated_by VARCHAR,
    updated_at TIMESTAMP
)
"""


_M8_INTERVIEWS_AND_TEMPLATES = """
CREATE SEQUENCE interview_id START 1;
CREATE TABLE interviews (          -- «собеседования» with a school's head
    id INTEGER PRIMARY KEY DEFAULT nextval('interview_id'),
    school_id INTEGER NOT NULL,
    held_on DATE NOT NULL,
    participants VARCHAR NOT NULL DEFAULT '',
    findings VARCHAR NOT NULL DEFAULT '',      -- what was found
    decisions VARCHAR NOT NULL DEFAULT '',
    follow_up VARCHAR NOT NULL DEFAULT '',     -- follow-up measures as written
    created_by VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp,
    updated_by VARCHAR,
    updated_at TIMESTAMP
);
CREATE TABLE interview_measures (  -- follow-up measures linked to the roadmap
    interview_id INTEGER NOT NULL,
    measure_id INTEGER NOT NULL,
    PRIMARY KEY (interview_id, measure_id)
);
CREATE TABLE report_templates (    -- a department's own letterhead (.docx) per document kind
    kind VARCHAR PRIMARY KEY,      -- spravka | school | interviews | list
    file_name VARCHAR NOT NULL,
    content BLOB NOT NULL,
    sha256 VARCHAR NOT NULL,
    uploaded_by VARCHAR,
    uploaded_at TIMESTAMP DEFAULT current_timestamp
)
"""


# append only: a new migration goes at the end
MIGRATIONS: list[tuple[str, list[str | Callable]]] = [
    ("core schema", [_M1, _seed_catalogue, _seed_reference]),
    ("registry snapshots for undo", [
        "CREATE TABLE school_snapshots (batch_id INTEGER NOT NULL, school_id INTEGER NOT NULL, old_row JSON)"]),
    ("users, sessions, official and region lists", [_M3_ACCOUNTS_AND_LISTS]),
    ("typed audit events, login throttling, one batch per file",
     [_M4_TYPED_AUDIT, _mark_data_events, _fill_stored_files]),
    ("the territory a region list was uploaded for (NULL: the whole region)", [
        "ALTER TABLE region_lists ADD COLUMN territory_id INTEGER"]),
    ("official ВПР scales shipped with their source", [_ship_vpr_scales]),
    ("roadmaps and measures, indicators and targets, risk profiles, partners and people",
     [_M7_ROADMAPS_AND_SUPPORT]),
    ("interview records and the departments' own document templates", [_M8_INTERVIEWS_AND_TEMPLATES]),
]
