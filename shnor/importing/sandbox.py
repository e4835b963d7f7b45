"""Run a parser in a child process with a time and memory cap.

A hostile or broken file can then be stopped without taking the dashboard or the CLI down, and the
child never opens the database: it only returns a ParsedFile.

The child is a fresh interpreter (`python -m shnor.importing.sandbox`), not a multiprocessing worker:
multiprocessing re-imports the parent's `__main__`, which inside Streamlit is the page script (it would
run the page, and try to open the database, in the child). Arguments go in and the ParsedFile comes back
as pickles over the child's stdin/stdout — data of our own process pair, never from the file.
The "roadmap" entry returns a RoadmapDoc (shnor/importing/roadmap_doc.py) instead, and its failures (time,
memory, a crash) come back as a refused RoadmapDoc whose message speaks of a roadmap.

The child gets two pickles: first the file (path, name, memory cap, entry) — it then imports its parser and reads
the workbook — and then what the caller says (hints, scales). `expect(paths)` starts the child of the first file
at once, so that it reads the file while the caller starts up and opens the database (the command line's `import`
and the demo's build do this); `parse_in_child` of that file then only sends the hints and scales, and starts the
next expected file's child while the caller stores this one. A prestarted child whose file changed since is
discarded; one never used is stopped at exit. The child imports no pandas and no database driver.
"""
from __future__ import annotations

import atexit
import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shnor.importing.model import ERROR, Hints, Issue, MarkScale, ParsedFile

if TYPE_CHECKING:
    from shnor.importing.roadmap_doc import RoadmapDoc

TIME_LIMIT_S = int(os.environ.get("SHNOR_PARSE_TIMEOUT", "300"))
MEMORY_LIMIT_BYTES = int(os.environ.get("SHNOR_PARSE_MEMORY_MB", "3072")) * 1024 * 1024
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def _failed(file_name: str, message: str) -> ParsedFile:
    return ParsedFile(file_name=file_name, layout="", layout_ru="не распознан",
                      issues=[Issue(ERROR, message, file=file_name)])


# What the child may run, by name: every result and registry layout (the default), and the region's own list
# of the identification page (shnor/importing/region_list.py; its RegionListFile is a ParsedFile), and the risk-profile
# template (shnor/importing/risk_template.py).
ENTRIES = {"file": ("shnor.importing.parse", "parse_file"),
           "region_list": ("shnor.importing.region_list", "parse_region_list"),
           "risk_template": ("shnor.importing.risk_template", "parse_risk_template"),
           "indicator_template": ("shnor.importing.indicator_template", "parse_indicator_template"),
           # a roadmap document (shnor/importing/roadmap_doc.py): a RoadmapDoc, not a ParsedFile, also when it fails
           "roadmap": ("shnor.importing.roadmap_doc", "parse_roadmap")}
_ROADMAP = "roadmap"


def _roadmap_failed(file_name: str, message: str) -> RoadmapDoc:
    from shnor.importing.roadmap_doc import failed_roadmap
    return failed_roadmap(file_name, message)


