"""PDF through WeasyPrint, from the print HTML, with a fetcher that stays in the project.

WeasyPrint would otherwise fetch any URL the HTML names, ``file:`` paths and
``<link rel=attachment>`` included; here everything is refused except data:
URIs, the fonts briefwright ships, and files inside the project root.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import sys
import threading
import types
import zlib
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import BuildError
from . import pdf_front

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"


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


def _import_weasyprint() -> Any:
    """Import WeasyPrint without the modules it seldom uses (``DEFERRED``) and, on
    Linux where possible, without its slow search for C libraries.

    WeasyPrint tries several names for each library it loads. On Linux the
    soname among them (``libpango-1.0.so.0``) loads directly, but every name
    tried before it sends ctypes' ``find_library`` to run gcc and ldconfig:
    about a fifth of a second in all, on every start. The search is skipped
    first; if the libraries do not load that way, the import runs again with it.
    """
    with _IMPORTING, _deferred(DEFERRED):  # stand-ins are the whole process's while in place
        if sys.platform.startswith("linux"):
            import ctypes.util  # noqa: PLC0415

            return _import_by_soname(ctypes.util) or _import_by_search()
        return _import_by_search()


_IMPORTING = threading.Lock()

# Modules WeasyPrint imports at start but uses only in rare cases, with the
# functions it imports from them: fontTools' subsetter serves only where
# HarfBuzz cannot subset fonts, its instancer only variable fonts. Together
# they cost a tenth of a second to import.
DEFERRED = {"fontTools.subset": (), "fontTools.varLib.instancer": ("instantiateVariableFont",)}


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its names is used, then imports it."""

    def __init__(self, name: str, functions: tuple[str, ...]) -> None:
        super().__init__(name)
        for function in functions:  # for `from module import function`, bound at once
            setattr(self, function, _later(name, function))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's questions, such as __path__
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:  # used while still standing in
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _later(module: str, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


@contextlib.contextmanager
def _deferred(modules: dict[str, tuple[str, ...]]) -> Iterator[None]:
    """Let imports made inside bind stand-ins for ``modules`` instead of importing them."""
    stand_ins = {
        name: _Deferred(name, functions)
        for name, functions in modules.items()
        if name not in sys.modules
    }
    sys.modules.update(stand_ins)
    try:
        yield
    finally:  # from here on, importing one of them imports the real module
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _import_by_soname(util: Any) -> Any:
    search = util.find_library
    util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its install advice, said after a search
            import weasyprint  # noqa: PLC0415
    except (ImportError, OSError):
        return None
    finally:
        util.find_library = search
    return weasyprint


def _import_by_search() -> Any:
    import weasyprint  # noqa: PLC0415 - heavy; only builds that write a PDF pay for it

    return weasyprint


@cache
def _weasyprint() -> Any:
    try:
        weasyprint = _import_weasyprint()
    except (ImportError, OSError) as exc:
        raise BuildError(
            f"WeasyPrint cannot start ({exc}). It needs the Pango library: on Debian and "
            "Ubuntu 'apt-get install libpango-1.0-0 libpangoft2-1.0-0', on macOS "
            "'brew install pango'; then run 'make distclean brief'"
        ) from None
    fonts = importlib.import_module("weasyprint.pdf.fonts")
    handle = getattr(fonts, "ffi", None)
    if handle is not None and not isinstance(handle, _OpenArrays):
        setattr(fonts, "ffi", _OpenArrays(handle))  # noqa: B010 - a module's global
    writer = importlib.import_module("pydyf")
    if isinstance(getattr(writer, "zlib", None), types.ModuleType):
        setattr(writer, "zlib", _Deflate(DEFLATE_LEVEL))  # noqa: B010 - a module's global
    return weasyprint


# pydyf, which writes WeasyPrint's PDFs, compresses every stream at zlib's level 9.
# For a brief's page contents and fonts that takes four times as long as level 6
# (zlib's default) for files about 3 % smaller: some 70 ms of a sample build.
DEFLATE_LEVEL = 6


class _Deflate:
    """zlib, as pydyf sees it, compressing streams at ``level`` whatever it asks for."""

    def __init__(self, level: int) -> None:
        self.level = level

    def compressobj(self, *args: Any, **kwargs: Any) -> Any:
        """Return zlib's compressor at this level; any other arguments are zlib's."""
        kwargs.pop("level", None)
        return zlib.compressobj(self.level, *args[1:], **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


GLYPHS = "hb_codepoint_t"


class _OpenArrays:
    """WeasyPrint's cffi handle, as its font subsetter sees it, allocating ``T[n]`` as ``T[]``.

    WeasyPrint 70 allocates each font's glyph list as
    ``ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs)``. cffi parses every
    type string it has not seen with pycparser, about 9 ms each, and the
    lengths differ from PDF to PDF: each PDF paid for some eight parses, a
    tenth of laying out a short brief. ``T[]`` with the same items makes the
    same array and is parsed once per process.
    """

    def __init__(self, ffi: Any) -> None:
        self._ffi = ffi

    def new(self, cdecl: Any, init: Any = None) -> Any:
        """Allocate as cffi would; a glyph array sized by its items is allocated unsized."""
        if hasattr(init, "__len__") and cdecl == f"{GLYPHS}[{len(init)}]":
            cdecl = f"{GLYPHS}[]"  # for integers, [] with n items is exactly [n]
        return self._ffi.new(cdecl, init)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)


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
    refused: list[str] = []

    def lay_out(page: str, page_css: str) -> Any:
        sheet, refused_by_sheet = _stylesheet(page_css, root)
        refused.extend(refused_by_sheet)
        return weasyprint.HTML(
            string=page, base_url=root.as_uri() + "/", url_fetcher=fetcher
        ).render(
            stylesheets=[sheet],
            font_config=_font_config(),
            pdf_variant=variant,
            custom_metadata=True,
        )

    try:
        document = _front_apart(lay_out, html, css, label) or lay_out(html, css)
        data = document.write_pdf(pdf_variant=variant, custom_metadata=True)
    except Exception as exc:  # WeasyPrint raises many types; report them as one
        raise BuildError(f"WeasyPrint could not write the PDF for {label}: {exc}") from None
    refused.extend(fetcher.refused)
    if refused:
        shown = ", ".join(sorted(set(refused))[:3])
        raise BuildError(
            f"{label}: the layout asks for resources outside the project ({shown}); "
            "builds use only files inside the project root"
        )
    return bytes(data), len(document.pages)


def _front_apart(lay_out: pdf_front.LayOut, html: str, css: str, label: str) -> Any:
    """Return the page laid out with its front page apart, or None to lay it out as one."""
    try:
        return pdf_front.lay_out(lay_out, html, css)
    except Exception:  # e.g. a WeasyPrint whose pages are made otherwise: the one layout says
        log.debug("%s: front page not laid out apart", label, exc_info=True)
        return None
