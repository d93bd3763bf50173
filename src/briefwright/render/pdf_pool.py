"""PDF workers: processes forked from a server that has WeasyPrint loaded and warm.

The fork server is started once per build (a cold build starts it as soon as
the command runs, while the project loads) and imports ``pdf_worker``; every
worker is forked from it with WeasyPrint ready. The main process never loads
WeasyPrint and never forks itself, so its threads are safe.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # multiprocessing loads only when a build starts workers
    from concurrent.futures import ProcessPoolExecutor

PDF_WORKER = "briefwright.render.pdf_worker"


def default_jobs() -> int:
    """Return the number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_server() -> Any:
    """Start the fork server now if it is not running; return its context (None without one)."""
    import multiprocessing.forkserver  # noqa: PLC0415

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PDF_WORKER])
    multiprocessing.forkserver.ensure_running()
    return context


def pool(workers: int) -> ProcessPoolExecutor:
    """Return a pool of ``workers`` PDF workers with WeasyPrint warm."""
    import importlib  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    context = start_server()
    if context is not None:
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return ProcessPoolExecutor(  # no fork server (Windows): each worker warms itself
        max_workers=workers, initializer=importlib.import_module, initargs=(PDF_WORKER,)
    )
