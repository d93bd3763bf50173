"""Live preview: serve a brief's editions on 127.0.0.1 and rebuild them on every save.

The page at ``/`` frames one edition (HTML, or the PDF in the browser's own
viewer) under a bar with the edition's marking and a switcher between
audiences and formats. A watcher rebuilds what changed in ``sources/``,
``briefs/`` and ``templates/`` and tells the page through server-sent events
(``/events``) to reload; a broken save shows the error, as ``brief check``
words it, over the last good output until the next good save.

What is served, and to whom, is ``serving.py``'s to say; the page itself is ``page.py``'s.

Every build runs in one thread that Ctrl-C does not reach, nor the pandoc
and PDF worker processes it starts (a terminal sends Ctrl-C to them all);
the main thread takes it, and stops the preview after the build in progress.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import build, load, select
from ..errors import BriefError
from ..render import pdf_pool
from .serving import Handler, Server

log = logging.getLogger(__name__)

WATCHED = ("sources", "briefs", "templates")


@dataclass
class State:
    """What the preview knows: the last good build, the current error, the listeners."""

    root: Path
    brief: str
    audiences: list[str]
    port: int = 0  # the port the preview listens on, once it does
    debug: bool = False  # --debug: show the traceback of an unexpected error
    # Where the preview tells the author what is good news (a fix); problems are warnings.
    say: Callable[[str], None] = field(default=lambda text: log.info("preview: %s", text))
    version: int = 0
    error: str | None = None
    busy: bool = False  # a build is in progress
    markings: dict[str, dict[str, str]] = field(default_factory=dict)
    listeners: list[queue.Queue[str | None]] = field(default_factory=list)
    closed: bool = False  # stopping: the event streams end, and no new one starts
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        message = f"event: {event}\ndata: {json.dumps(data)}\n\n"
        with self.lock:
            for listener in self.listeners:
                listener.put(message)

    def close(self) -> None:
        """End every event stream (None tells it to), and refuse new ones."""
        with self.lock:
            self.closed = True
            for listener in self.listeners:
                listener.put(None)

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "error": self.error,
            "brief": self.brief,
            "audiences": self.audiences,
            "markings": self.markings,
        }


def rebuild(state: State) -> None:
    """Build the brief's editions; publish 'reload' on success, 'problem' on a fault."""
    state.busy = True
    broken = state.error is not None
    try:
        project = load.load_project(state.root)
        if state.brief not in project.briefs:
            raise BriefError(f"briefs/{state.brief}.yaml: the brief no longer exists")
        audiences = [a for a in state.audiences if a in project.briefs[state.brief].audiences]
        build.withdraw(project, [state.brief])  # as brief build does, before it may fail
        editions = select.plan_or_raise(project, [state.brief], audiences)
        results = build.build(editions, jobs=pdf_pool.default_jobs())
        build.raise_failures(results)
    except BriefError as exc:
        return _problem(state, exc.format_message())
    except Exception as exc:  # a fault of briefwright's own: say so, and keep watching
        if state.debug:
            log.error("preview: the build failed", exc_info=True)
        return _problem(
            state,
            f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details, "
            "and report it with the command you ran)",
        )
    finally:
        state.busy = False
    state.error = None
    state.markings = {
        r.edition.audience.name: {
            "label": r.edition.marking.label,
            "colour": r.edition.marking.colour,
        }
        for r in results
    }
    state.version += 1
    built = [r.edition.audience.name for r in results if r.status == "built"]
    log.info("preview: version %d (%s)", state.version, ", ".join(built) or "nothing changed")
    if broken:  # the author fixed what the console and the page showed as broken
        state.say(f"Fixed: {state.brief} builds again (version {state.version}).")
    state.publish("reload", {**state.snapshot(), "fixed": broken})


def _problem(state: State, error: str) -> None:
    """Keep the last good outputs, and tell the console and the page what went wrong."""
    state.error = error
    log.warning("preview: %s", error)
    state.publish("problem", {"error": error, "version": state.version})


def watch(
    state: State,
    stop: threading.Event,
    since: Listing | None = None,
    watching: threading.Event | None = None,
) -> None:
    """Rebuild after every change under the watched folders until ``stop`` is set.

    With ``since`` (a :func:`listing` taken before the first build), a change
    saved after that listing but before the watcher began (during the first
    build, say) rebuilds too, as soon as the watcher runs; ``watching`` is set
    then.
    """
    import watchfiles

    folders = [state.root / name for name in WATCHED if (state.root / name).is_dir()]
    for changes in watchfiles.watch(
        *folders,
        stop_event=stop,
        debounce=150,
        step=50,
        rust_timeout=300,
        yield_on_timeout=True,  # the first timeout says the watcher runs
        raise_interrupt=False,
    ):
        if changes or (since is not None and listing(state.root) != since):
            rebuild(state)
        since = None
        if watching is not None:
            watching.set()


