"""What PDF worker processes start from: WeasyPrint loaded and warmed, once.

Builds with more than one job lay PDFs out in worker processes forked from a
fork server that imports this module first (see ``pdf_pool.py``). Importing it
loads WeasyPrint and lays out one small page, so that every worker starts
with fonts and text shaping ready and the main process never
loads WeasyPrint at all.
"""

from __future__ import annotations

import contextlib
import gc
import os

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
