"""What PDF worker processes start from: WeasyPrint loaded and warmed, once.

Builds with more than one job lay PDFs out in worker processes forked from a
fork server that imports this module first (see ``pdf_pool.py``). Importing it
loads WeasyPrint and lays out one small page, so that every worker starts
with fonts and text shaping ready and the main process never
loads WeasyPrint at all.

Importing it also lets go of the standard output and error it was given
(they point to ``/dev/null`` from then on): a fork server or worker that
outlived a killed build would otherwise hold the caller's pipe open, and
``brief build | tee log`` would wait on it. Workers say what they have to say
through the pool instead: each job's log records and errors travel back with
its result (see :func:`run`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import select
import sys
import threading
import time
import traceback
from collections.abc import Callable
from logging.handlers import QueueHandler
from typing import Any


def _let_go_of_output() -> None:
    """Point file descriptors 1 and 2 at /dev/null, whatever they were inherited from."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed or absent
            stream.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            os.dup2(null, fd)
    finally:
        os.close(null)


_let_go_of_output()

# Workers yield the cores to the process that feeds them print pages, and to its
# pandoc: every PDF waits on that work, and at the start of a build the first page
# waits on the project loading while the fork server loads WeasyPrint beside it.
# (About 3 % off a cold build of the sample; a busy machine stays responsive.)
NICENESS = 10
if hasattr(os, "nice"):
    with contextlib.suppress(OSError):  # a sandbox may refuse; priority is not essential
        os.nice(NICENESS)

# Loading WeasyPrint and laying out allocate objects by the hundred thousand, and
# the collector ran every 700: a first generation of 2,000 takes about 5 % off a
# PDF's time. (Larger ones gain no more, and let a worker's memory grow with every
# PDF it lays out; with 2,000 it levels off about 30 MB higher.)
gc.set_threshold(2_000, 10, 10)

from . import pdf  # noqa: E402 - after the collector is set

try:
    pdf.warm()
except Exception:  # e.g. no Pango: each PDF reports it, with the fix, when asked for
    pass
# Keep the collector off everything loaded so far, so forked workers share its memory
# instead of copying each page the collector would touch.
gc.freeze()

# How often a worker without pidfd_open (not Linux) asks whether its parent still runs.
POLL_SECONDS = 0.5
# The exit status of a worker whose build has gone; nobody waits for it.
ORPHANED = 70


def start(parent: int, levels: dict[str, int]) -> None:
    """Make this process a worker of ``parent``: end with it, and keep log records for it.

    ``levels`` are the parent's logging levels by logger name, so that a
    worker keeps exactly the records the parent would show.
    """
    _watch(parent)
    root = logging.getLogger()
    root.handlers[:] = [_KEPT]
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


def _watch(parent: int) -> None:
    """End this process as soon as ``parent`` ends, however it ends (SIGKILL included)."""
    try:
        handle: int | None = os.pidfd_open(parent)
    except ProcessLookupError:  # gone already
        os._exit(ORPHANED)
    except (AttributeError, OSError):  # not Linux, a kernel before 5.3, or a sandbox
        handle = None
    threading.Thread(
        target=_wait_for, args=(parent, handle), name="watch-parent", daemon=True
    ).start()


def _wait_for(parent: int, handle: int | None) -> None:
    if handle is not None:
        watch = select.poll()
        watch.register(handle, select.POLLIN)  # readable once the process has ended
        while not watch.poll():
            pass
    elif os.name == "nt":  # where os.kill(pid, 0) would end the process, not ask about it
        import multiprocessing.connection  # noqa: PLC0415

        # Without a fork server (see pdf_pool.py) a worker's parent is the build itself.
        spawner = multiprocessing.parent_process()
        if spawner is None:  # not started by multiprocessing: nothing to watch
            return
        multiprocessing.connection.wait([spawner.sentinel])
    else:
        while _alive(parent):
            time.sleep(POLL_SECONDS)
    # The build is gone and nothing will read this worker's results: stop now,
    # whatever the main thread is laying out.
    os._exit(ORPHANED)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by someone else
        return True
    return True


class _Keep(QueueHandler):
    """Keep each job's log records, made ready to send to the parent."""

    def __init__(self) -> None:
        # No queue: enqueue below keeps the records itself.
        super().__init__(queue=None)  # type: ignore[arg-type]
        self.records: list[logging.LogRecord] = []

    def enqueue(self, record: logging.LogRecord) -> None:
        """Keep the record until the job's result goes back."""
        self.records.append(record)


_KEPT = _Keep()


def run(
    function: Callable[..., Any], *args: Any
) -> tuple[list[logging.LogRecord], Any, str | None]:
    """Call ``function``; return the records logged meanwhile, and its result or error.

    The error comes back as a value, with its traceback as text, so that the
    records logged before it reach the parent too.
    """
    _KEPT.records = []
    try:
        return _KEPT.records, function(*args), None
    except Exception as exc:
        return _KEPT.records, exc, traceback.format_exc()
