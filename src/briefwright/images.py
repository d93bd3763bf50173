"""Images in sources: the checks that every format can show one, and the files a tree shows.

An image is named by a path from its section's folder (reader.image_path
refuses URLs of every scheme); it must lie inside the project, be a PNG,
JPEG, GIF or SVG, and be small enough to embed and print. An SVG must be
self-contained: no scripts, no entities, nothing fetched from outside it.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from . import tree
from .errors import Problems
from .reader import Reader, image_path
from .tree import Node

MAX_IMAGE_BYTES = 5_000_000
MAX_IMAGE_PIXELS = 40_000_000  # WeasyPrint drops larger images from the PDF without a word
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg"}  # what PDF, DOCX and HTML all show


def check(reader: Reader, rel: str, folder: Path, image: Node, line: int | None) -> None:
    """Report what keeps an image of the section file ``rel`` (in ``folder``) from every format."""
    problems = reader.problems
    target = image["c"][2][0]
    if not tree.stringify(image["c"][1]).strip():
        problems.error(
            rel,
            line,
            f"image '{target[:60]}' has no description (alt text)",
            "write one between the brackets: ![What the chart shows](file.png)",
        )
    written = image_path(folder, target)
    if written is None:
        problems.error(
            rel,
            line,
            f"image '{target[:60]}' is not a file in the project",
            "copy the image next to the section and name it by its file name",
        )
        return
    path = written.resolve()
    root = reader.root
    if not path.is_relative_to(root):
        problems.error(
            rel, line, f"image '{target}' lies outside the project", "copy it into the project"
        )
    elif not path.is_file():
        problems.error(
            rel, line, f"image '{target}' does not exist", f"looked for {path.relative_to(root)}"
        )
    elif not written.is_file():  # "missing/../map.png": the missing folder stops the way there
        problems.error(
            rel,
            line,
            f"image '{target}' cannot be opened as written: a step on its way is no folder",
            f"write the way to the file itself: {path.relative_to(folder.resolve())}"
            if path.is_relative_to(folder.resolve())
            else f"write the way to {path.relative_to(root)} from the section's folder",
        )
    elif path.suffix.lower() not in IMAGE_TYPES:
        problems.error(
            rel,
            line,
            f"image '{target}' is not an image every format can show",
            "convert it to PNG, JPEG or SVG",
        )
    else:
        _check_size(problems, rel, line, target, path)


def _check_size(problems: Problems, rel: str, line: int | None, target: str, path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        problems.error(
            rel,
            line,
            f"image '{target}' is {size / 1e6:.1f} MB; the limit is {MAX_IMAGE_BYTES / 1e6:g} MB",
            "save it smaller: a page needs no more than about 300 pixels per inch",
        )
        return
    if path.suffix.lower() == ".svg":
        fault = _svg_fault(path)
        if fault is not None:
            problems.error(rel, line, f"image '{target}' {fault}", "save the SVG self-contained")
        return
    pixels = _pixels(path)
    if pixels is not None and pixels[0] * pixels[1] > MAX_IMAGE_PIXELS:
        problems.error(
            rel,
            line,
            f"image '{target}' is {pixels[0]} × {pixels[1]} pixels, too large to print",
            "scale it down: a page needs no more than about 300 pixels per inch",
        )


_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)|@import")


def _svg_fault(path: Path) -> str | None:
    """Return why an SVG cannot be shown safely (it reaches outside itself), or None."""
    import xml.etree.ElementTree as ElementTree

    text = path.read_text("utf-8", "replace")
    if "<!ENTITY" in text:
        return "declares XML entities, which briefwright does not read"
    try:
        svg = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return f"is not valid SVG ({exc})"
    for element in svg.iter():
        name = str(element.tag).rsplit("}", 1)[-1]
        if name in ("script", "foreignObject"):
            return f"holds a <{name}> element"
        styles = [element.text or ""] if name == "style" else []
        for key, value in element.attrib.items():
            value = value.strip()
            if key.rsplit("}", 1)[-1] == "href" and not (
                value.startswith("#") or re.match(r"data:image/(png|jpeg|gif);", value)
            ):
                return f"refers to {value[:60]!r}, outside itself"
            styles.append(value)
        for style in styles:
            if any(not url.startswith("#") for url in _URL.findall(style)):
                return "refers to a resource outside itself in its styles"
    return None


def _pixels(path: Path) -> tuple[int, int] | None:
    """Return an image's width and height from its header (PNG, GIF, JPEG), if it says."""
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return struct.unpack(">II", head[16:24])  # type: ignore[return-value]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])  # type: ignore[return-value]
    if head.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(head) and head[at] == 0xFF:
            marker, length = head[at + 1], struct.unpack(">H", head[at + 2 : at + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", head[at + 5 : at + 9])
                return width, height
            at += 2 + length
    return None


def files(value: Any, folder: Path, root: Path) -> list[Path]:
    """Return the image files inside the project that a tree shows, found from ``folder``.

    Each is given as written from ``folder`` (``..`` and links left in place),
    so that what depends on it sees every step on the way (stamp.py).
    """
    found = []
    for node in tree.nodes(value):
        if node["t"] == "Image":
            written = image_path(folder, node["c"][2][0])
            if written is not None and written.resolve().is_relative_to(root) and written.is_file():
                found.append(written)
    return found
