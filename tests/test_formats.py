"""The format registry, and OpenDocument Text as proof that a format is one entry."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest
from pypdf import PdfReader

from briefwright import formats
from briefwright.cli import build as build_command
from briefwright.models import AudienceFile

from .conftest import Built, build_copy, run, unavailable

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_the_registry_is_the_one_list_of_formats() -> None:
    assert tuple(formats.FORMATS) == formats.NAMES == get_args(formats.Name)
    choices = next(p for p in build_command.params if p.name == "formats").type.choices  # type: ignore[attr-defined]
    assert tuple(choices) == formats.NAMES
    assert AudienceFile.__dataclass_fields__["formats"].default_factory() == list(formats.DEFAULT)  # type: ignore[misc]
    for spec in formats.FORMATS.values():
        assert "/" in spec.media_type and spec.kind
        assert (spec.source == "tree") == (spec.reference is not None)


def libreoffice_pdf(source: Path, folder: Path) -> Path:
    """Return the PDF LibreOffice makes of a DOCX or ODT, as a reader opening it would see it."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        unavailable("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    subprocess.run(
        [office, "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "pdf", "--outdir", str(folder), str(source)],
        capture_output=True,
        timeout=180,
        check=True,
    )  # fmt: skip
    return folder / f"{source.stem}.pdf"


@pytest.fixture
def odt(project: Callable[..., Path]) -> Path:
    root = project()
    result = run(root, "build", "-f", "odt")
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.parametrize(
    ("audience", "marking"),
    [("executive", "TLP:AMBER"), ("analyst", "TLP:AMBER"), ("public", "TLP:CLEAR")],
)
def test_odt_is_built_for_every_audience_marked_like_the_docx(
    odt: Path, audience: str, marking: str
) -> None:
    path = odt / "build" / "demo" / audience / f"demo-{audience}.odt"
    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        styles = archive.read("styles.xml").decode()
        meta = archive.read("meta.xml").decode()
        content = archive.read("content.xml").decode()
    assert styles.count(f" {marking} ") == 2  # header and footer
    assert "BRIEFWRIGHT-MARKING" not in styles
    assert "<dc:title>Test Brief</dc:title>" in meta and f">{marking}</meta:user-defined>" in meta
    assert 'fo:page-width="210mm"' in styles
    assert "An introduction that states the bottom line." in content
    # Each marking chip is drawn as on the pages, and the contents lead dots to its pages.
    assert (
        '<style:style style:name="Marking TLP:AMBER" style:family="text"><style:text-properties '
        'fo:font-weight="bold" fo:color="#FFC000" fo:background-color="#000000"'
    ) in styles
    # The dots run to the page numbers at the text's right edge.
    left, right = map(
        int,
        re.findall(
            r'fo:margin-(?:left|right)="(\d+)mm"',
            styles.split("<style:page-layout-properties", 1)[1],
        )[:2],
    )
    tab = (
        f'style:leader-style="dotted" style:leader-text="." style:position="{210 - left - right}mm"'
    )
    assert tab in styles
    # One paragraph default, the brief's body font: pandoc's own would follow it and win.
    assert styles.count('<style:default-style style:family="paragraph">') == 1
    if audience == "public":
        assert "things will happen" not in content  # withheld, as from every format


def test_odt_builds_are_byte_identical(odt: Path, project: Callable[..., Path]) -> None:
    first = (odt / "build/demo/public/demo-public.odt").read_bytes()
    assert run(odt, "build", "-f", "odt", "--force", "-a", "public").exit_code == 0
    assert (odt / "build/demo/public/demo-public.odt").read_bytes() == first


def test_libreoffice_opens_the_odt_with_its_marking_on_every_page(
    odt: Path, tmp_path: Path
) -> None:
    source = odt / "build/demo/analyst/demo-analyst.odt"
    converted = libreoffice_pdf(source, tmp_path)
    pages = [p.extract_text() or "" for p in PdfReader(converted).pages]
    assert pages and all(text.count("TLP:AMBER") >= 2 for text in pages)
    assert "Analyst-only advice" in "".join(pages)
    # The handling sentence of the marking, under the title as in the DOCX.
    handling = "Recipients may share it only within their organisation"
    assert handling in " ".join(pages[0].split())


def test_word_keeps_a_short_table_on_one_page(sample: Built, tmp_path: Path) -> None:
    source = sample.path("analyst", "docx")
    converted = libreoffice_pdf(source, tmp_path)
    pages = [p.extract_text() or "" for p in PdfReader(converted).pages]
    for first, last in (
        ("Table 1.", "Deeper defence cooperation"),  # five rows
        ("Table 3.", "Enforcement"),
    ):
        on = [i for i, text in enumerate(pages) if first in text]
        assert on and last in pages[on[0]], f"{first} runs onto another page"


def test_word_shows_each_marking_as_the_pages_do(sample: Built) -> None:
    import docx

    document = docx.Document(str(sample.path("analyst", "docx")))
    chips = {
        run.style.name: run.text
        for paragraph in document.paragraphs
        for run in paragraph.runs
        if run.style is not None and run.style.name.startswith("Marking ")
    }
    assert chips["Marking TLP:AMBER"] == "TLP:AMBER" and "Marking TLP:CLEAR" in chips
    amber = document.styles["Marking TLP:AMBER"]
    assert amber.font.bold and str(amber.font.color.rgb) == "FFC000"
    shading = amber.element.find(".//{*}shd")
    assert shading is not None and shading.get(f"{{{W}}}fill") == "000000"


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_the_one_pager_is_one_page_in_word_and_libreoffice_too(tmp_path: Path, fmt: str) -> None:
    root = build_copy(tmp_path / "proj", "-a", "executive", "-f", fmt).root
    source = root / "build" / "ukraine-security-guarantees" / "executive"
    converted = libreoffice_pdf(source / f"ukraine-security-guarantees-executive.{fmt}", tmp_path)
    assert len(PdfReader(converted).pages) == 1


def _line_lengths(pdf: Path) -> list[int]:
    """The lengths of the body's full lines (over 50 characters), cover and back page left out."""
    pages = PdfReader(pdf).pages[2:-1]
    lines = (line.strip() for page in pages for line in page.extract_text().splitlines())
    return sorted(len(line) for line in lines if len(line) > 50)


@pytest.mark.parametrize("fmt", ["pdf", "docx", "odt"])
def test_the_full_brief_reads_at_about_75_characters_a_line(
    sample: Built, tmp_path: Path, fmt: str
) -> None:
    # A readable measure is 65 to 80 characters a line: on paper, in Word and in LibreOffice.
    if fmt == "pdf":
        printed = sample.path("analyst", "pdf")
    else:
        built = sample
        if fmt == "odt":
            built = build_copy(tmp_path / "proj", "-a", "analyst", "-f", fmt)
        printed = libreoffice_pdf(built.path("analyst", fmt), tmp_path)
    lengths = _line_lengths(printed)
    assert len(lengths) > 100
    median, longer = lengths[len(lengths) // 2], lengths[len(lengths) * 9 // 10]
    assert 65 <= median <= 80 and longer <= 90, (median, longer)


def test_images_keep_their_description_in_docx_and_odt(tmp_path: Path) -> None:
    root = build_copy(tmp_path / "proj", "-a", "executive", "-f", "docx", "-f", "odt").root
    folder = root / "build" / "ukraine-security-guarantees" / "executive"
    with zipfile.ZipFile(folder / "ukraine-security-guarantees-executive.docx") as word:
        document = word.read("word/document.xml").decode()
    described = re.findall(r'<wp:docPr [^>]*descr="([^"]+)"', document)
    assert described and described[0].startswith("A timeline of milestones")
    # The picture's own name is short: not the image again as a data: URI, in text.
    assert "data:" not in document and len(document) < 200_000
    with zipfile.ZipFile(folder / "ukraine-security-guarantees-executive.odt") as odt:
        content = odt.read("content.xml").decode()
    # pandoc's ODT writer drops the description; the frame carries it, as LibreOffice writes it.
    frames = re.findall(r'<draw:frame draw:name="img\d+".*?</draw:frame>', content)
    assert frames and all(f"<svg:title>{described[0]}</svg:title>" in frame for frame in frames)
