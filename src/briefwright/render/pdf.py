"""PDF through WeasyPrint, from the print HTML, with a fetcher that stays in the project.

WeasyPrint would otherwise fetch any URL the HTML names, ``file:`` paths and
``<link rel=attachment>`` included; here everything is refused except data:
URIs, the fonts briefwright ships, and files inside the project root.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import BuildError

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"

# The print page's anchors of each note's call and of its text (html.split_notes).
CALL_ANCHOR = "bw-call-"
NOTE_ANCHOR = "bw-note-"
# How WeasyPrint may place notes, tried in turn until every note lies on the
# page of its call: with "line" (the layouts' choice) WeasyPrint 70 can put a
# note on a later page, or leave it out, when calls share a line near the foot
# of a page; "block" moves the call's paragraph instead. Where neither keeps
# every note on its page (a call in the second of two columns), the first
# layout that holds every note is kept; one that loses a note never is.
_NOTE_POLICIES = ("", ".footnote { footnote-policy: block; }")


def font_dirs() -> list[Path]:
    """Return the folders of the fonts the layouts ask for."""
    dirs = []
    for module in ("font_source_serif_pro", "font_source_sans_pro"):
        try:
            package = __import__(module)
        except ImportError:
            continue
        if package.__file__:
            dirs.append(Path(package.__file__).parent / "files")
    return dirs


@cache
def font_faces() -> str:
    """Return @font-face rules for the shipped fonts, for the print stylesheet."""
    faces = []
    for family, prefix, folder in (
        ("Source Serif Pro", "SourceSerifPro", "font_source_serif_pro"),
        ("Source Sans Pro", "SourceSansPro", "font_source_sans_pro"),
    ):
        base = next((d for d in font_dirs() if d.parent.name == folder), None)
        if base is None:
            continue
        for style, weight, suffix in (
            ("normal", 400, "Regular"),
            ("italic", 400, "It"),
            ("normal", 700, "Bold"),
            ("italic", 700, "BoldIt"),
            ("normal", 600, "Semibold"),
        ):
            path = base / f"{prefix}-{suffix}.ttf"
            if path.is_file():
                faces.append(
                    f'@font-face {{ font-family: "{family}"; font-style: {style}; '
                    f'font-weight: {weight}; src: url("{path.as_uri()}"); }}'
                )
    return "\n".join(faces)


@cache
def _weasyprint() -> Any:
    try:
        import weasyprint  # noqa: PLC0415 - heavy; only builds that write a PDF pay for it
    except (ImportError, OSError) as exc:
        raise BuildError(
            f"WeasyPrint cannot start ({exc}). It needs the Pango library: on Debian and "
            "Ubuntu 'apt-get install libpango-1.0-0 libpangoft2-1.0-0', on macOS "
            "'brew install pango'; then run 'make distclean brief'"
        ) from None
    return weasyprint


def load_in_background() -> None:
    """Start loading WeasyPrint in a thread, for a build in one process to find it loaded.

    Most of its loading is spent waiting (on the linker, and on the search
    for its libraries), which the project's loading and pandoc fill. Not a
    daemon: a process that ends early waits for it rather than stop it halfway.
    """

    def load() -> None:
        with contextlib.suppress(Exception):  # the build's own use of it says what failed
            _weasyprint()

    threading.Thread(target=load, name="load-weasyprint").start()


@cache
def _font_config() -> Any:
    # One per process: the fonts a stylesheet declares are loaded once, not per PDF.
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

    return FontConfiguration()


WARM_PAGE = '<p lang="en">Warm-up: <em>fonts</em>, <strong>shaping</strong>.</p>'


def warm() -> None:
    """Load WeasyPrint and lay out a small page, so later PDFs pay for neither."""
    here = Path(__file__).parent  # any folder will do: the page fetches nothing
    render(WARM_PAGE, font_faces(), here, "warm-up", PDF_VARIANT)


@cache
def _fetcher_class() -> Any:
    weasyprint = _weasyprint()

    class ProjectFetcher(weasyprint.URLFetcher):  # type: ignore[misc,name-defined]
        """Fetch data: URIs and files under the allowed folders; refuse everything else."""

        def __init__(self, allowed: list[Path]) -> None:
            super().__init__(allowed_protocols={"file", "data"})
            self.allowed = [p.resolve() for p in allowed]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(base) for base in self.allowed) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"refused: {url}")

    return ProjectFetcher


def _fetcher(root: Path) -> Any:
    return _fetcher_class()([root, *font_dirs()])


@lru_cache(maxsize=16)
def _stylesheet(css: str, root: Path) -> tuple[Any, tuple[str, ...]]:
    """Parse a stylesheet once per process; return it and the URLs it was refused."""
    fetcher = _fetcher(root)
    sheet = _weasyprint().CSS(
        string=css, base_url=root.as_uri() + "/", url_fetcher=fetcher, font_config=_font_config()
    )
    return sheet, tuple(fetcher.refused)


def render(
    html: str, css: str, root: Path, label: str, variant: str = PDF_VARIANT
) -> tuple[bytes, int]:
    """Return the PDF bytes and page count of the print HTML laid out with ``css``."""
    weasyprint = _weasyprint()
    fetcher = _fetcher(root)
    try:
        sheet, refused_by_sheet = _stylesheet(css, root)
        kept: Any = None
        lost: list[str] = []
        kept_late: list[str] = []
        for policy in _NOTE_POLICIES:
            document = weasyprint.HTML(
                string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher
            ).render(
                stylesheets=[sheet, *([_stylesheet(policy, root)[0]] if policy else [])],
                font_config=_font_config(),
                pdf_variant=variant,
                custom_metadata=True,
            )
            now_lost, late = _misplaced_notes(document)
            lost = lost or now_lost  # the first layout's, the layouts' own choice
            if not now_lost and not late:
                kept = document
                break
            if not now_lost and kept is None:
                kept, kept_late = document, late
        else:
            if kept is not None:
                log.warning(
                    "%s: the PDF prints note %s (as numbered in the edition) on a later page "
                    "than its call; WeasyPrint could place it no nearer",
                    label,
                    ", ".join(kept_late[:5]),
                )
        if kept is not None:
            with _fonts_dated(kept.metadata.modified or kept.metadata.created):
                data = kept.write_pdf(pdf_variant=variant, custom_metadata=True)
    except Exception as exc:  # WeasyPrint raises many types; report them as one
        raise BuildError(f"WeasyPrint could not write the PDF for {label}: {exc}") from None
    if kept is None:
        raise BuildError(
            f"the PDF cannot hold note {', '.join(lost[:5])} (as numbered in the edition): "
            "WeasyPrint leaves out a note it cannot fit on a page (one longer than the "
            "page, say); shorten the note, or move its text into the section"
        )
    refused = [*refused_by_sheet, *fetcher.refused]
    if refused:
        shown = ", ".join(sorted(set(refused))[:3])
        raise BuildError(
            f"{label}: the layout asks for resources outside the project ({shown}); "
            "builds use only files inside the project root"
        )
    return bytes(data), len(kept.pages)


def _misplaced_notes(document: Any) -> tuple[list[str], list[str]]:
    """Return the numbers of the notes left out of a layout, and of those not on
    the page of their call."""
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            page_of.setdefault(anchor, number)
    calls = [a.removeprefix(CALL_ANCHOR) for a in page_of if a.startswith(CALL_ANCHOR)]
    lost = [n for n in calls if NOTE_ANCHOR + n not in page_of]
    late = [n for n in calls if page_of.get(NOTE_ANCHOR + n, -1) != page_of[CALL_ANCHOR + n]]
    return lost, [n for n in late if n not in lost]


# One render at a time changes the environment (see _fonts_dated).
_ENVIRONMENT = threading.Lock()


@contextlib.contextmanager
def _fonts_dated(when: str | None) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH to the document's date while its fonts are embedded.

    Where HarfBuzz cannot subset fonts (no libharfbuzz-subset), WeasyPrint
    subsets them with fontTools, which stamps each font's ``head`` table with
    the time it is written, or with SOURCE_DATE_EPOCH where that is set: the
    same brief built a second later gave other bytes. The stamp is the brief's
    date instead, as in the PDF's own metadata. (The environment is the whole
    process's: a worker lays out one PDF at a time, and a build in one process
    reads SOURCE_DATE_EPOCH when it loads the project, before any PDF.)
    """
    epoch = _epoch(when)
    if epoch is None:
        yield
        return
    with _ENVIRONMENT:
        before = os.environ.get(EPOCH)
        os.environ[EPOCH] = str(epoch)
        try:
            yield
        finally:
            if before is None:
                del os.environ[EPOCH]
            else:
                os.environ[EPOCH] = before


EPOCH = "SOURCE_DATE_EPOCH"


def _epoch(when: str | None) -> int | None:
    """Return the seconds since 1970 of an ISO 8601 date or time (UTC if no zone), or None."""
    try:
        moment = dt.datetime.fromisoformat(when or "")
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())
