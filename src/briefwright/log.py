"""Logging and terminal output for the ``brief`` command.

Level policy: library modules log problems a user should know about (a
source that lost raw markup, a withheld section) at WARNING, each step at
INFO, and details at DEBUG. The CLI shows WARNING and above by default,
INFO with ``-v``, DEBUG with ``-vv``, and only errors with ``-q``. Colour
follows the terminal and ``NO_COLOR``.

Every record is printed as ``warning: what`` (``error:``, ``info:``...), as
``brief check`` prints its problems, folded to the width of the terminal.
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap

from rich.console import Console
from rich.markup import escape

PIPE_WIDTH = 120  # a pipe or log has no width of its own; COLUMNS, when set, wins
COLOURS = {"error": "red", "warning": "yellow"}


def _width(stream: object) -> int | None:
    """Return the width to print at: the terminal's or COLUMNS (None lets rich find it)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return None  # rich reads COLUMNS itself
    isatty = getattr(stream, "isatty", None)
    return None if isatty is not None and isatty() else PIPE_WIDTH


def consoles() -> tuple[Console, Console]:
    """Return (stdout, stderr) consoles that honour NO_COLOR and the terminal's width."""
    no_color = bool(os.environ.get("NO_COLOR"))
    return (
        Console(no_color=no_color, highlight=False, width=_width(sys.stdout)),
        Console(stderr=True, no_color=no_color, highlight=False, width=_width(sys.stderr)),
    )


def fold_width(console: Console) -> int | None:
    """Return the width to fold messages to: a terminal's or COLUMNS, else None.

    A pipe or a log keeps each message on one line, for grep and for editors
    that jump to ``file:line``.
    """
    if console.is_terminal or os.environ.get("COLUMNS", "").isdigit():
        return console.width
    return None


def wrapped(text: str, width: int | None) -> str:
    """Return ``text`` folded to ``width``, each further line indented by two spaces.

    Words stay whole where they fit, so a ``file:line:`` at the start stays
    one word that an editor can follow.
    """
    if width is None:
        return text
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        out.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent="  ",
                break_on_hyphens=False,
                replace_whitespace=False,
                drop_whitespace=True,
            )
            or [""]
        )
    return "\n".join(out)


def say(console: Console, severity: str, text: str) -> None:
    """Print ``severity: text`` folded to the console's width, the severity in colour."""
    folded = wrapped(f"{severity}: {text}", fold_width(console))
    head, rest = folded[: len(severity)], folded[len(severity) :]
    colour = COLOURS.get(severity)
    shown = f"[{colour}]{head}[/]" if colour else escape(head)
    console.print(shown + escape(rest), highlight=False, soft_wrap=True)


class _Handler(logging.Handler):
    """Print each record as ``warning: message`` on a console."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            say(self.console, record.levelname.lower(), record.getMessage())
        except Exception:  # a log line must never end the command
            self.handleError(record)


def setup(verbosity: int, quiet: bool, err: Console) -> None:
    """Send the library's log records to stderr at the level the flags ask for."""
    level = (
        logging.ERROR
        if quiet
        else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    )
    logger = logging.getLogger("briefwright")
    logger.handlers.clear()
    logger.addHandler(_Handler(err))
    logger.setLevel(level)
    logger.propagate = False
    # Other libraries' warnings (a math renderer's notes on MathML it skips, say) are
    # theirs, not the user's: without a handler of its own, Python would print them.
    logging.getLogger().handlers = [logging.NullHandler()]
    # WeasyPrint and fontTools are chatty about CSS they skip; keep them to errors.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR if verbosity < 2 else logging.INFO)
