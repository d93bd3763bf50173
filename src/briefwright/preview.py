"""Live preview: serve a brief's editions on 127.0.0.1 and rebuild them on every save.

The page at ``/`` frames one edition (HTML, or the PDF in the browser's own
viewer) under a bar with the edition's marking and a switcher between
audiences and formats. A watcher rebuilds what changed in ``sources/``,
``briefs/`` and ``templates/`` and tells the page through server-sent events
(``/events``) to reload; a broken save shows the error, as ``brief check``
words it, over the last good output until the next good save.

Only files named ``<brief>-<audience>.html`` or ``.pdf`` of this brief's
editions are served, from ``build/<brief>/<audience>/``; no request path is
ever joined to a folder, so nothing else can be reached. Nor is any file
reached through a link: each folder below the project root (``build/`` itself
included) and the file are opened without following symbolic links, and only
a regular file with no other name (hard link) is served.

Listening on 127.0.0.1 keeps other computers out, not other web pages: a page
on any site, open in the author's browser, can make it send requests here
(and, by pointing its own name at 127.0.0.1, read the answers). So every
request must name this preview in ``Host`` (``127.0.0.1:PORT`` or
``localhost:PORT``), or it gets 421; and a request that a browser says comes
from another page (``Origin``, ``Sec-Fetch-Site``) gets 403. Both come before
anything of the brief is read. At most MAX_CONNECTIONS connections get a
thread, and MAX_STREAMS of them an event stream; beyond, the answer is 503.

Every build runs in one thread that Ctrl-C does not reach, nor the pandoc
and PDF worker processes it starts (a terminal sends Ctrl-C to them all);
the main thread takes it, and stops the preview after the build in progress.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import queue
import re
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from markupsafe import escape

from . import build, load, select
from .errors import BriefError
from .formats import FORMATS
from .render import pdf_pool
from .roots import output_dir

log = logging.getLogger(__name__)

WATCHED = ("sources", "briefs", "templates")
# A thread serves each connection; these caps keep a flood of connections (a
# page in the author's browser can open them by the hundred) from growing
# threads without bound. Beyond them the answer is 503. A browser opens at
# most six connections to one host, and a page holds one event stream.
MAX_CONNECTIONS = 32
MAX_STREAMS = 12
REQUEST_TIMEOUT = 10  # seconds a connection may take to send its request, or to take an answer
_BUSY = b"the preview is busy: too many connections are open; reload in a moment\n"
BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: %d\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s"
) % (len(_BUSY), _BUSY)
SHOWN = tuple(f.name for f in FORMATS.values() if f.preview)  # what a browser can show
FILE = re.compile(
    r"^/files/(?P<audience>[a-z0-9][a-z0-9-]*)/(?P<name>[a-z0-9-]+\.(?:" + "|".join(SHOWN) + r"))$"
)


class Refused(Exception):
    """A file under build/ that the preview will not serve; the message says why."""


def read_regular(root: Path, folders: tuple[str, ...], name: str) -> bytes:
    """Read ``root/folders.../name`` without following a link below ``root``.

    Raise FileNotFoundError if it is not there, Refused if a folder or the file
    is a symbolic link, or the file is anything but a regular file of one name.
    """
    if not {os.open, os.stat} <= os.supports_dir_fd or not hasattr(os, "O_NOFOLLOW"):
        raise Refused("this system cannot open a file without following links")
    cloexec = getattr(os, "O_CLOEXEC", 0)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | cloexec)
    shown = ""
    try:
        for folder in folders:
            shown += folder + "/"
            parent, fd = fd, -1  # _open_below closes the parent, whatever happens
            fd = _open_below(parent, folder, os.O_DIRECTORY, shown.rstrip("/"))
        # O_NONBLOCK: opening a named pipe to read would otherwise wait for a writer.
        parent, fd = fd, -1
        fd = _open_below(parent, name, os.O_NONBLOCK, shown + name)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{shown}{name} is not a regular file")
        if info.st_nlink != 1:
            raise Refused(f"{shown}{name} has other names (hard links)")
        with os.fdopen(fd, "rb") as stream:
            fd = -1  # the stream closes it
            return stream.read()
    finally:
        if fd >= 0:
            os.close(fd)


def _open_below(parent: int, name: str, flags: int, shown: str) -> int:
    """Open ``name`` in the folder ``parent`` (which is closed) without following a link."""
    flags |= os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(name, flags, dir_fd=parent)
    except FileNotFoundError:
        raise
    except OSError as exc:
        try:
            link = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
        except OSError:
            link = False
        if link or exc.errno == errno.ELOOP:
            raise Refused(f"{shown} is a symbolic link") from None
        raise Refused(f"{shown} cannot be opened ({exc.strerror})") from None
    finally:
        os.close(parent)


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


def watch(state: State, stop: threading.Event) -> None:
    """Rebuild after every change under the watched folders until ``stop`` is set."""
    import watchfiles

    folders = [state.root / name for name in WATCHED if (state.root / name).is_dir()]
    for _changes in watchfiles.watch(
        *folders, stop_event=stop, debounce=150, step=50, rust_timeout=300, raise_interrupt=False
    ):
        rebuild(state)


def page(state: State, audience: str, fmt: str) -> str:
    """Return the preview page that frames one edition."""
    marking = state.markings.get(audience, {"label": "", "colour": "#FFFFFF"})
    tabs = "".join(
        f'<a href="/?a={a}&amp;f={fmt}" {"aria-current=page" if a == audience else ""}>{a}</a>'
        for a in state.audiences
    )
    formats = "".join(
        f'<a href="/?a={audience}&amp;f={f}" {"aria-current=page" if f == fmt else ""}>'
        f"{f.upper()}</a>"
        for f in sorted(SHOWN, key=lambda name: name != "html")
    )
    name = f"{state.brief}-{audience}.{fmt}"
    return PAGE.format(
        brief=escape(state.brief),
        tabs=tabs,
        formats=formats,
        label=escape(marking["label"]),
        colour=escape(marking["colour"]),
        src=f"/files/{audience}/{name}",
        state=json.dumps(state.snapshot()).replace("<", "\\u003c"),
    )


class Handler(BaseHTTPRequestHandler):
    """Serve the preview page, the edition files, the state and the event stream."""

    state: State
    server_version = "briefwright-preview"
    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("preview: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        refusal = self._refusal()
        if refusal is not None:
            return self._send(refusal[0], refusal[1].encode() + b"\n", "text/plain")
        parts = urlsplit(self.path)
        if parts.scheme or parts.netloc:  # only a path names something here, never a URL
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        if parts.path == "/":
            query = parse_qs(parts.query)
            audience = query.get("a", [self.state.audiences[0]])[0]
            fmt = query.get("f", ["html"])[0]
            if audience not in self.state.audiences or fmt not in SHOWN:
                return self._send(HTTPStatus.NOT_FOUND, b"no such edition", "text/plain")
            body = page(self.state, audience, fmt).encode("utf-8")
            return self._send(HTTPStatus.OK, body, "text/html; charset=utf-8")
        if parts.path == "/state":
            data = json.dumps(self.state.snapshot()).encode()
            return self._send(HTTPStatus.OK, data, "application/json")
        if parts.path == "/events":
            return self._events()
        match = FILE.match(parts.path)
        if match and match["audience"] in self.state.audiences:
            expected = f"{self.state.brief}-{match['audience']}"
            if match["name"].rsplit(".", 1)[0] == expected:
                return self._file(match["audience"], match["name"])
        return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _refusal(self) -> tuple[HTTPStatus, str] | None:
        """Return why this request is refused (status, reason), or None to answer it."""
        port = self.state.port
        hosts = self.headers.get_all("Host") or []
        host = hosts[0].strip().lower() if len(hosts) == 1 else ""
        if host not in (f"127.0.0.1:{port}", f"localhost:{port}"):
            return (
                HTTPStatus.MISDIRECTED_REQUEST,
                f"this preview answers only http://127.0.0.1:{port}/ and http://localhost:{port}/",
            )
        # A browser names the page that sent a request. Only this preview's own page
        # (same origin) and the author's own navigation ("none": typed, or opened by
        # brief preview) may read it; "same-site" is any other port of this computer.
        origins = self.headers.get_all("Origin") or []
        sites = self.headers.get_all("Sec-Fetch-Site") or []
        if any(origin != f"http://{host}" for origin in origins) or len(origins) > 1:
            return HTTPStatus.FORBIDDEN, "refused: the request comes from another web page"
        if any(site not in ("same-origin", "none") for site in sites) or len(sites) > 1:
            return HTTPStatus.FORBIDDEN, "refused: the request comes from another web page"
        return None

    def _file(self, audience: str, name: str) -> None:
        root = self.state.root
        folders = (*output_dir(root).relative_to(root).parts, self.state.brief, audience)
        try:
            data = read_regular(root, folders, name)
        except (FileNotFoundError, NotADirectoryError):
            return self._send(HTTPStatus.NOT_FOUND, b"not built yet", "text/plain")
        except (Refused, OSError) as exc:
            reason = str(exc) if isinstance(exc, Refused) else f"cannot be read ({exc.strerror})"
            message = (
                f"not served: {reason}; the preview serves only the files brief build writes "
                "(delete it and save a source to rebuild)"
            )
            log.warning("preview: %s", message)
            return self._send(HTTPStatus.FORBIDDEN, message.encode() + b"\n", "text/plain")
        kind = FORMATS[name.rsplit(".", 1)[1]].media_type
        kind += "; charset=utf-8" if kind.startswith("text/") else ""
        self._send(HTTPStatus.OK, data, kind)

    def _send(self, status: HTTPStatus, body: bytes, kind: str) -> None:
        self._start(status, kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start(self, status: HTTPStatus, kind: str) -> None:
        """Send the status line and the headers every answer carries."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        # Only the preview's own page may frame an edition; links out of an edition
        # do not tell other sites the brief's name and audience.
        self.send_header("Content-Security-Policy", "frame-ancestors 'self'")
        self.send_header("Referrer-Policy", "no-referrer")

    def _events(self) -> None:
        listener: queue.Queue[str | None] = queue.Queue()
        with self.state.lock:
            room = len(self.state.listeners) < MAX_STREAMS and not self.state.closed
            if room:
                self.state.listeners.append(listener)
        if not room:
            full = b"too many pages of this preview are open: close some and reload this one\n"
            if self.state.closed:
                full = b"the preview is stopping\n"
            return self._send(HTTPStatus.SERVICE_UNAVAILABLE, full, "text/plain")
        try:
            self._start(HTTPStatus.OK, "text/event-stream")
            self.end_headers()
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            for message in _messages(listener):
                self.wfile.write(message.encode())
                self.wfile.flush()
        except OSError as exc:  # the tab closed, or stopped reading
            log.debug("preview: %s dropped the connection (%s)", self.client_address[0], exc)
        finally:
            with self.state.lock:
                self.state.listeners.remove(listener)


