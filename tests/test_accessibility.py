"""Accessibility and archiving: the sample's HTML, PDF and DOCX read back as assistive tools do.

The HTML audit runs axe-core in Debian's headless Chromium through
``tests/browser/audit.mjs``; its npm packages are installed on first use. Without
Chromium or the packages the audit skips locally, and fails when ``CI`` is set.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject

from .conftest import BRIEF, BROWSER, Built, run, section

AUDIENCES = ("executive", "analyst", "public")
BLOCKING = ("serious", "critical")
MARKINGS = ".marking-label, .marking-tag"
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


# --- HTML: axe-core in headless Chromium -------------------------------------------------------


@pytest.fixture(scope="session")
def audit_command(browser_node: str) -> list[str]:
    """Return the command that runs the audit."""
    return [browser_node, str(BROWSER / "audit.mjs"), "--require-contrast", MARKINGS]


@dataclass
class Audit:
    """Violations axe found, by HTML file."""

    violations: dict[str, list[dict[str, Any]]]

    def of(self, path: Path) -> list[dict[str, Any]]:
        return self.violations[str(path)]


@pytest.fixture(scope="session")
def audit(
    audit_command: list[str], sample: Built, tmp_path_factory: pytest.TempPathFactory
) -> Audit:
    """Audit the three sample pages and one with an illegible marking, in one browser."""
    public = sample.path("public", "html")
    illegible = tmp_path_factory.mktemp("a11y") / "illegible-marking.html"
    # Dark grey on black: the audit must catch this, or a pass proves nothing.
    html = public.read_text("utf-8").replace(
        "--marking-tlp-clear: #FFFFFF;", "--marking-tlp-clear: #444444;"
    )
    assert "#444444" in html, "the public page no longer takes its marking's colour from the scheme"
    illegible.write_text(html, "utf-8")
    pages = [str(sample.path(audience, "html")) for audience in AUDIENCES] + [str(illegible)]
    result = subprocess.run(
        [*audit_command, *pages], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"audit.mjs failed:\n{result.stderr}"
    return Audit(json.loads(result.stdout))


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'][:5])}"
        f" [{', '.join(v.get('viewports', []))}]"
        for v in violations
    )


@pytest.mark.parametrize("audience", AUDIENCES)
def test_html_has_no_serious_or_critical_axe_violations(
    audit: Audit, sample: Built, audience: str
) -> None:
    # color-contrast covers the marking banners (TLP colours on black); the audit also
    # reports as serious any marking whose contrast axe could not measure.
    violations = audit.of(sample.path(audience, "html"))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    others = [v for v in violations if v["impact"] not in BLOCKING]
    assert not blocking, (
        f"axe found serious or critical problems:\n{describe(blocking)}\n"
        f"and, for information:\n{describe(others) or '  nothing else'}"
    )


def test_the_audit_catches_an_illegible_marking(audit: Audit) -> None:
    [page] = [name for name in audit.violations if name.endswith("illegible-marking.html")]
    contrast = [v for v in audit.violations[page] if v["id"] == "color-contrast"]
    assert contrast and contrast[0]["impact"] in BLOCKING, describe(audit.violations[page])
    assert any("marking-label" in node for node in contrast[0]["nodes"])


# --- PDF: tagged PDF/UA-1 --------------------------------------------------------------------


def struct_elements(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Yield every element of the PDF's structure tree, depth first."""
    root = reader.root_object["/StructTreeRoot"].get_object()
    stack: list[Any] = [root.get("/K")]
    while stack:
        node = stack.pop()
        node = node.get_object() if node is not None else None
        if isinstance(node, ArrayObject):
            stack.extend(reversed(node))
        elif isinstance(node, DictionaryObject) and "/S" in node:
            yield node
            stack.append(node.get("/K"))


def xmp_pdfua_part(reader: PdfReader) -> str | None:
    """Return pdfuaid:part from the XMP metadata, written as attribute or element."""
    xmp = reader.xmp_metadata
    if xmp is None:
        return None
    tree = ET.fromstring(xmp.stream.get_data())
    key = f"{{{NS['pdfuaid']}}}part"
    for description in tree.iter(f"{{{NS['rdf']}}}Description"):
        if key in description.attrib:
            return description.attrib[key]
        element = description.find(key)
        if element is not None:
            return element.text
    return None


