"""The preview's HTTP side: what it serves, to whom, and how many at once.

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
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import queue
import re
import stat
import sys
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..formats import FORMATS
from ..roots import output_dir
from .page import SHOWN, page

if TYPE_CHECKING:
    from pathlib import Path

    from . import State

log = logging.getLogger(__name__)

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
