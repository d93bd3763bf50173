"""The shipped fonts, for the web page: WOFF2 subsets inside the page, so it looks like the PDF.

A web page that only names Source Serif Pro shows whatever the reader's
machine has instead; one that carries the fonts shows what the PDF shows,
offline too. Each face the stylesheets use most is cut to the scripts a
brief is written in (Latin with its accents, Cyrillic, punctuation) and
packed as WOFF2, once per machine: fontTools takes a second
or so per face, so the result is kept in the user's cache folder, under
the font file's hash. Characters outside these fall back to the stylesheet's
next fonts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import threading
from functools import cache
from pathlib import Path

from .. import write
from . import pdf

log = logging.getLogger(__name__)

# (family, file prefix, face, CSS style, CSS weight): the faces base.css and screen.css ask
# for most (a bold italic is drawn from the bold by the browser); about 30 KB each.
FACES = (
    ("Source Serif Pro", "SourceSerifPro", "Regular", "normal", 400),
    ("Source Serif Pro", "SourceSerifPro", "It", "italic", 400),
    ("Source Serif Pro", "SourceSerifPro", "Bold", "normal", 700),
    ("Source Sans Pro", "SourceSansPro", "Regular", "normal", 400),
    ("Source Sans Pro", "SourceSansPro", "Semibold", "normal", 600),
    ("Source Sans Pro", "SourceSansPro", "Bold", "normal", 700),
)
RANGES = (  # code points kept: Latin with its accents, Cyrillic, punctuation, € and ™
    (0x0020, 0x024F),
    (0x0400, 0x04FF),
    (0x2000, 0x206F),
    (0x20AC, 0x20AC),
    (0x2122, 0x2122),
)
_lock = threading.Lock()


def _cache_dir() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "briefwright" / "webfonts"


def _woff2(path: Path) -> bytes:
    """Return a face cut to RANGES as WOFF2, made once per machine and font file."""
    import fontTools  # noqa: PLC0415 - only web pages need it; its subsetter only a new face

    key = hashlib.sha256(path.read_bytes() + repr(RANGES).encode())
    key.update(fontTools.version.encode())
    kept = _cache_dir() / f"{key.hexdigest()}.woff2"
    try:
        return kept.read_bytes()
    except OSError:
        pass
    from fontTools import subset  # noqa: PLC0415 - about 0.15 s to load

    font = subset.load_font(str(path), subset.Options())
    options = subset.Options(flavor="woff2", name_IDs=["*"])  # the licence's names stay
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for low, high in RANGES for c in range(low, high + 1)])
    cutter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    data = out.getvalue()
    try:
        write.atomic_write(kept, data, private=True)
    except OSError:  # no cache: the next page cuts it again
        log.debug("cannot keep %s", kept, exc_info=True)
    return data


@cache
def font_faces() -> str:
    """Return @font-face rules carrying the shipped fonts as WOFF2 data, for the web page."""
    rules = []
    with _lock:
        for family, prefix, face, style, weight in FACES:
            found = [d / f"{prefix}-{face}.ttf" for d in pdf.font_dirs()]
            path = next((p for p in found if p.is_file()), None)
            if path is None:
                continue
            data = base64.b64encode(_woff2(path)).decode("ascii")
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                f"font-weight: {weight}; font-display: swap; "
                f'src: url("data:font/woff2;base64,{data}") format("woff2"); }}'
            )
    return "\n".join(rules)