@pytest.mark.parametrize("audience", AUDIENCES)
def test_pdf_is_tagged_pdf_ua_with_language_and_title_shown(sample: Built, audience: str) -> None:
    reader = PdfReader(sample.path(audience, "pdf"))
    catalog = reader.root_object
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert reader.metadata is not None
    assert reader.metadata.title == "Binding Security Guarantees for Ukraine"
    assert xmp_pdfua_part(reader) == "1"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_pdf_structure_tags_headings_lists_tables_and_figures(sample: Built, audience: str) -> None:
    elements = list(struct_elements(PdfReader(sample.path(audience, "pdf"))))
    kinds = Counter(str(e["/S"]) for e in elements)
    assert kinds["/H1"] == 1, kinds
    assert kinds["/H2"] + kinds["/H"] >= 1, kinds
    assert kinds["/L"] >= 1 and kinds["/LI"] >= 1, kinds
    if audience == "analyst":  # the sample's tables: one written in a section, three from data
        assert kinds["/Table"] == 4 and kinds["/TR"] >= 8, kinds
        assert kinds["/TH"] >= 2 and kinds["/TD"] >= 2, kinds
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert all(str(e.get("/Alt", "")).strip() for e in figures), "a Figure without /Alt"


# --- DOCX: Word styles, header rows, language --------------------------------------------------


def docx_part(path: Path, name: str) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read(name))


def docx_language(path: Path) -> str | None:
    """Return the document's default language, as Word reads it from styles.xml."""
    lang = docx_part(path, "word/styles.xml").find("w:docDefaults//w:rPr/w:lang", NS)
    return None if lang is None else lang.get(f"{{{NS['w']}}}val")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_docx_headings_use_heading_styles(sample: Built, audience: str) -> None:
    markdown = sample.path(audience, "md").read_text("utf-8")
    wanted = Counter(len(m) for m in re.findall(r"^(#{1,6}) ", markdown, re.MULTILINE))
    document = docx.Document(str(sample.path(audience, "docx")))
    found = Counter(
        int(p.style.name.split()[1])
        for p in document.paragraphs
        if p.style is not None and re.fullmatch(r"Heading \d", p.style.name or "")
    )
    assert wanted and found == wanted, f"headings by level: markdown {wanted}, Word {found}"


def test_docx_tables_repeat_their_header_rows(sample: Built) -> None:
    body = docx_part(sample.path("analyst", "docx"), "word/document.xml")
    tables = body.findall(".//w:tbl", NS)
    assert len(tables) == 4
    for table in tables:
        first_row = table.find("w:tr", NS)
        assert first_row is not None
        header = first_row.find("w:trPr/w:tblHeader", NS)
        assert header is not None, "a table's first row is not marked as a header row"
    assert header.get(f"{{{NS['w']}}}val", "true") not in ("0", "false", "off")


@pytest.mark.parametrize("audience", AUDIENCES)
def test_docx_declares_the_document_language(sample: Built, audience: str) -> None:
    assert docx_language(sample.path(audience, "docx")) == "en-GB"


# --- Images and language, from a project that has them -----------------------------------------


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.alts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt"))


def test_images_carry_alt_text_and_language_in_every_format(project: Callable[..., Path]) -> None:
    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (60, 30), "navy").save(png, "PNG")
    alt = "A navy rectangle standing for the map"
    root = project(
        {
            "briefs/demo.yaml": BRIEF + "lang: en-US\n",
            "sources/demo/intro.md": section(
                "Q?", "S.", f"Before the figure.\n\n![{alt}](map.png)\n", marking="TLP:CLEAR"
            ),
            "sources/demo/map.png": png.getvalue(),
        }
    )
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    out = root / "build" / "demo" / "analyst" / "demo-analyst"

    page = _Images()
    page.feed(out.with_suffix(".html").read_text("utf-8"))
    assert page.lang == "en-US"
    assert page.alts == [alt]

    docx_path = out.with_suffix(".docx")
    drawings = docx_part(docx_path, "word/document.xml").findall(".//wp:docPr", NS)
    assert [d.get("descr") for d in drawings] == [alt]
    assert docx_language(docx_path) == "en-US"

    reader = PdfReader(out.with_suffix(".pdf"))
    assert reader.root_object["/Lang"] == "en-US"
    figures = [e for e in struct_elements(reader) if e["/S"] == "/Figure"]
    assert [str(e.get("/Alt")) for e in figures] == [alt]
