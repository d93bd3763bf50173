"""Hostile and broken input: no injection, no file or network access outside the project."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import BRIEF, expect_error, run, section
from .scan import file_text, squash

HOSTILE_BODY = """\
Literal {{ 7*7 }} and {% if true %}kept{% endif %} text.

<script>alert("x")</script>

Inline <img src="x" onerror="alert(1)"> and <a href="javascript:alert(2)">html link</a>.

[markdown link](javascript:alert(3)) and [odd case](JaVaScRiPt:alert(4)) and
[data link](data:text/html;base64,PHNjcmlwdD4=) and [spaced]( javascript:alert(5)).

[span with handler]{onclick="alert(6)" style="color:red"} and [fine link](https://example.org).

```{=html}
<script>alert(7)</script>
```
"""


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.bad.append(tag)
        for key, value in attrs:
            if key.startswith("on"):
                self.bad.append(f"{tag} {key}")
            if value and re.match(r"\s*(javascript|vbscript|data:text)", value, re.I):
                if not (tag == "img" and value.startswith("data:image")):
                    self.bad.append(f"{tag} {key}={value}")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import SMALL_PROJECT, write_files

    root = tmp_path_factory.mktemp("hostile")
    files = dict(SMALL_PROJECT)
    files["sources/demo/intro.md"] = section(
        "Is {{ 7*7 }} evaluated?", "'{{ 7*7 }} stays literal.'", HOSTILE_BODY, marking="TLP:CLEAR"
    )
    write_files(root, files)
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    assert "removed raw HTML" in result.output
    return root / "build" / "demo" / "analyst"


def test_no_script_handler_or_javascript_url_reaches_html(hostile: Path) -> None:
    page = _Attrs()
    page.feed((hostile / "demo-analyst.html").read_text())
    assert page.bad == []
    assert 'href="https://example.org"' in (hostile / "demo-analyst.html").read_text()


def test_no_script_action_or_javascript_link_in_pdf(hostile: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(hostile / "demo-analyst.pdf")
    catalog = reader.trailer["/Root"]
    assert "/OpenAction" not in catalog and "/AA" not in catalog
    assert "/JavaScript" not in (catalog.get("/Names") or {})
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            assert action.get("/S") in (None, "/URI", "/GoTo"), action
            assert not str(action.get("/URI", "")).lower().startswith("javascript")


def test_no_javascript_link_or_script_in_docx(hostile: Path) -> None:
    text = file_text(hostile / "demo-analyst.docx").lower()
    assert "javascript:" not in text and "onerror=" not in text and "onclick" not in text
    assert "<w:t>&lt;script" not in text.replace(' xml:space="preserve"', "")


@pytest.mark.parametrize("ext", ["pdf", "docx", "html"])
def test_template_syntax_in_sources_stays_literal(hostile: Path, ext: str) -> None:
    text = squash(file_text(hostile / f"demo-analyst.{ext}"))
    assert squash("Literal {{ 7*7 }} and {% if true %}kept{% endif %} text") in text
    assert squash("Is {{ 7*7 }} evaluated?") in text


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("../../../../../../etc/hostname", "lies outside the project"),
        ("/etc/hostname", "lies outside the project"),
        ("file:///etc/hostname", "is not a file in the project"),
        ("file:intro.md", "is not a file in the project"),  # a file: URL, even to a source
        ("http://example.org/chart.png", "is not a file in the project"),
        ("missing.png", "does not exist"),
    ],
)
def test_images_resolve_only_inside_the_project(
    project: Callable[..., Path], image: str, message: str
) -> None:
    root = project(
        {"sources/demo/intro.md": section("Q?", "S.", f"![A chart]({image})", marking="TLP:CLEAR")}
    )
    expect_error(run(root, "build", "-a", "analyst"), "sources/demo/intro.md:6: image", message)
    assert not (root / "build" / "demo").exists()  # refused while reading, before anything is built


def test_a_symlink_pointing_outside_counts_as_outside(project: Callable[..., Path]) -> None:
    root = project(
        {"sources/demo/intro.md": section("Q?", "S.", "![A chart](chart.png)", marking="TLP:CLEAR")}
    )
    os.symlink("/etc/hostname", root / "sources" / "demo" / "chart.png")
    expect_error(run(root, "build", "-a", "analyst"), "lies outside the project")


def test_a_symlinked_section_outside_the_project_is_refused(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text(section("Q?", "S.", marking="TLP:CLEAR"))
    root = project()
    (root / "sources" / "demo" / "intro.md").unlink()
    os.symlink(outside, root / "sources" / "demo" / "intro.md")
    expect_error(run(root, "check"), "sources/demo/intro.md: is a link to a file outside")


def test_images_inside_the_project_are_embedded(project: Callable[..., Path]) -> None:
    from io import BytesIO

    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (40, 20), "navy").save(png, "PNG")
    root = project(
        {
            "sources/demo/intro.md": section("Q?", "S.", "![A dot](dot.png)", marking="TLP:CLEAR"),
            "sources/demo/dot.png": png.getvalue(),
        }
    )
    result = run(root, "build", "-a", "analyst")
    assert result.exit_code == 0, result.output
    html = (root / "build" / "demo" / "analyst" / "demo-analyst.html").read_text()
    assert 'src="data:image/png;base64,' in html and 'alt="A dot"' in html


@pytest.mark.parametrize(
    ("template", "content"),
    [
        ("templates/full/print.css", 'body { background: url("file:///etc/hostname"); }\n'),
        ("templates/full/print.css", 'body { background: url("https://example.org/x.png"); }\n'),
        (
            "templates/_base/print.html.j2",
            '<html><head><link rel="attachment" href="file:///etc/hostname"></head>'
            "<body>{{ body }}</body></html>",
        ),
    ],
)
def test_weasyprint_fetches_nothing_outside_the_project(
    project: Callable[..., Path], template: str, content: str
) -> None:
    root = project({template: content})
    expect_error(run(root, "build", "-a", "analyst"), "outside the project")
    assert not (root / "build" / "demo" / "analyst").exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"briefs/demo.yaml": BRIEF.replace("collection: demo", "collection: ../demo")},
            "'collection': '../demo' is not allowed",
        ),
        (
            {"briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[intro, ../secret]")},
            "'sections.1': '../secret' is not allowed",
        ),
        (
            {"briefs/demo.yaml": BRIEF.replace("[intro, judgement]", "[/etc/passwd]")},
            "'sections.0': '/etc/passwd' is not allowed",
        ),
        (
            {"sources/demo/Bad Name.md": section("Q?", "S.", marking="TLP:CLEAR")},
            "section id 'Bad Name' is not allowed",
        ),
    ],
)
def test_ids_and_paths_are_validated(
    project: Callable[..., Path], files: dict[str, str], message: str
) -> None:
    expect_error(run(project(files), "check"), message)


def test_a_huge_source_gets_a_clear_error_quickly(project: Callable[..., Path]) -> None:
    big = section("Q?", "S.", "word " * 2_100_000, marking="TLP:CLEAR")
    root = project({"sources/demo/intro.md": big})
    started = time.monotonic()
    expect_error(run(root, "check"), "sources/demo/intro.md: file is 10.5 MB; the limit is 2 MB")
    assert time.monotonic() - started < 30  # bounded: the file is never parsed


@pytest.mark.parametrize(
    "body",
    [
        '- A list item\n\n  ::: {marking="TLP:RED"}\n  Hidden QXHIDDEN in a list.\n  :::\n',
        '> ::: {marking="TLP:RED"}\n> Hidden QXHIDDEN in a quote.\n> :::\n',
    ],
)
def test_a_passage_in_a_list_or_quote_is_a_passage_like_any_other(
    project: Callable[..., Path], body: str
) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR")})
    assert run(root, "build", "-a", "public", "-a", "analyst").exit_code == 0
    assert "QXHIDDEN" not in file_text(root / "build/demo/public/demo-public.md")
    assert "QXHIDDEN" in file_text(root / "build/demo/analyst/demo-analyst.md")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('Text ::: {audience="analyst"} inline\n', 6),
        # four spaces in a list item: pandoc reads no fence here, only text
        ('- A list item\n\n    ::: {marking="TLP:RED"}\n    Hidden in a list.\n    :::\n', 8),
    ],
)
def test_a_fence_pandoc_does_not_read_as_one_is_refused(
    project: Callable[..., Path], body: str, line: int
) -> None:
    root = project({"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR")})
    expect_error(run(root, "build"), f"sources/demo/intro.md:{line}: pandoc reads the attributes")
    assert not (root / "build" / "demo").exists()


def test_renderer_fails_closed_on_an_unfiltered_marked_div() -> None:
    from briefwright.errors import BuildError
    from briefwright.render.ast import check_restrictions

    div = {"t": "Div", "c": [["", [], [["marking", "TLP:RED"]]], []]}
    doc = {"blocks": [{"t": "BlockQuote", "c": [div]}]}
    with pytest.raises(BuildError):
        check_restrictions(doc)


def test_reserved_attribute_is_refused(project: Callable[..., Path]) -> None:
    body = '::: {data-marking="TLP:CLEAR"}\nFake portion mark.\n:::\n'
    root = project({"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR")})
    expect_error(run(root, "check"), "'data-marking' is reserved")


@pytest.mark.parametrize(
    ("where", "value", "code"),
    [
        ("briefs/demo.yaml", "A\\x1bB", "001B"),  # escape: not allowed in XML 1.0
        ("briefs/demo.yaml", "A\\x0bB", "000B"),
        ("briefs/demo.yaml", "Safe \\u202eKCATTA\\u202c end", "202E"),  # reads backwards
        ("sources/demo/intro.md", "A\\x00B", "0000"),
        ("sources/demo/intro.md", "Zero\\u200bwidth", "200B"),
    ],
)
def test_control_characters_in_yaml_text_are_refused(
    project: Callable[..., Path], where: str, value: str, code: str
) -> None:
    root = project()
    path = root / where
    text = path.read_text()
    old = "title: Test Brief\n" if where.startswith("briefs") else "title: What is this?\n"
    assert old in text
    path.write_text(text.replace(old, f'title: "{value}"\n'))
    line = text.split(old)[0].count("\n") + 1
    for command in ("check", "build"):
        expect_error(
            run(root, command),
            f"{where}:{line}: 'title' holds an invisible control character (U+{code})",
        )
    assert not (root / "build" / "demo").exists()


def test_an_id_briefwright_reserves_is_refused(project: Callable[..., Path]) -> None:
    # A heading posing as a note's anchor could hide a note the PDF left out.
    body = "## Decoy {#bw-note-1}\n\nA claim.[^n]\n\n[^n]: The note."
    root = project({"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR")})
    expect_error(
        run(root, "check"),
        "sources/demo/intro.md:6: the id 'bw-note-1' begins with 'bw-', which is reserved",
    )


def test_a_heading_s_own_id_never_takes_a_reserved_form() -> None:
    from briefwright.render import ast

    doc = {
        "blocks": [
            {
                "t": "Header",
                "c": [
                    2,
                    ["", [], []],
                    [
                        {"t": "Str", "c": "BW"},
                        {"t": "Space"},
                        {"t": "Str", "c": "note"},
                        {"t": "Space"},
                        {"t": "Str", "c": "3"},
                    ],
                ],
            }
        ]
    }
    ast.unique_ids(doc)
    assert doc["blocks"][0]["c"][1][0] == "h-bw-note-3"
