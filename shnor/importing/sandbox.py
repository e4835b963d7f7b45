"""Run a parser in a child process with a time and memory cap.

A hostile or broken file can then be stopped without taking the dashboard or the CLI down, and the
child never opens the database: it only returns a picklable ParsedFile.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .model import ERROR, Hints, Issue, MarkScale, ParsedFile

TIME_LIMIT_S = int(os.environ.get("SHNOR_PARSE_TIMEOUT", "300"))
MEMORY_LIMIT_BYTES = int(os.environ.get("SHNOR_PARSE_MEMORY_MB", "3072")) * 1024 * 1024


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(path: str, file_name: str, hints: Hints, scales: dict[tuple[str, int], MarkScale]) -> ParsedFile:
    from .parse import parse_file
    return parse_file(path, file_name, hints, scales)


def _failed(file_name: str, message: str) -> ParsedFile:
    return ParsedFile(file_name=file_name, layout="", layout_ru="не распознан",
                      issues=[Issue(ERROR, message, file=file_name)])


def parse_in_child(path: str | Path, file_name: str, hints: Hints,
                   scales: dict[tuple[str, int], MarkScale],
                   time_limit_s: int = TIME_LIMIT_S, memory_limit: int = MEMORY_LIMIT_BYTES) -> ParsedFile:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["shnor.importing.parse", "python_calamine"])
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_limit_memory, initargs=(memory_limit,))
    try:
        future = pool.submit(_child, str(path), file_name, hints, scales)
        try:
            return future.result(timeout=time_limit_s)
        except TimeoutError:
            return _failed(file_name, f"разбор файла занял больше {time_limit_s} с и был остановлен. "
                                      "Файл слишком велик или повреждён.")
        except (BrokenProcessPool, MemoryError):
            return _failed(file_name, "разбор файла потребовал больше памяти, чем разрешено, и был остановлен. "
                                      "Файл слишком велик или повреждён.")
        except Exception as exc:  # a parser bug must not show a traceback to the user
            return _failed(file_name, f"файл не удалось разобрать ({type(exc).__name__}). Проверьте, что это "
                                      "один из поддерживаемых форматов; если файл верный — сообщите разработчикам.")
    finally:
        for proc in list(getattr(pool, "_processes", {}).values()):
            if proc.is_alive():
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