def _messages(listener: queue.Queue[str | None]) -> Iterator[str]:
    """Yield the messages published to a stream, a keep-alive when quiet, until None."""
    while True:
        try:
            message = listener.get(timeout=15)
        except queue.Empty:
            yield ": keep-alive\n\n"
            continue
        if message is None:
            return
        yield message


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


class Server(ThreadingHTTPServer):
    """The HTTP server: a thread per connection, and no traceback when a browser hangs up."""

    daemon_threads = True
    # Connections wait in the kernel, not in threads, while the cap turns others away.
    request_queue_size = 128
    debug = False  # --debug: show the traceback of a request that failed

    def __init__(self, address: tuple[str, int], handler: type[Handler]) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own if one is free, else answer 503."""
        if not self.slots.acquire(blocking=False):
            log.debug("preview: %s turned away: all connections busy", client_address[0])
            return self._turn_away(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()  # no thread started, none will give it back
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def _turn_away(self, request: Any) -> None:
        """Answer 503 from the thread that accepts connections, waiting on nothing."""
        try:
            # Read the request if it is there (waiting a moment at most): closing a
            # connection with a request unread resets it, and the 503 would be lost.
            request.settimeout(0.05)
            with contextlib.suppress(TimeoutError):
                request.recv(65536)
            request.setblocking(False)  # the answer fits in the socket's buffer
            request.sendall(BUSY)
        except OSError:
            pass  # the client has gone already
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request: a dropped connection at debug, anything else in one line."""
        exc = sys.exc_info()[1]
        # A browser resets connections all the time: a reload cancels the edition
        # it was loading, a closed tab ends its event stream.
        if isinstance(exc, ConnectionError | TimeoutError):
            log.debug("preview: %s dropped the connection (%s)", client_address[0], exc)
            return
        log.error(
            "preview: a request failed: %s: %s (rerun with --debug for details, "
            "and report it with the command you ran)",
            type(exc).__name__,
            exc,
            exc_info=self.debug,
        )


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
        try:
            rebuild(self.state)
        finally:
            self.built_once.set()
        try:
            if not self.stop_event.is_set():
                watch(self.state, self.stop_event)
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
        from .render import pandoc

        pandoc.close()  # the pandoc processes builds keep for the next one


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview · {brief}</title>
<style>
  html, body {{ margin: 0; height: 100%; font-family: "Source Sans Pro", Calibri, sans-serif; }}
  body {{ display: flex; flex-direction: column; background: #e9ecf1; }}
  header {{ display: flex; gap: 1.2em; align-items: center; flex-wrap: wrap;
           padding: 0.4em 1em; background: #1f3a5f; color: #fff; }}
  header strong {{ font-size: 1.05em; }}
  nav {{ display: flex; gap: 0.3em; }}
  nav a {{ color: #fff; text-decoration: none; padding: 0.2em 0.6em; border-radius: 3px; }}
  nav a[aria-current] {{ background: #fff; color: #1f3a5f; font-weight: 700; }}
  .marking {{ margin-left: auto; background: #000; font-weight: 700; padding: 0.15em 0.6em;
              letter-spacing: 0.04em; }}
  .status {{ font-size: 0.85em; opacity: 0.85; }}
  main {{ position: relative; flex: 1; }}
  iframe {{ border: 0; width: 100%; height: 100%; background: #fff; }}
  #problem {{ position: absolute; inset: 1em 1em auto 1em; padding: 1em 1.2em;
              background: #fff4f4; border: 2px solid #b00020; color: #5c0011;
              box-shadow: 0 4px 16px rgba(0,0,0,.2); white-space: pre-wrap;
              font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }}
  #problem[hidden] {{ display: none; }}
  #problem h2 {{ margin: 0 0 0.4em; font-family: "Source Sans Pro", sans-serif; }}
</style>
</head>
<body>
<header>
  <strong>{brief}</strong>
  <nav aria-label="Audience">{tabs}</nav>
  <nav aria-label="Format">{formats}</nav>
  <span class="status" id="status" aria-live="polite">Watching for changes</span>
  <span class="marking" id="marking" style="color: {colour}">{label}</span>
</header>
<main>
  <div id="problem" role="alert" hidden><h2>The last save did not build</h2>
  <div id="problem-text"></div>
  <p>Showing the last good version below. Fix the file and save again.</p></div>
  <iframe id="edition" title="The edition" src="{src}"></iframe>
</main>
<script type="application/json" id="state">{state}</script>
<script>
  const state = JSON.parse(document.getElementById("state").textContent);
  const frame = document.getElementById("edition");
  const problem = document.getElementById("problem");
  const status = document.getElementById("status");
  const audience = new URLSearchParams(location.search).get("a") || state.audiences[0];
  function showProblem(text) {{
    document.getElementById("problem-text").textContent = text;
    problem.hidden = false;
    status.textContent = "Error in the last save";
  }}
  if (state.error) showProblem(state.error);
  const events = new EventSource("/events");
  events.onopen = () => {{ status.dataset.connected = "true"; }};
  events.onerror = () => {{
    status.dataset.connected = "false";
    // The browser retries a dropped stream by itself; a refused one (the preview
    // stopped, or too many pages are open) it gives up on.
    if (events.readyState === EventSource.CLOSED) {{
      status.textContent = "Not updating: reload the page once brief preview runs";
    }}
  }};
  events.addEventListener("reload", (event) => {{
    const data = JSON.parse(event.data);
    problem.hidden = true;
    const marking = data.markings[audience];
    if (marking) {{
      const badge = document.getElementById("marking");
      badge.textContent = marking.label;
      badge.style.color = marking.colour;
    }}
    status.textContent = (data.fixed ? "Fixed: builds again" : "Updated") +
      " (version " + data.version + ")";
    const src = frame.src.split("?")[0];
    frame.src = src + "?v=" + data.version;
  }});
  events.addEventListener("problem", (event) => showProblem(JSON.parse(event.data).error));
</script>
</body>
</html>
"""


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
