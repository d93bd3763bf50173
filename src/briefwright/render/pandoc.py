"""pandoc, the binary that pypandoc-binary carries, kept running for a whole build.

pandoc parses each edition's Markdown once, to its JSON tree; every format is
written from that tree. pandoc spends longer on its first document than on
any later one (its parsers and citation style warm up), so instead of one
process per call, ``pandoc lua`` processes running ``pandoc_server.lua``
serve requests in turn; :func:`session` lends one to a thread for an
edition's calls, and takes it back for the next edition.

The server keeps what ``pandoc --sandbox`` guaranteed: Markdown is read with
no file access, and the DOCX writer refuses any image that is not embedded.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import itertools
import json
import logging
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from ..errors import BuildError

log = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("pandoc_server.lua")
KEPT_MOST = 32  # trees a server keeps at once: pandoc_server.lua's KEPT_MOST


@cache
def binary() -> str:
    """Return the path of the pandoc inside pypandoc-binary, found without importing pypandoc."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in ("pandoc", "pandoc.exe"):
            if (Path(folder) / "files" / name).is_file():
                return str(Path(folder) / "files" / name)
    import pypandoc  # noqa: PLC0415 - a pandoc elsewhere, which pypandoc knows how to find

    try:
        return str(pypandoc.get_pandoc_path())
    except OSError as exc:
        raise BuildError(
            f"pandoc is missing ({exc}); reinstall with 'make distclean brief'"
        ) from None


