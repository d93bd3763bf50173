"""PDF workers: processes forked from a server that has WeasyPrint loaded and warm.

The fork server is started once per build (a cold build starts it as soon as
the command runs, while the project loads) and imports ``pdf_worker``; every
worker is forked from it with WeasyPrint ready. The main process never loads
WeasyPrint and never forks itself, so its threads are safe.

Workers end with the process that started the pool, however it ends: each
watches that process (see ``pdf_worker.start``), and the fork server stops
when its pipe from that process closes. Neither holds the caller's standard
output or error; what a worker logs comes back with its job's result and is
logged here, as if the PDF had been laid out in this process.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # multiprocessing loads only when a build starts workers
    from concurrent.futures import Future, ProcessPoolExecutor

PDF_WORKER = "briefwright.render.pdf_worker"
# The loggers whose levels workers copy: the ones the command sets (see log.py).
LOGGERS = ("", "briefwright", "weasyprint", "fontTools")


def default_jobs() -> int:
    """Return the number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_server() -> Any:
    """Start the fork server now if it is not running; return its context (None without one)."""
    import multiprocessing.forkserver  # noqa: PLC0415 - only builds with workers load it

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PDF_WORKER])
    multiprocessing.forkserver.ensure_running()
    return context


def pool(workers: int) -> ProcessPoolExecutor:
    """Return a pool of ``workers`` PDF workers with WeasyPrint warm."""
    levels = {name: logging.getLogger(name or None).getEffectiveLevel() for name in LOGGERS}
    # Without a fork server (Windows) each worker imports pdf_worker, and warms, itself.
    return _pool_class()(
        max_workers=workers,
        mp_context=start_server(),
        initializer=_start_worker,
        initargs=(os.getpid(), levels),
    )


@cache
def _pool_class() -> type[ProcessPoolExecutor]:
    from concurrent.futures import Future, ProcessPoolExecutor  # noqa: PLC0415

    class Pool(ProcessPoolExecutor):
        """A process pool whose jobs bring their log records back with their results."""

        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            """Run ``fn(*args)`` in a worker; the records it logs there are logged here."""
            if kwargs:
                raise TypeError("PDF jobs take positional arguments only")
            outer: Future[Any] = Future()
            inner = super().submit(_run, fn, *args)
            inner.add_done_callback(lambda done: _settle(outer, done))
            outer.add_done_callback(lambda done: done.cancelled() and inner.cancel())
            return outer

    return Pool


def _start_worker(parent: int, levels: dict[str, int]) -> None:
    from . import pdf_worker  # noqa: PLC0415 - in a worker; loaded already where forked

    pdf_worker.start(parent, levels)


def _run(fn: Any, *args: Any) -> Any:
    from . import pdf_worker  # noqa: PLC0415

    return pdf_worker.run(fn, *args)


class RemoteTraceback(Exception):
    """The traceback of an error raised in a worker, as text."""

    def __str__(self) -> str:
        return str(self.args[0])


def _settle(outer: Future[Any], inner: Future[Any]) -> None:
    """Log the records a job brought back, then give ``outer`` its result or error."""
    if outer.done():  # cancelled
        return
    if inner.cancelled():
        outer.cancel()
        return
    error = inner.exception()
    if error is not None:  # the worker itself failed, or its result could not be sent
        outer.set_exception(error)
        return
    records, value, trace = inner.result()
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    if trace is None:
        outer.set_result(value)
    else:
        value.__cause__ = RemoteTraceback(trace)
        outer.set_exception(value)
