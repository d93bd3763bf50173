"""Tables and charts from data: real tables and vector figures in every format, marked like text."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from .conftest import AUDIENCES, Built, expect_error, run, section
from .scan import folder_text

PLEDGES = "country,troops,funding\nUnited Kingdom,5000,1250.5\nFrance,4000,980\nEstonia,200,12\n"
CHART = """\
$schema: https://vega.github.io/schema/vega-lite/v5.json
data: {url: pledges.csv}
mark: bar
encoding:
  x: {field: troops, type: quantitative}
  y: {field: country, type: nominal}
"""
SECRET = "country,troops\nQXSECRETLAND,777\n"
SECRET_CHART = CHART.replace("pledges.csv", "secret.csv")
BRIEF = """\
title: Figures
date: 2026-11-29
collection: demo
marking: TLP:CLEAR
lang: {lang}
sections: [intro]
audiences:
  executive: {{}}
  analyst: {{}}
  public: {{}}
"""
BODY = """\
Text before.

::: {.table data="pledges.csv" columns="country,troops,funding" caption="Pledges to the force"}
:::

::: {.chart spec="pledges.vl.yaml" caption="Troops pledged"}
Troops pledged by each country, from 5,000 (United Kingdom) down to 200 (Estonia).
:::

::: {.chart spec="secret.vl.yaml" caption="QXSECRETCAPTION"}
QXSECRETALT the secret chart.
:::

