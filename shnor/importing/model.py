"""What parsers return. Parsers are pure: they read one file and never touch the database.

A parser turns a file into a `ParsedFile`: result rows aggregated per (school, procedure, year), or
registry rows, plus `Issue`s that name file, sheet, row and column. The import service (service.py)
matches schools, applies settings and stores a ParsedFile in one transaction — or refuses it whole.
Everything here is picklable: parsing runs in a child process (sandbox.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shnor.domain.scales import MarkScale  # noqa: F401 (re-exported for the parsers)

ERROR = "error"        # the file is refused
WARNING = "warning"    # stored, but the user is told
ROW_ERROR = "row_error"  # a pupil row left out (ВПР protocols, ≤ 1 % of pupil rows); stored otherwise

# What a file may need from the caller before it can be read to the end (ParsedFile.needs): nothing is refused
# yet, the upload form asks for all of them at once (proposing values), the CLI names them all in one message.
NEED_PROCEDURE = "procedure"   # the work (ВПР: subject and grade) is not said in the file
NEED_YEAR = "year"             # the school year is not said in the file
NEED_SCALE = "scale"           # procedure and year are known, but that year's mark scale is not entered


@dataclass
class Issue:
    level: str                 # ERROR | WARNING | ROW_ERROR
    message: str               # Russian, complete sentence
    file: str = ""
    sheet: str | None = None
    row: int | None = None     # 1-based row number as Excel shows it
    column: str | None = None  # header text (or Excel letter) of the column
    value: str | None = None

    def text(self) -> str:
        """`файл.xlsx, лист «Sheet», строка 12, столбец «всего баллов» (значение «21»): …`"""
        where = [self.file] if self.file else []
        if self.sheet:
            where.append(f"лист «{self.sheet}»")
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        head = ", ".join(where)
        if self.value is not None:
            head += f" (значение «{self.value}»)"
        return f"{head}: {self.message}" if head else self.message


@dataclass
class SchoolRef:
    """How a row names its school. Any of the keys may be missing."""
    login: str | None = None        # ФИС ОКО login as written: sch220206 / edu220206 / ksh220028
    exam_code: str | None = None    # regional exam code (РЦОИ / Код ОГЭ / Код ЕГЭ)
    inn: str | None = None
    ogrn: str | None = None
    name: str | None = None         # the name as written in the file
    territory: str | None = None    # municipality as written in the file (name, or `reg22_m067 | город Славгород`)
    district: str | None = None


@dataclass
class ResultRow:
    """One (school, procedure, school year) result, aggregated from the file."""
    school: SchoolRef
    procedure: str                  # catalogue code
    year: int                       # school year start (2020 = 2020/2021)
    participants: int
    low_count: int                  # "2" (ВПР, ОГЭ) or below the exam minimum (ЕГЭ)
    marks: dict[int, int] | None = None          # {2: n, 3: n, 4: n, 5: n} when known
    mean_score: float | None = None
    score_hist: dict[int, int] | None = None     # total primary score -> pupils (protocols only)
    task_points: dict[str, float] | None = None  # task label -> mean points (protocols only)
    task_max: dict[str, float] | None = None     # task label -> max points when known
    journal_cmp: dict[str, int] | None = None    # {"below": n, "equal": n, "above": n}
    round_date: str | None = None   # ISO date of the round when known
    grade_written: int | None = None  # pupils' grade (autumn 2020: N+1 wrote the grade-N work)
    source_sheet: str | None = None
    source_row: int | None = None   # first row of the school in the file


@dataclass
class RegistryRow:
    school: SchoolRef               # login/exam_code/inn/ogrn/name/territory as in the file
    full_name: str | None = None
    short_name: str | None = None
    exam_code_oge: str | None = None
    exam_code_ege: str | None = None
    school_type: str | None = None  # СОШ/ООШ/НОШ/гимназия/лицей/школа-интернат/…
    ownership: str | None = None    # МБОУ/МКОУ/МАОУ/…
    is_shnsu: bool | None = None
    is_rural: bool | None = None
    active_from: int | None = None  # school year start
    active_to: int | None = None
    source_sheet: str | None = None
    source_row: int | None = None


@dataclass
class Proposal:
    """A likely value of something the file does not say, and why (Russian, shown to the user)."""
    value: object                   # procedure code | school year start | (min3, min4, min5, max) for a scale
    reason: str                     # «по имени файла «vpr2021spring_ma5.xlsx»», «по учебникам и кодам участников»


@dataclass
class ParsedFile:
    file_name: str
    layout: str                     # "1A" "1B" "1C" "2" "3" "4" "5A" (plain list) "5B" (context form)
    layout_ru: str                  # "Протокол ВПР ФИС ОКО (весна 2021)" …
    results: list[ResultRow] = field(default_factory=list)
    registry: list[RegistryRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    procedure: str | None = None    # when the whole file is one procedure
    year: int | None = None
    pupil_rows: int = 0             # protocols: pupil rows read
    rows_read: int = 0              # data rows read (all layouts)
    needs: set[str] = field(default_factory=set)             # NEED_* the caller must give (nothing read yet)
    proposals: dict[str, Proposal] = field(default_factory=dict)  # need -> likely value
    region: str | None = None       # the region as the file names it («reg220000 | Алтайский край»), if it does

    @property
    def refused(self) -> bool:
        return any(i.level == ERROR for i in self.issues)

    @property
    def pending(self) -> bool:
        """The file needs something from the caller (and is not refused): asked, not stored."""
        return bool(self.needs) and not self.refused


class ParseRefusal(Exception):
    """Raised inside a parser when the file cannot be stored at all. Carries Russian issues."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(i.text() for i in issues))
        self.issues = issues


@dataclass
class Hints:
    """What the caller says about a file (CLI flags, upload form)."""
    procedure: str | None = None
    year: int | None = None
    territory: str | None = None
