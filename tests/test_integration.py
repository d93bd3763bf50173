"""The sample brief built with the real pandoc and WeasyPrint, read back from the files."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from .conftest import Built, build_copy, run

AUDIENCES = ("executive", "analyst", "public")
MARKINGS = {"executive": "TLP:AMBER", "analyst": "TLP:AMBER+STRICT", "public": "TLP:CLEAR"}
TITLES = {
    "paris": "What was agreed at the Paris meeting?",
    "risks": "What are the main risks?",
    "budapest": "What did the Budapest Memorandum promise Ukraine?",
    "peace": "What do the guarantees mean for future peace talks?",
}
AMBER_PASSAGE = "We assess that Russia is unlikely to accept a settlement"
RECOMMENDATION = "Recommendation."


def squash(text: str) -> str:
    """Drop white space and hyphens, so line breaks and hyphenation cannot hide a phrase."""
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_format_is_written(sample: Built, audience: str) -> None:
    for ext in ("pdf", "docx", "html"):
        assert sample.path(audience, ext).stat().st_size > 5000


def test_each_pdf_holds_its_sections_and_not_the_others(sample: Built) -> None:
    analyst = squash("".join(pdf_text(sample.path("analyst", "pdf"))))
    public = squash("".join(pdf_text(sample.path("public", "pdf"))))
    executive = squash("".join(pdf_text(sample.path("executive", "pdf"))))
    for title in TITLES.values():
        assert squash(title) in analyst
    assert squash(TITLES["risks"]) not in public
    assert squash(TITLES["paris"]) in public
    assert squash(TITLES["budapest"]) not in executive
    assert squash(TITLES["risks"]) in executive


def test_executive_pdf_is_exactly_one_page(sample: Built) -> None:
    assert len(PdfReader(sample.path("executive", "pdf")).pages) == 1


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_pdf_page_carries_the_marking_and_page_numbers(sample: Built, audience: str) -> None:
    pages = pdf_text(sample.path(audience, "pdf"))
    for number, text in enumerate(pages, 1):
        assert text.count(MARKINGS[audience]) >= 2, f"page {number}: marking not top and bottom"
        assert f"Page {number} of {len(pages)}" in text


def test_pdf_metadata_bookmarks_and_tags(sample: Built) -> None:
    reader = PdfReader(sample.path("analyst", "pdf"))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Binding Security Guarantees for Ukraine"
    assert meta.author == "Policy Analysis Unit"
    assert "nato" in (meta.get("/Keywords") or "")
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog  # tagged for accessibility
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Key judgements" in titles
    assert any(squash(TITLES["paris"]) in squash(t) for t in titles)
    fonts = {
        font["/BaseFont"]
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("Source-Serif-Pro" in str(name) for name in fonts), fonts


def test_public_edition_has_no_withheld_text(sample: Built) -> None:
    for ext in ("html", "md"):
        text = sample.path("public", ext).read_text("utf-8")
        assert AMBER_PASSAGE not in text
        assert RECOMMENDATION not in text
        assert TITLES["risks"] not in text
    assert "withheld from public" in sample.output and "(risks)" in sample.output


def test_cleared_audience_receives_its_passages(sample: Built) -> None:
    text = sample.path("analyst", "html").read_text("utf-8")
    assert AMBER_PASSAGE in text
    assert text.count(RECOMMENDATION) == 4


def test_docx_has_word_styles_marking_and_properties(sample: Built) -> None:
    document = docx.Document(str(sample.path("analyst", "docx")))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Block Text"} <= styles
    section = document.sections[0]
    assert "TLP:AMBER+STRICT" in section.header.paragraphs[0].text
    assert "TLP:AMBER+STRICT" in section.footer.paragraphs[0].text
    core = document.core_properties
    assert core.title == "Binding Security Guarantees for Ukraine"
    assert core.category == "TLP:AMBER+STRICT"
    assert core.language == "en-GB"
    assert len(document.tables) == 4  # one written in a section, three from data
    with zipfile.ZipFile(sample.path("analyst", "docx")) as archive:
        footer = next(n for n in archive.namelist() if n.startswith("word/footer"))
        assert "NUMPAGES" in archive.read(footer).decode()


def test_docx_contents_are_linked_paragraphs_without_bullets(sample: Built) -> None:
    document = docx.Document(str(sample.path("analyst", "docx")))
    entries = [p for p in document.paragraphs if p.style.name == "Contents Entry"]
    # Each entry ends with a tab, before the page number Word fills in.
    assert [p.text for p in entries][:2] == [
        "1 What are binding security guarantees for Ukraine?\t",
        "2 What was agreed at the Paris meeting?\t",
    ]
    assert len(entries) == 18  # 16 sections, contacts, references
    for entry in entries:
        assert entry._p.find(docx.oxml.ns.qn("w:pPr") + "/" + docx.oxml.ns.qn("w:numPr")) is None
        assert entry._p.findall(".//" + docx.oxml.ns.qn("w:hyperlink")), entry.text


# The order Word's schema gives paragraph properties; Word refuses files that break it.
PARAGRAPH_PROPERTIES = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange"
).split()


@pytest.mark.parametrize("audience", AUDIENCES)
def test_docx_paragraph_properties_follow_the_schema_order(sample: Built, audience: str) -> None:
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(sample.path(audience, "docx")) as archive:
        parts = [n for n in archive.namelist() if n.startswith("word/") and n.endswith(".xml")]
        for name in parts:
            for ppr in etree.fromstring(archive.read(name)).iter(f"{w}pPr"):
                tags = [child.tag.removeprefix(w) for child in ppr]
                ranks = [PARAGRAPH_PROPERTIES.index(t) for t in tags if t in PARAGRAPH_PROPERTIES]
                assert ranks == sorted(ranks), f"{name}: {tags}"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.external: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = values.get("lang")
        for key in ("src", "srcset", "data"):
            if values.get(key) and not str(values[key]).startswith("data:"):
                self.external.append(f"{tag} {key}={values[key]}")
        if tag == "link" and values.get("rel") in ("stylesheet", "preload", "icon"):
            self.external.append(f"link {values.get('href')}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_html_is_self_contained_with_marking_top_and_bottom(sample: Built, audience: str) -> None:
    source = sample.path(audience, "html").read_text("utf-8")
    page = _Page()
    page.feed(source)
    assert page.lang == "en-GB"
    assert page.external == []
    assert "script" not in page.tags
    assert {"main", "header", "footer"} <= set(page.tags)
    text = "".join(page.text).strip()
    body_text = text[text.index("Skip to content") :]
    assert body_text.split()[3] == MARKINGS[audience] or MARKINGS[audience] in body_text[:80]
    assert MARKINGS[audience] in body_text[-200:]


def test_manifest_records_inputs_outputs_and_marking(sample: Built) -> None:
    folder = sample.path("public", "pdf").parent
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["marking"] == "TLP:CLEAR"
    assert manifest["audience"] == "public"
    assert "risks" not in manifest["sections"]
    assert manifest["withheld_sections"] == 1
    assert "sources/ukraine-security-guarantees/risks.md" not in manifest["inputs"]
    assert "sources/ukraine-security-guarantees/paris-meeting.md" in manifest["inputs"]
    for name, entry in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    assert (
        manifest["outputs"]["ukraine-security-guarantees-public.pdf"]["pages"] == manifest["pages"]
    )
    assert set(manifest["tools"]) >= {"briefwright", "pypandoc-binary", "weasyprint"}


def test_a_second_build_is_up_to_date(sample: Built) -> None:
    result = run(sample.root, "build")
    assert result.exit_code == 0, result.output
    assert "0 edition(s) built, 3 up to date" in result.output


def test_builds_are_byte_identical_across_folders_and_job_counts(
    sample: Built, tmp_path: Path
) -> None:
    again = build_copy(tmp_path, "-j", "4")
    for audience in AUDIENCES:
        for ext in ("pdf", "docx", "html", "md"):
            first = sample.path(audience, ext).read_bytes()
            second = again.path(audience, ext).read_bytes()
            assert first == second, f"{audience}.{ext} differs between builds"


def test_archival_pdf_variant_on_request(tmp_path: Path) -> None:
    from .conftest import SMALL_PROJECT, write_files

    root = write_files(tmp_path, dict(SMALL_PROJECT))
    result = run(root, "build", "-a", "public", "-f", "pdf", "--pdf-variant", "pdf/a-3b")
    assert result.exit_code == 0, result.output
    reader = PdfReader(root / "build" / "demo" / "public" / "demo-public.pdf")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(?:="|>)3', xmp), xmp
    assert not (root / "build" / "demo" / "public" / "demo-public.docx").exists()


@pytest.mark.parametrize("audience", ["analyst", "public"])
def test_a_table_caption_stays_on_the_page_of_its_table(sample: Built, audience: str) -> None:
    pages = [squash(text) for text in pdf_text(sample.path(audience, "pdf"))]
    caption = [i for i, text in enumerate(pages) if squash("Three security frameworks") in text]
    table = [i for i, text in enumerate(pages) if squash("Legal form") in text]
    assert caption and caption == table