::: {.chart spec="pledges.vl.yaml" audience="executive"}
The same chart, for ministers.
:::
"""


def files(body: str = BODY, lang: str = "en-GB", **extra: str) -> dict[str, str]:
    return {
        "briefs/audiences.yaml": AUDIENCES,
        "briefs/demo.yaml": BRIEF.format(lang=lang),
        "sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR"),
        "sources/demo/data/pledges.csv": PLEDGES,
        "sources/demo/data/pledges.meta.yaml": "source: Coalition statements, 2026\n",
        "sources/demo/data/pledges.vl.yaml": CHART,
        "sources/demo/data/secret.csv": SECRET,
        "sources/demo/data/secret.meta.yaml": "marking: TLP:AMBER\nsource: QXSECRETSOURCE\n",
        "sources/demo/data/secret.vl.yaml": SECRET_CHART,
        **extra,
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import write_files

    root = write_files(tmp_path_factory.mktemp("figures"), files())
    result = run(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    return root


def folder(root: Path, audience: str) -> Path:
    return root / "build" / "demo" / audience


def test_a_table_from_data_is_a_real_table_in_every_format(built: Path) -> None:
    public = folder(built, "public")
    html = (public / "demo-public.html").read_text()
    table = html.split('class="from-data', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<td style="text-align: right;">1,250.5</td>', table), table
    assert '<td style="text-align: left;">United Kingdom</td>' in table
    assert "Table 1." in html and "Pledges to the force" in html
    assert "Source: Coalition statements, 2026" in html
    with zipfile.ZipFile(public / "demo-public.docx") as archive:
        body = archive.read("word/document.xml").decode()
    assert "<w:tbl>" in body and '<w:jc w:val="right" />' in body and "5,000" in body
    text = "".join(p.extract_text() or "" for p in PdfReader(public / "demo-public.pdf").pages)
    assert "Table 1. Pledges to the force" in text and "1,250.5" in text


def test_numbers_are_written_as_the_briefs_language_writes_them(
    project: Callable[..., Path],
) -> None:
    root = project(files(lang="de-DE"), base=False)
    assert run(root, "build", "-a", "public", "-f", "html").exit_code == 0
    html = (folder(root, "public") / "demo-public.html").read_text()
    assert ">1.250,5</td>" in html and ">5.000</td>" in html and "Tabelle 1." in html


def test_a_chart_is_vector_in_pdf_and_html_and_described_in_the_docx(built: Path) -> None:
    analyst = folder(built, "analyst")
    html = (analyst / "demo-analyst.html").read_text()
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'alt="Troops pledged by each country, from 5,000' in html
    assert "Figure 1." in html and "Troops pledged" in html
    reader = PdfReader(analyst / "demo-analyst.pdf")
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert "Estonia" in text  # the chart's labels are text: vector, not a picture
    assert not any(page.images for page in reader.pages)
    with zipfile.ZipFile(analyst / "demo-analyst.docx") as archive:
        body = archive.read("word/document.xml").decode()
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert media and all(n.endswith(".png") for n in media)
    assert 'descr="Troops pledged by each country, from 5,000' in body


def test_a_chart_above_an_audiences_clearance_leaves_no_trace(built: Path) -> None:
    public = folder_text(folder(built, "public"))
    everything = "\n".join(public.values())
    for canary in (
        "QXSECRETLAND",
        "QXSECRETCAPTION",
        "QXSECRETALT",
        "QXSECRETSOURCE",
        "secret.csv",
    ):
        assert canary not in everything, canary
    manifest = json.loads((folder(built, "public") / "manifest.json").read_text())
    assert not any("secret" in name for name in manifest["inputs"])
    analyst = (folder(built, "analyst") / "demo-analyst.html").read_text()
    assert "QXSECRETCAPTION" in analyst and "QXSECRETALT" in analyst
    assert json.loads((folder(built, "analyst") / "manifest.json").read_text())["marking"] == (
        "TLP:AMBER"
    )


def test_a_chart_addressed_to_an_audience_reaches_its_summary_edition_only(built: Path) -> None:
    executive = (folder(built, "executive") / "demo-executive.html").read_text()
    public = (folder(built, "public") / "demo-public.html").read_text()
    assert "The same chart, for ministers." in executive
    assert "The same chart, for ministers." not in public
    assert "Pledges to the force" not in executive  # not addressed to it: a summary shows summaries


def test_the_same_chart_is_the_same_drawing_in_every_edition(built: Path) -> None:
    pages = [(folder(built, a) / f"demo-{a}.html").read_text() for a in ("analyst", "executive")]
    charts = [set(re.findall(r'src="(data:image/svg\+xml;base64,[^"]+)"', p)) for p in pages]
    assert charts[0] & charts[1]
    cached = [p for p in (built / "build" / ".cache" / "charts").rglob("*") if p.is_file()]
    assert len(cached) == 2  # one drawing per distinct chart: the pledges and the secret one


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CHART.replace("pledges.csv", "../../../etc/passwd"), "is not a file of this data/ folder"),
        (CHART.replace("pledges.csv", "https://example.org/x.csv"), "is not a file of this data/"),
        (CHART.replace("pledges.csv", "/etc/passwd"), "is not a file of this data/ folder"),
        (
            CHART + "transform: [{lookup: a, from: {data: {url: 'http://x.test/d.csv'}}}]\n",
            "not a file",
        ),
        (CHART.replace("mark: bar", "mark: image"), "would have the chart fetch"),
        (CHART.replace("pledges.csv", "missing.csv"), "data file 'missing.csv' is not in data/"),
    ],
)
def test_a_chart_may_read_only_files_of_its_data_folder(
    project: Callable[..., Path], spec: str, message: str
) -> None:
    root = project(files(**{"sources/demo/data/pledges.vl.yaml": spec}), base=False)
    expect_error(run(root, "check"), "sources/demo/data/pledges.vl.yaml", message)


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {
                "sources/demo/intro.md": section(
                    "Q?", "S.", '::: {.chart spec="pledges.vl.yaml"}\n:::\n'
                )
            },
            "sources/demo/intro.md:5:",
            "chart 'pledges.vl.yaml' has no description",
        ),
        (
            {"sources/demo/intro.md": section("Q?", "S.", '::: {.table data="nope.csv"}\n:::\n')},
            "sources/demo/intro.md:5:",
            "data file 'nope.csv' is not in data/",
        ),
        (
            {
                "sources/demo/intro.md": section(
                    "Q?", "S.", '::: {.table data="pledges.csv" columns="soldiers"}\n:::\n'
                )
            },
            "sources/demo/intro.md:5:",
            "data file 'pledges.csv' has no column 'soldiers' "
            "(expected one of country, troops, funding)",
        ),
        (
            {"sources/demo/data/pledges.csv": "country,troops\nFrance,4000\nSpain\n"},
            "sources/demo/data/pledges.csv:3:",
            "row 3 has 1 values; the header names 2 columns",
        ),
        (
            {"sources/demo/data/pledges.meta.yaml": "sauce: nope\n"},
            "sources/demo/data/pledges.meta.yaml:1:",
            "unknown key 'sauce'",
        ),
    ],
)
def test_bad_data_is_an_error_with_file_line_and_fix(
    project: Callable[..., Path], changes: dict[str, str], where: str, message: str
) -> None:
    # Said once, where it lies: what names a file that did not load is not told it is missing.
    expect_error(
        run(project(files(**changes), base=False), "check"), where, message, "1 problem found"
    )


def test_a_section_showing_data_that_did_not_load_is_not_used(
    project: Callable[..., Path],
) -> None:
    from briefwright.load import load_with_problems

    broken = {"sources/demo/data/pledges.csv": "country,troops\nFrance,4000\nSpain\n"}
    loaded, problems = load_with_problems(project(files(**broken), base=False))
    # Its figures are unmarked and unresolved: the section is dropped, not kept as it is.
    assert loaded is not None and "intro" not in loaded.collections["demo"].sections
    assert [p.path for p in problems.errors] == ["sources/demo/data/pledges.csv"]


def test_a_chart_addressed_to_an_audience_that_may_not_receive_it_is_an_error(
    project: Callable[..., Path],
) -> None:
    # Its line is the div's, not that of prose that happens to name the marking first.
    body = (
        'Our `marking="TLP:AMBER"` passages are few.\n\n'
        '::: {.chart spec="secret.vl.yaml" audience="public"}\nA chart.\n:::\n'
    )
    root = project(files(body), base=False)
    expect_error(
        run(root, "build"),
        "sources/demo/intro.md:8: the chart 'secret.vl.yaml' is addressed to audience 'public' "
        "but marked TLP:AMBER, above its clearance TLP:CLEAR",
    )


def test_editing_a_data_file_rebuilds_exactly_the_editions_that_show_it(
    project: Callable[..., Path],
) -> None:
    root = project(files(), base=False)
    assert run(root, "build", "-f", "html").exit_code == 0
    (root / "sources/demo/data/secret.csv").write_text("country,troops\nQXSECRETLAND,778\n")
    result = run(root, "build", "-f", "html")
    assert "built: demo-analyst" in result.output
    assert (
        "up to date: demo-public" in result.output and "up to date: demo-executive" in result.output
    )


def test_a_figure_marked_no_higher_than_its_section_is_not_shown_as_a_marked_passage(
    sample: Built,
) -> None:
    # Every figure carries its data's marking; only one above its section is set apart.
    divs = {
        audience: re.findall(r'<div class="([^"]*figure-[a-z]+[^"]*)" data-marking="([^"]+)"',
                             sample.path(audience, "html").read_text())
        for audience in ("public", "analyst")
    }  # fmt: skip
    assert divs["public"] and all("passage-marked" not in c for c, _ in divs["public"])
    assert all(
        ("passage-marked" in classes) == (marking == "TLP:AMBER+STRICT")
        for classes, marking in divs["analyst"]
    )
    document = docx.Document(str(sample.path("public", "docx")))
    assert "Passage" not in {p.style.name for p in document.paragraphs if p.style is not None}


def test_an_edition_s_markdown_holds_its_figures_as_a_tree(sample: Built) -> None:
    # Raw HTML would read back as markup, which a redline leaves out.
    for audience in ("analyst", "executive", "public"):
        text = sample.path(audience, "md").read_text()
        assert "{.figure .chart}" in text and "<figure" not in text and "<img" not in text
