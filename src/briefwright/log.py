"""Logging and terminal output for the ``brief`` command.

Level policy: library modules log problems a user should know about (a
source that lost raw markup, a withheld section) at WARNING, each step at
INFO, and details at DEBUG. The CLI shows WARNING and above by default,
INFO with ``-v``, DEBUG with ``-vv``, and only errors with ``-q``. Colour
follows the terminal and ``NO_COLOR``.
"""

from __future__ import annotations

import logging
import os
import sys

from rich.console import Console
from rich.logging import RichHandler


def consoles() -> tuple[Console, Console]:
    """Return (stdout, stderr) consoles that honour NO_COLOR."""
    no_color = bool(os.environ.get("NO_COLOR"))
    # Logs and pipes have no width of their own; give tables room rather than folding paths.
    out_width = None if sys.stdout.isatty() else 120
    err_width = None if sys.stderr.isatty() else 120
    return (
        Console(no_color=no_color, highlight=False, width=out_width),
        Console(stderr=True, no_color=no_color, highlight=False, width=err_width),
    )


def setup(verbosity: int, quiet: bool, err: Console) -> None:
    """Send the library's log records to stderr at the level the flags ask for."""
    level = (
        logging.ERROR
        if quiet
        else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    )
    logger = logging.getLogger("briefwright")
    logger.handlers.clear()
    if err.is_terminal:
        handler: logging.Handler = RichHandler(console=err, show_time=False, show_path=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # Other libraries' warnings (a math renderer's notes on MathML it skips, say) are
    # theirs, not the user's: without a handler of its own, Python would print them.
    logging.getLogger().handlers = [logging.NullHandler()]
    # WeasyPrint and fontTools are chatty about CSS they skip; keep them to errors.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR if verbosity < 2 else logging.INFO)
