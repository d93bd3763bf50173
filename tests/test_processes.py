"""PDF workers end with the build however it ends, and never hold the caller's output."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright.render import pdf_pool

from .conftest import BRIEF

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="reads the process tree from Linux's /proc"
)

# Generous: the machine may be busy; none of these waits measures speed.
WAIT = 60.0


def children(pid: int) -> list[int]:
    """Return the children of ``pid``, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # the thread or the process has just ended
            continue
    return found


def stat(pid: int) -> tuple[str, str] | None:
    """Return the state and start time of ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return fields[0], fields[19]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pdf_processes(build: int) -> dict[int, tuple[str, str]]:
    """Return the build's fork server and the workers forked from it, with their start times."""
    servers = [pid for pid in children(build) if "forkserver" in cmdline(pid)]
    found = {}
    for pid in servers + [w for s in servers for w in children(s)]:
        if (state := stat(pid)) is not None:
            found[pid] = state
    return found


def running(processes: dict[int, tuple[str, str]]) -> list[int]:
    """Return those of ``processes`` still running (neither gone nor a zombie)."""
    alive = []
    for pid, (_, started) in processes.items():
        now = stat(pid)
        if now is not None and now[1] == started and now[0] not in ("Z", "X"):
            alive.append(pid)
    return alive


def several_briefs(project: Callable[..., Path]) -> Path:
    """Return a project of four briefs, twelve editions: a build that lasts a few seconds."""
    briefs = {f"briefs/demo{n}.yaml": BRIEF.replace("Test Brief", f"Brief {n}") for n in range(3)}
    return project(briefs)


def start_build(root: Path) -> subprocess.Popen[bytes]:
    """Start ``brief build -j 2`` with its stdout and stderr into one pipe, as ``| tee`` would."""
    main = "from briefwright.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", main, "--root", str(root), "build", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_workers(build: subprocess.Popen[bytes]) -> dict[int, tuple[str, str]]:
    """Wait until the build has a fork server and a worker; return them."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = pdf_processes(build.pid)
        if len(found) >= 2:
            return found
        assert build.poll() is None, "the build ended before its PDF workers started"
        time.sleep(0.01)
    raise AssertionError("no PDF worker started")


def reaches_eof(pipe: object, timeout: float) -> bool:
    """Whether reading ``pipe`` to its end finishes within ``timeout`` seconds."""
    done = threading.Event()

    def drain() -> None:
        while pipe.read(65536):  # type: ignore[attr-defined]
            pass
        done.set()

    threading.Thread(target=drain, daemon=True).start()
    return done.wait(timeout)


def gone_within(processes: dict[int, tuple[str, str]], timeout: float) -> list[int]:
    """Wait until none of ``processes`` runs; return those still running at the end."""
    deadline = time.monotonic() + timeout
    while (left := running(processes)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize(
    ("sig", "status"),
    [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 1)],
    ids=["SIGKILL", "SIGTERM", "Ctrl-C"],
)
def test_pdf_workers_end_with_a_stopped_build_and_let_go_of_its_output(
    project: Callable[..., Path], sig: signal.Signals, status: int
) -> None:
    build = start_build(several_briefs(project))
    workers: dict[int, tuple[str, str]] = {}
    try:
        workers = wait_for_workers(build)
        workers.update(pdf_processes(build.pid))  # any started meanwhile
        build.send_signal(sig)
        assert build.wait(WAIT) == status  # Ctrl-C: click's "Aborted!" and status 1
        assert reaches_eof(build.stdout, WAIT), "something still holds the build's output"
        assert gone_within(workers, WAIT) == [], "PDF workers outlived the build"
    finally:
        if build.poll() is None:
            build.kill()
        build.wait()
        for pid in running(workers):
            os.kill(pid, signal.SIGKILL)  # only what this test started


def test_a_build_that_ends_normally_leaves_no_pdf_worker(project: Callable[..., Path]) -> None:
    build = start_build(several_briefs(project))
    workers = wait_for_workers(build)
    assert reaches_eof(build.stdout, 10 * WAIT)
    assert build.wait(WAIT) == 0
    assert gone_within(workers, WAIT) == []


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def test_what_a_worker_logs_is_logged_here_and_its_errors_come_back() -> None:
    logger = logging.getLogger("briefwright.test_processes")
    kept = Kept()
    logger.addHandler(kept)
    library = logging.getLogger("briefwright")  # whose level the command sets, as -v does
    level = library.level
    library.setLevel(logging.INFO)
    try:
        with pdf_pool.pool(1) as workers:
            assert workers.submit(logger.info, "from a worker: %s", "laid out").result() is None
            assert workers.submit(logger.debug, "below the level").result() is None
            with pytest.raises(ValueError, match="invalid literal") as failed:
                workers.submit(int, "not a number").result()
            assert workers.submit(os.getpid).result() != os.getpid()
    finally:
        logger.removeHandler(kept)
        library.setLevel(level)
    assert kept.messages == ["INFO: from a worker: laid out"]
    assert "Traceback" in str(failed.value.__cause__)