def _expected_type(entry: str) -> type:
    if entry == _ROADMAP:
        from shnor.importing.roadmap_doc import RoadmapDoc
        return RoadmapDoc
    return ParsedFile


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=_PACKAGE_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Prestarted:
    """A child started before it is needed: it has its file's head and is reading the file."""

    def __init__(self, path: str, file_name: str, memory_limit: int, entry: str):
        self.key = (path, file_name, memory_limit, entry)
        self.stamp = _stamp(path)
        self.proc = subprocess.Popen([sys.executable, "-m", "shnor.importing.sandbox"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=_PACKAGE_ROOT)
        try:
            self.proc.stdin.write(pickle.dumps((path, file_name, memory_limit, entry)))
            self.proc.stdin.flush()
        except OSError:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.communicate(timeout=5)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            pass


_expected: list[tuple[str, str]] = []            # (path, file name) of files the caller will parse, in order
_prestarted: dict[tuple, _Prestarted] = {}


def expect(paths, entry: str = "file") -> None:
    """The caller will parse these files in this order (each by its own name): the first one's child starts now."""
    _expected[:] = [(str(Path(p)), Path(p).name) for p in paths if Path(p).is_file()]
    _start_next(entry)


def _start_next(entry: str = "file", memory_limit: int = MEMORY_LIMIT_BYTES) -> None:
    if _expected and not _prestarted:
        path, name = _expected.pop(0)
        child = _Prestarted(path, name, memory_limit, entry)
        _prestarted[child.key] = child


@atexit.register
def _stop_unused() -> None:
    for child in list(_prestarted.values()):
        child.stop()
    _prestarted.clear()


def _run_prestarted(child: _Prestarted, rest: bytes, time_limit_s: int):
    """(returncode, stdout, stderr) of a prestarted child given the rest of its payload."""
    try:
        out, err = child.proc.communicate(input=rest, timeout=time_limit_s)
    except subprocess.TimeoutExpired:
        child.stop()
        raise
    return subprocess.CompletedProcess(child.proc.args, child.proc.returncode, out, err)


def parse_in_child(path: str | Path, file_name: str, hints: Hints | None,
                   scales: dict[tuple[str, int], MarkScale] | None,
                   time_limit_s: int = TIME_LIMIT_S, memory_limit: int = MEMORY_LIMIT_BYTES,
                   entry: str = "file") -> ParsedFile | RoadmapDoc:
    """The entry's result (a ParsedFile; a RoadmapDoc for "roadmap"), or a refused one of the same type when the
    child ran out of time or memory or failed."""
    if entry not in ENTRIES:
        raise KeyError(f"unknown sandbox entry {entry!r}")
    head = pickle.dumps((str(path), file_name, memory_limit, entry))
    rest = pickle.dumps((hints, scales))
    child = _prestarted.pop((str(path), file_name, memory_limit, entry), None)
    if child is None:          # not this file: the files expected before it were skipped (already stored, …)
        _stop_unused()
        if (str(path), file_name) in _expected:
            del _expected[:_expected.index((str(path), file_name)) + 1]
    elif child.stamp != _stamp(str(path)):
        child.stop()           # the file changed since the child started reading it
        child = None
    try:
        if child is not None:
            proc = _run_prestarted(child, rest, time_limit_s)
        else:
            proc = subprocess.run([sys.executable, "-m", "shnor.importing.sandbox"], input=head + rest,
                                  capture_output=True, timeout=time_limit_s, env=_env(), cwd=_PACKAGE_ROOT)
    except subprocess.TimeoutExpired:
        if entry == _ROADMAP:
            return _roadmap_failed(file_name, f"Файл «{file_name}»: разбор дорожной карты занял больше "
                                              f"{time_limit_s} с и был остановлен. Файл слишком велик или повреждён.")
        return _failed(file_name, f"разбор файла занял больше {time_limit_s} с и был остановлен. "
                                  "Файл слишком велик или повреждён.")
    finally:
        _start_next()        # the next expected file is read while the caller stores this one
    if proc.returncode == 0:
        try:
            result = pickle.loads(proc.stdout)
            if isinstance(result, _expected_type(entry)):
                return result
        except Exception:
            pass
    err = proc.stderr.decode("utf-8", "replace")
    if "MemoryError" in err or "memory allocation" in err or proc.returncode in (-6, -9, 137):
        if entry == _ROADMAP:
            return _roadmap_failed(file_name, f"Файл «{file_name}»: разбор дорожной карты потребовал больше памяти, "
                                              "чем разрешено, и был остановлен. Файл слишком велик или повреждён.")
        return _failed(file_name, "разбор файла потребовал больше памяти, чем разрешено, и был остановлен. "
                                  "Файл слишком велик или повреждён.")
    # the child's error text stays out of the message: a user is never shown a Python exception
    if entry == _ROADMAP:
        return _roadmap_failed(file_name, f"Файл «{file_name}» не удалось разобрать как дорожную карту: он повреждён "
                                          "или устроен необычно. Загрузите документ Word (.docx) или таблицу Excel с "
                                          "таблицей мероприятий («№ п/п | Мероприятие | Срок | Ответственный»); если "
                                          "файл верный — сообщите разработчикам.")
    return _failed(file_name, "файл не удалось разобрать: его содержимое не похоже ни на один из поддерживаемых "
                              "форматов или повреждено. Проверьте, что это протокол ВПР, отчёт ФИС ОКО, таблица "
                              "ОГЭ/ЕГЭ, шаблон системы или реестр школ; если файл верный — сообщите разработчикам.")


def _read_ahead(path: str, file_name: str) -> None:
    """Read the file's sheets now (before the hints arrive); parse_file's own read then gets them (or the same
    refusal or error) instead of reading again."""
    from shnor.importing import parse, reading
    try:
        early: tuple = (reading.read_sheets(path, file_name), None)
    except BaseException as exc:       # raised again, unchanged, where parse_file reads
        early = (None, exc)

    def read_sheets(p, name=None):
        if (str(p), name) != (path, file_name):
            return reading.read_sheets(p, name)
        sheets, exc = early
        if exc is not None:
            raise exc
        return sheets
    parse.read_sheets = read_sheets


def _child_main() -> None:
    stdin = sys.stdin.buffer
    path, file_name, memory_limit, entry = pickle.load(stdin)
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    import importlib
    module, func = ENTRIES[entry]
    parser = getattr(importlib.import_module(module), func)
    if entry == "file":
        _read_ahead(path, file_name)
    try:
        hints, scales = pickle.load(stdin)
    except EOFError:                   # a prestarted child that was not needed
        return
    result = parser(path, file_name, hints, scales)
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child_main()
