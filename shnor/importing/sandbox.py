"""Run a parser in a child process with a time and memory cap.

A hostile or broken file can then be stopped without taking the dashboard or the CLI down, and the
child never opens the database: it only returns a ParsedFile.

The child is a fresh interpreter (`python -m shnor.importing.sandbox`), not a multiprocessing worker:
multiprocessing re-imports the parent's `__main__`, which inside Streamlit is the page script (it would
run the page, and try to open the database, in the child). Arguments go in and the ParsedFile comes back
as pickles over the child's stdin/stdout — data of our own process pair, never from the file.
The "roadmap" entry returns a RoadmapDoc (shnor/importing/roadmap_doc.py) instead, and its failures (time,
memory, a crash) come back as a refused RoadmapDoc whose message speaks of a roadmap.
"""
from __future__ import annotations

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


def parse_in_child(path: str | Path, file_name: str, hints: Hints | None,
                   scales: dict[tuple[str, int], MarkScale] | None,
                   time_limit_s: int = TIME_LIMIT_S, memory_limit: int = MEMORY_LIMIT_BYTES,
                   entry: str = "file") -> ParsedFile | RoadmapDoc:
    """The entry's result (a ParsedFile; a RoadmapDoc for "roadmap"), or a refused one of the same type when the
    child ran out of time or memory or failed."""
    if entry not in ENTRIES:
        raise KeyError(f"unknown sandbox entry {entry!r}")
    payload = pickle.dumps((str(path), file_name, hints, scales, memory_limit, entry))
    env = dict(os.environ, PYTHONPATH=_PACKAGE_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        proc = subprocess.run([sys.executable, "-m", "shnor.importing.sandbox"], input=payload,
                              capture_output=True, timeout=time_limit_s, env=env, cwd=_PACKAGE_ROOT)
    except subprocess.TimeoutExpired:
        if entry == _ROADMAP:
            return _roadmap_failed(file_name, f"Файл «{file_name}»: разбор дорожной карты занял больше "
                                              f"{time_limit_s} с и был остановлен. Файл слишком велик или повреждён.")
        return _failed(file_name, f"разбор файла занял больше {time_limit_s} с и был остановлен. "
                                  "Файл слишком велик или повреждён.")
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


def _child_main() -> None:
    path, file_name, hints, scales, memory_limit, entry = pickle.loads(sys.stdin.buffer.read())
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    import importlib
    module, func = ENTRIES[entry]
    result = getattr(importlib.import_module(module), func)(path, file_name, hints, scales)
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child_main()