Listing = dict[str, tuple[int, int]]


def listing(root: Path) -> Listing:
    """Return the size and modification time of every file the watcher watches.

    The watcher's own filter decides (editors' swap and backup files, ``.git``
    and the like are not changes), so that what it ignores rebuilds nothing here.
    """
    from watchfiles import Change, DefaultFilter

    ignored = DefaultFilter()
    found: Listing = {}
    for name in WATCHED:
        for folder, dirs, files in os.walk(root / name):
            dirs[:] = [d for d in dirs if ignored(Change.modified, os.path.join(folder, d))]
            for file in files:
                path = os.path.join(folder, file)
                if not ignored(Change.modified, path):
                    continue
                with contextlib.suppress(OSError):  # gone since the folder was listed
                    info = os.stat(path)
                    found[path] = (info.st_size, info.st_mtime_ns)
    return found


def _keep_ctrl_c_away() -> None:
    """Block SIGINT in this thread, and so in every thread and process it starts.

    A terminal sends Ctrl-C to every process of a command: pandoc and the PDF
    workers would die in the middle of an edition, each with a traceback, and
    leave the build's pool half torn down. Only the main thread takes Ctrl-C;
    it stops the preview, which lets the build in progress finish and ends what
    the builds started.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _start_pdf_workers_deaf_to_ctrl_c() -> None:
    """Start the PDF workers' fork server with Ctrl-C ignored, as its workers then are.

    A blocked signal alone does not reach them: multiprocessing unblocks SIGINT
    in the thread that starts its resource tracker, just before the fork
    server. Ignoring SIGINT is inherited instead, and the fork server passes
    it on. Only the main thread may change it, for the moment the start takes
    (it does not wait for the server to load WeasyPrint).
    """
    if pdf_pool.default_jobs() < 2 or threading.current_thread() is not threading.main_thread():
        return  # builds with one job lay PDFs out here; elsewhere the thread mask must do
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pdf_pool.start_server()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


class Preview:
    """A running preview: an HTTP server on 127.0.0.1 and a file watcher."""

    def __init__(
        self,
        root: Path,
        brief: str,
        audiences: list[str],
        port: int = 0,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.state = State(root, brief, audiences)
        if echo is not None:
            self.state.say = echo
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = Server(("127.0.0.1", port), handler)
        self.state.port = int(self.server.server_address[1])
        self.stop_event = threading.Event()
        self.built_once = threading.Event()
        self.watching = threading.Event()  # set once changes are watched
        self.builder: threading.Thread | None = None
        self.serving: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.state.port}/"

    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        _start_pdf_workers_deaf_to_ctrl_c()
        self.builder = threading.Thread(target=self._build_and_watch, name="preview-build")
        self.builder.daemon = True
        self.builder.start()
        self.built_once.wait()
        self.serving = threading.Thread(target=self.server.serve_forever, name="preview-serve")
        self.serving.daemon = True
        self.serving.start()

    def _build_and_watch(self) -> None:
        """Build, then rebuild on every change until stopped: every build runs here."""
        _keep_ctrl_c_away()
        before = listing(self.state.root)
        try:
            rebuild(self.state)
        finally:
            self.built_once.set()
        try:
            if not self.stop_event.is_set():
                watch(self.state, self.stop_event, since=before, watching=self.watching)
        except Exception as exc:  # e.g. a watched folder went away
            log.error("preview: stopped watching for changes: %s (restart brief preview)", exc)

    def stop(self) -> None:
        """Stop serving; let a build in progress finish; end what the builds started."""
        self.stop_event.set()
        self.state.close()
        if self.serving is not None:  # shutdown() would wait for ever on a server never run
            self.server.shutdown()
            self.serving.join()
        self.server.server_close()
        if self.builder is not None:
            # Its PDF workers end with its pool, its outputs are whole (writes are atomic).
            self.builder.join()
        from ..render import pandoc

        pandoc.close()  # the pandoc processes builds keep for the next one


def serve(
    root: Path,
    brief: str,
    audiences: list[str],
    port: int = 0,
    open_browser: bool = True,
    *,
    echo: Callable[[str], None],
    debug: bool = False,
) -> None:
    """Run a preview until interrupted (Ctrl-C)."""
    try:
        server = Preview(root, brief, audiences, port, echo=echo)
    except OSError as exc:
        raise BriefError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another with --port"
        ) from None
    server.server.debug = server.state.debug = debug
    try:
        server.start()
        echo(f"Previewing {brief} at {server.url} (Ctrl-C to stop)")
        if server.state.error:
            echo(f"The first build failed; fix it and save:\n{server.state.error}")
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)
        threading.Event().wait()
    except KeyboardInterrupt:
        if server.state.busy:
            echo("Stopping after the build in progress...")
    finally:
        server.stop()
    echo("Stopped.")
