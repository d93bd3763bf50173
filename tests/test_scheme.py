"""A brief built under a marking scheme of the project's own, not TLP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import docx
from pypdf import PdfReader

from .conftest import expect_error, run, section

MARKINGS = """\
name: Government Security Classifications
levels:
  - label: OFFICIAL
    release: partners
    colour: "#FFFFFF"
    handling: Share it with those who need it for their work.
  - label: OFFICIAL-SENSITIVE
    release: organisation
    colour: "#FFC000"
    portion: "(OS)"
    handling: Share it only inside the organisation, with those who need to know.
  - label: SECRET
    release: named
    colour: "#FF2B2B"
    portion: "(S)"
    handling: For the named recipients only.
"""

AUDIENCES = """\
staff:
  label: Staff
  layout: full
  clearance: OFFICIAL-SENSITIVE
public:
  label: Public
  layout: full
  clearance: OFFICIAL
"""

BRIEF = """\
title: Scheme Brief
date: 2026-11-29
collection: gsc
marking: OFFICIAL
sections: [open, sensitive]
audiences:
  staff: {}
  public: {}
"""


def files() -> dict[str, str]:
    return {
        "briefs/markings.yaml": MARKINGS,
        "briefs/audiences.yaml": AUDIENCES,
        "briefs/scheme.yaml": BRIEF,
        "sources/gsc/open.md": section(
            "What is open?",
            "Open text.",
            'Open body.\n\n::: {marking="OFFICIAL-SENSITIVE"}\nSensitive passage.\n:::\n\n'
            '::: {marking="SECRET"}\nSecret passage.\n:::\n',
        ),
        "sources/gsc/sensitive.md": section(
            "What is sensitive?",
            "Sensitive summary.",
            "Sensitive body.",
            marking="OFFICIAL-SENSITIVE",
        ),
    }


def test_a_custom_scheme_builds_with_its_own_labels_and_portion_marks(
    project: Callable[..., Path],
) -> None:
    root = project(files(), base=False)
    result = run(root, "build")
    assert result.exit_code == 0, result.output
    staff = root / "build" / "scheme" / "staff"
    manifest = json.loads((staff / "manifest.json").read_text())
    assert manifest["marking"] == "OFFICIAL-SENSITIVE"
    for page in PdfReader(staff / "scheme-staff.pdf").pages:
        assert (page.extract_text() or "").count("OFFICIAL-SENSITIVE") >= 2
    html = (staff / "scheme-staff.html").read_text()
    assert '<span class="portion">(OS)</span> Sensitive passage.' in html
    assert "Secret passage" not in html
    header = docx.Document(str(staff / "scheme-staff.docx")).sections[0].header
    assert header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    public = json.loads((root / "build" / "scheme" / "public" / "manifest.json").read_text())
    assert public["marking"] == "OFFICIAL"
    assert public["sections"] == ["open"]


def test_tlp_labels_are_unknown_under_a_custom_scheme(project: Callable[..., Path]) -> None:
    content = files()
    content["sources/gsc/open.md"] = section("Q?", "S.", marking="TLP:CLEAR")
    expect_error(
        run(project(content, base=False), "check"),
        "sources/gsc/open.md:4: marking 'TLP:CLEAR' is not in the Government Security "
        "Classifications scheme (expected one of OFFICIAL, OFFICIAL-SENSITIVE, SECRET)",
    )


def test_a_scheme_with_a_repeated_label_is_refused(project: Callable[..., Path]) -> None:
    content = files()
    content["briefs/markings.yaml"] = (
        MARKINGS + "  - label: OFFICIAL\n    release: anyone\n    handling: Share it.\n"
    )
    expect_error(run(project(content, base=False), "check"), "marking 'OFFICIAL' is defined twice")


def test_a_custom_schemes_colours_reach_the_pdf_and_the_html(project: Callable[..., Path]) -> None:
    content = files()
    content["briefs/markings.yaml"] = MARKINGS.replace('colour: "#FFC000"', 'colour: "#12AB34"')
    root = project(content, base=False)
    assert run(root, "build", "-a", "staff", "-f", "pdf", "-f", "html").exit_code == 0
    staff = root / "build" / "scheme" / "staff"
    html = (staff / "scheme-staff.html").read_text()
    assert "--marking-official-sensitive: #12AB34;" in html
    assert 'class="marking-label marking-official-sensitive"' in html
    assert "#ffc000" not in html.lower()  # no colour of TLP's is left in the page
    # WeasyPrint fills the marking's text in the level's colour: 0x12, 0xAB, 0x34 of 255.
    fill = re.compile(rb"0\.0706?\d* 0\.670?6?\d* 0\.2039?\d* rg")
    streams = [
        page.get_contents().get_data() for page in PdfReader(staff / "scheme-staff.pdf").pages
    ]
    assert all(fill.search(stream) for stream in streams)
