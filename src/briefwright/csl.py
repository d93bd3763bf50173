"""Citation styles (CSL files), read as XML before citeproc ever sees them.

A dependent style names its parent by URL, which citeproc would fetch; a
build never uses the network, so such a style is refused with the parent
to download, where to save it and what to name in the brief instead. A file
that is not a style at all (a web page saved as .csl, a style cut short,
XML of another kind) gets a message with its line, not citeproc's. What
citeproc itself makes of a style is tried by
:func:`briefwright.bibliography.check_citations`.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from .reader import Reader, inside

CSL = "http://purl.org/net/xbiblio/csl"
STYLES = "https://raw.githubusercontent.com/citation-style-language/styles/master"


def citation_style(reader: Reader, rel: str, line: int | None, csl: str | None) -> Path | None:
    """Return the brief's CSL file, if it names one inside the project that is a usable style.

    A style is read once however many briefs name it; a brief whose style is
    refused is marked (``style-of:`` its file), so that its citations are not
    tried in another style instead.
    """
    if csl is None:
        return None
    path = (reader.root / csl).resolve()
    # (As written, too: "missing/../styles/x.csl" resolves, but opens nothing.)
    if not inside(path, reader.root) or not path.is_file() or not (reader.root / csl).is_file():
        reader.problems.error(
            rel,
            line,
            f"citation style '{csl}' is not a file in the project",
            "give a path from the project root, such as styles/chicago-note.csl",
        )
        reader.broken.add(f"style-of:{rel}")
        return None
    style = reader.rel(path)
    if f"style-read:{style}" not in reader.broken:
        reader.broken.add(f"style-read:{style}")
        text = reader.text(path)
        if text is None or not _check_style(reader, style, text, rel):
            reader.broken.add(f"style:{style}")
    if f"style:{style}" in reader.broken:
        reader.broken.add(f"style-of:{rel}")
        return None
    return reader.root / csl  # as written: what depends on it sees each step (stamp.py)


def _check_style(reader: Reader, rel: str, text: str, brief: str) -> bool:
    """Report what makes a file no usable CSL style; True if it is one."""
    fault = _style_fault(text, rel, brief)
    if fault is not None:
        reader.problems.error(rel, *fault)
        return False
    if ElementTree.fromstring(text).find(f"{{{CSL}}}bibliography") is None:
        reader.problems.warning(
            rel,
            None,
            "has no <bibliography> element: editions citing with it list no references",
            "choose a style that formats a bibliography, if the brief needs one",
        )
    return True


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, max(at, 0)) + 1


def _style_fault(text: str, rel: str, brief: str) -> tuple[int | None, str, str] | None:
    """Return (line, message, hint) for a file that is no usable CSL style, else None."""
    # A web page saved under a style's name: it starts as HTML (after any XML
    # declaration and comments), whatever it says further on.
    page = re.match(
        r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(<!doctype\s+html|<html[\s>])", text, re.I | re.S
    )
    if page:
        return (
            _line(text, page.start(1)),
            "is a web page (HTML), not a citation style",
            "download the style file itself: on GitHub, open the style and choose 'Raw'",
        )
    # A style declares no DTD; refusing one keeps entity tricks out of both XML readers.
    doctype = re.search(r"<!DOCTYPE", text, re.I)
    if doctype:
        return _line(text, doctype.start()), "declares a DOCTYPE", "remove the <!DOCTYPE ...>"
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        line, column = exc.position
        reason = str(exc).partition(":")[0]
        if (line, column) == (1, 0):
            return 1, "is not XML, so it is no citation style", "download a .csl file again"
        if reason in ("no element found", "unclosed token") or line > text.rstrip().count("\n"):
            return line, "ends before the style does: it was cut short", "download it again"
        return (
            line,
            f"is not well-formed XML: {reason} at column {column + 1}",
            "a citation style is an XML file: check that line, or download the style again",
        )
    if root.tag != f"{{{CSL}}}style":
        local = root.tag.rpartition("}")[2]
        return (
            1,
            f"its root element is <{local}>"
            + (" outside the CSL namespace" if local == "style" else "")
            + f', not <style xmlns="{CSL}">',
            "this is not a CSL style: download one from "
            "https://github.com/citation-style-language/styles",
        )
    parent = root.find(f"{{{CSL}}}info/{{{CSL}}}link[@rel='independent-parent']")
    if parent is not None:
        href = parent.get("href", "")
        name = href.rstrip("/").rpartition("/")[2] or "parent"
        save = Path(rel).with_name(f"{name}.csl").as_posix()
        if re.match(r"https?://www\.zotero\.org/styles/", href):  # a style of the repository
            href = f"{STYLES}/{name}.csl"
        return (
            _line(text, text.find("independent-parent")),
            f"is a dependent style: it only names its parent style, {parent.get('href')}, "
            "which citeproc would fetch over the network, and a build never does",
            f"download the parent from {href}, save it as {save}, and write "
            f"'csl: {save}' in {brief}",
        )
    if root.find(f"{{{CSL}}}citation") is None:
        return (
            None,
            "has no <citation> element, so it cannot format citations",
            "use a complete (independent) CSL style",
        )
    return None