class Server:
    """One pandoc process answering requests one after another."""

    def __init__(self) -> None:
        self._log: IO[bytes] = tempfile.TemporaryFile()  # what pandoc says on stderr
        self._unanswered = 0  # warm-up requests sent, whose replies are still to be read
        self.kept: dict[str, None] = {}  # the labels of the trees it keeps, oldest first
        # Set by prestart: a warm-up is sent if loading asks this pandoc nothing.
        self.warm_up_due = False
        self.warm_up_bibliography: Path | None = None
        try:
            self._process = subprocess.Popen(
                [binary(), "lua", str(SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
            )
        except OSError as exc:
            self._log.close()
            raise BuildError(
                f"pandoc could not be started ({exc}); reinstall with 'make distclean brief'"
            ) from None

    def warm_up(self) -> None:
        """Have pandoc work through a sample document, without waiting for it to finish.

        The sample takes every path a brief takes (and renders every entry of
        ``warm_up_bibliography``, if set): pandoc spends longer on its first document
        than on later ones. The next request waits its turn behind it.
        """
        self.warm_up_due = False
        if not self.alive():
            return
        header = {"op": "warm", "size": 0, "bibliography": str(self.warm_up_bibliography or "")}
        try:
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(header).encode() + b"\n")
            self._process.stdin.flush()
        except OSError:
            return  # pandoc has stopped: the next request says so
        self._unanswered += 1

    def _read_unanswered(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        while self._unanswered:
            self._unanswered -= 1
            with contextlib.suppress(OSError, ValueError):
                reply = json.loads(stdout.readline() or b"null")
                if isinstance(reply, dict) and "size" in reply:
                    stdout.read(reply["size"])

    def call(
        self,
        op: str,
        body: bytes,
        what: str,
        warn: Callable[[str], None] | None = None,
        **options: Any,
    ) -> bytes:
        """Send one request; return pandoc's answer, or raise BuildError saying what failed.

        What pandoc warns of goes to ``warn``, if given, else to the log.
        """
        try:
            self._read_unanswered()  # a warm-up's, whose words are nobody's concern
            self._log.seek(0)
            self._log.truncate()  # what pandoc says from here on is about this request
            reply, data = self._exchange(op, body, options)
        except BaseException:  # an interrupted exchange would leave a reply for the next caller
            self.close()
            raise
        said = self._said()
        # A request warms pandoc up where the build needs it: loading's own (reading
        # the sections, the bibliography, the citations) do what a warm-up would, and
        # one sent after them would only hold up the next.
        self.warm_up_due = False
        if data is not None:
            self._note_kept(op, options)
            for line in said:  # line numbers are those of the edition's assembled .md file
                if warn is not None:
                    warn(line.removeprefix("[WARNING] "))
                else:
                    log.warning("pandoc, asked to %s: %s", what, line.removeprefix("[WARNING] "))
            return data
        if isinstance(reply, dict) and "error" in reply:
            detail = str(reply["error"]).strip().splitlines()
            raise BuildError(f"pandoc could not {what}: " + " ".join(detail[:3]))
        self.close()
        words = " ".join(said[-3:]) or f"exit status {self._process.poll()}"
        raise BuildError(f"pandoc stopped while it was asked to {what}: {words}")

    def _note_kept(self, op: str, options: dict[str, Any]) -> None:
        """Follow the trees pandoc keeps, as pandoc_server.lua keeps them (KEPT_MOST)."""
        if op == "forget":
            self.kept.pop(options.get("kept") or "", None)
        elif options.get("keep"):
            self.kept.setdefault(options["keep"])
            while len(self.kept) > KEPT_MOST:
                del self.kept[next(iter(self.kept))]

    def _exchange(self, op: str, body: bytes, options: dict[str, Any]) -> tuple[Any, bytes | None]:
        """Return pandoc's reply header and its bytes (None when pandoc failed or stopped)."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        options = {key: value for key, value in options.items() if value is not None}
        header = json.dumps({"op": op, "size": len(body), **options}).encode()
        try:
            process.stdin.write(header + b"\n" + body)
            process.stdin.flush()
            reply = json.loads(process.stdout.readline() or b"null")
            if isinstance(reply, dict) and "size" in reply:
                data = process.stdout.read(reply["size"])
                return reply, data if len(data) == reply["size"] else None
        except (OSError, ValueError):
            return None, None
        return reply, None

    def _said(self) -> list[str]:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace").strip().splitlines()

    def alive(self) -> bool:
        """Whether pandoc is still running (it may have been stopped, or have crashed)."""
        return self._process.poll() is None

    def close(self) -> None:
        """Stop pandoc at once: it holds nothing that needs saving."""
        if self.alive():
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._log):
            if stream is not None:
                with contextlib.suppress(OSError):  # unsent input is of no use now
                    stream.close()


_local = threading.local()  # the pandoc this thread has borrowed
_idle: list[Server] = []  # started, and free for the next thread that asks
_lock = threading.Lock()


@contextlib.contextmanager
def session() -> Iterator[None]:
    """Lend this thread one pandoc for the calls made inside; it is kept for later ones.

    Servers outlive a build, so a preview that rebuilds on every save, or a
    test run, pays for pandoc's first document once per thread, not per build.
    """
    if getattr(_local, "server", None) is not None:  # already lent to this thread
        yield
        return
    _local.server = _take_idle() or Server()
    try:
        yield
    finally:
        server, _local.server = _local.server, None
        if server.alive():
            with _lock:
                _idle.append(server)


def _take_idle() -> Server | None:
    with _lock:
        while _idle:
            server = _idle.pop()
            if server.alive():  # one may have been stopped while it waited
                return server
    return None


def _call(
    op: str, body: bytes, what: str, warn: Callable[[str], None] | None = None, **options: Any
) -> bytes:
    with session():
        server: Server = _local.server
        return server.call(op, body, what, warn, **options)


def prestart(root: Path) -> None:
    """Start a pandoc for the build to borrow, while the project loads.

    Loading asks it to read the sections, the bibliography and the
    citations, which pay pandoc's first-document costs. Where loading finds
    all of that kept (``--force`` over a kept build), :func:`warm_up_idle`
    sends a warm-up instead, on a bibliography of the project (found by its
    name alone), while the editions are planned.
    """
    with _lock:
        if _idle:
            return
    server = Server()
    server.warm_up_due = True
    server.warm_up_bibliography = min(root.glob("sources/*/references.*"), default=None)
    with _lock:
        _idle.append(server)


def warm_up_idle() -> None:
    """Send its warm-up to a started pandoc that loading has asked nothing."""
    with _lock:
        for server in _idle:
            if server.warm_up_due:
                server.warm_up()


@atexit.register
def close() -> None:
    """End every idle pandoc; the next call starts a new one."""
    with _lock:
        servers = list(_idle)
        _idle.clear()
    for server in servers:
        server.close()


def read(texts: list[str], what: str) -> list[dict[str, Any] | str]:
    """Read each text as pandoc Markdown on its own; return its blocks, or why it failed."""
    reply = json.loads(_call("read", json.dumps(texts).encode("utf-8"), f"read {what}"))
    out: list[dict[str, Any] | str] = []
    for item in reply:
        if isinstance(item, dict) and "error" in item:
            out.append(" ".join(str(item["error"]).split())[:300])
        else:
            out.append(item)
    return out


def cite(
    doc: dict[str, Any],
    bibliography: Path,
    label: str,
    csl: Path | None = None,
    lang: str = "en-GB",
) -> dict[str, Any]:
    """Return the tree with its citations resolved and its references listed."""
    from .. import bibliography as bib  # noqa: PLC0415 - this module starts before the models load

    text = _call(
        "cite",
        json.dumps(doc).encode("utf-8"),
        f"resolve the citations of {label}",
        # citeproc's words are about the bibliography and style, not this edition:
        # said once for all editions, unless `brief check`'s reading said them already.
        functools.partial(bib.citeproc_said, bibliography, csl),
        # The language picks citeproc's locale: dates and terms in references.
        bibliography=str(bibliography),
        csl=str(csl) if csl is not None else None,
        lang=lang,
    )
    result: dict[str, Any] = json.loads(text)
    return result


def references(text: str, ext: str, what: str) -> dict[str, Any]:
    """Return the ids a bibliography's text defines, read as :func:`cite` reads its file.

    The reply holds ``ids`` (in the file's order) and ``said`` (pandoc's
    warnings), or ``error``: pandoc's words on why it cannot read the text.
    """
    reply: dict[str, Any] = json.loads(
        _call("references", text.encode("utf-8"), f"read {what}", ext=ext)
    )
    return reply


def try_citations(
    keys: list[str], bibliography: Path | None, csl: Path | None, lang: str, what: str
) -> dict[str, Any]:
    """Resolve each of ``keys`` once, as :func:`cite` would; return what citeproc said.

    The reply holds ``said`` (citeproc's warnings) or ``error``. Without a
    bibliography, a sample reference tries the style.
    """
    reply: dict[str, Any] = json.loads(
        _call(
            "citations",
            b"",
            f"resolve the citations of {what}",
            keys=keys,
            bibliography=str(bibliography) if bibliography is not None else None,
            csl=str(csl) if csl is not None else None,
            lang=lang,
        )
    )
    return reply


def tree_name(label: str) -> str:
    """Return a name no other tree has had, for pandoc to keep ``label``'s tree under.

    A tree left kept by an edition that failed, or by an earlier build in
    this process, is never taken for a later one of the same label.
    """
    return f"{label} #{next(_names)}"


_names = itertools.count(1)


def write_html(doc: dict[str, Any], label: str, keep: str | None = None) -> str:
    """Write an HTML fragment (the page template supplies <head> and frame).

    Headings go one level down: on the page, the brief's title is the one h1.
    With ``keep`` (a :func:`tree_name`), this pandoc keeps the tree under that
    name for :func:`write_markdown` and :func:`write_office`, which need not
    send it again, until :func:`forget` (a few editions' trees are kept at once).
    """
    body = json.dumps(doc).encode("utf-8")
    return _call("html", body, f"write HTML for {label}", keep=keep).decode("utf-8")


def keep(doc: dict[str, Any], label: str, name: str) -> None:
    """Have pandoc keep ``doc`` under ``name``, as :func:`write_html` with ``keep`` does,
    without writing HTML. Nothing is sent if this thread's pandoc keeps it already."""
    with session():
        server: Server = _local.server
        if name not in server.kept:
            server.call(
                "keep", json.dumps(doc).encode("utf-8"), f"read the tree of {label}", keep=name
            )


def forget(name: str) -> None:
    """Drop the tree pandoc keeps under ``name``: its edition is written."""
    _call("forget", b"", f"forget the tree {name}", kept=name)


def write_markdown(label: str, kept: str) -> str:
    """Return pandoc Markdown of ``label``'s tree, kept under the name ``kept``."""
    from . import ast  # noqa: PLC0415 - this module starts before the models load

    return _call(
        "markdown",
        b"",
        f"write Markdown for {label}",
        kept=kept,
        notes_start=ast.PRINT_NOTES_START,
        notes_end=ast.PRINT_NOTES_END,
        note_mark=ast.NOTE_MARK.partition("{")[0],
    ).decode("utf-8")


def write_office(
    fmt: str,
    reference: Path,
    epoch: int,
    label: str,
    contents_style: str,
    rasters: dict[str, dict[str, str]] | None = None,
    *,
    kept: str,
) -> bytes:
    """Return a DOCX or ODT (``fmt``) of ``label``'s tree, kept under the name ``kept``.

    It has the reference document's styles; the contents list becomes
    paragraphs in ``contents_style``; the notes' second copy for the print page
    (see :func:`ast.add_print_notes`) is left out; and each SVG image whose
    URI's SHA-1 ``rasters`` names is replaced by that PNG.
    """
    from . import ast  # noqa: PLC0415 - this module starts before the models load

    return _call(
        "office",
        b"",
        f"write {fmt.upper()} for {label}",
        format=fmt,
        reference=str(reference),
        epoch=epoch,
        kept=kept,
        contents_style=contents_style,
        rasters=rasters or None,
        notes_start=ast.PRINT_NOTES_START,
        notes_end=ast.PRINT_NOTES_END,
        note_mark=ast.NOTE_MARK.partition("{")[0],  # each note's marker, number aside
    )
