"""The pandoc that stays running: requests in turn, errors that name the edition, restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefwright.errors import BuildError
from briefwright.render import ast, pandoc

from .conftest import REPO

BIBLIOGRAPHY = REPO / "sources" / "ukraine-security-guarantees" / "references.yaml"
REFERENCE = REPO / "src" / "briefwright" / "templates" / "_base" / "reference.docx"


def words(doc: dict) -> list[str]:
    return [node["c"] for node in ast.nodes(doc["blocks"]) if node["t"] == "Str"]


def test_one_pandoc_serves_one_call_after_another() -> None:
    with pandoc.session():
        server = pandoc._local.server
        first = pandoc.parse("One *two*.", None, "first")
        second = pandoc.parse("Three.", None, "second")
        assert pandoc._local.server is server
    assert words(first) == ["One", "two", "."]
    assert words(second) == ["Three."]
    assert server in pandoc._idle  # kept for the next edition, not stopped


def test_citations_resolve_with_the_bibliography() -> None:
    doc = pandoc.parse("As agreed [@nato-1949].", BIBLIOGRAPHY, "cites")
    cite = next(node for node in ast.nodes(doc["blocks"]) if node["t"] == "Cite")
    assert "1949" in json.dumps(cite["c"][1])  # the rendered citation, not the key
    refs = next(n for n in ast.nodes(doc["blocks"]) if n["t"] == "Div" and n["c"][0][0])
    assert refs["c"][0][0] == "refs"


def test_a_pandoc_error_names_the_edition_and_the_next_call_still_works(tmp_path: Path) -> None:
    style = tmp_path / "broken.csl"
    style.write_text("<style>not a citation style")
    with pytest.raises(BuildError, match="^pandoc could not read demo for analyst: "):
        pandoc.parse("As agreed [@nato-1949].", BIBLIOGRAPHY, "demo for analyst", style)
    assert words(pandoc.parse("Still here.", None, "next")) == ["Still", "here."]


def test_a_pandoc_that_stops_fails_that_edition_and_the_next_gets_a_new_one() -> None:
    with pandoc.session():
        server = pandoc._local.server
        server._process.kill()
        server._process.wait()
        with pytest.raises(BuildError, match="pandoc stopped while it was asked to read lost"):
            pandoc.parse("Lost.", None, "lost")
    assert server not in pandoc._idle
    assert words(pandoc.parse("Found.", None, "found")) == ["Found."]


def test_a_pandoc_stopped_while_idle_is_not_lent_again() -> None:
    pandoc.parse("Warm.", None, "warm")
    idle = list(pandoc._idle)
    for server in idle:
        server._process.kill()
        server._process.wait()
    with pandoc.session():
        assert pandoc._local.server not in idle
        assert words(pandoc.parse("Fresh.", None, "fresh")) == ["Fresh."]


def test_the_docx_writer_refuses_an_image_that_is_not_embedded() -> None:
    doc = pandoc.parse("![A chart](/etc/hostname)", None, "image")
    with pytest.raises(BuildError, match="image that is not embedded.*/etc/hostname"):
        pandoc.write_docx(json.dumps(doc), REFERENCE, 0, "image")


def test_html_moves_headings_down_one_level() -> None:
    doc = pandoc.parse("# Title\n\n## Part\n\nText.", None, "headings")
    page = pandoc.write_html(doc, "headings")
    assert "<h2>Title</h2>" in page.replace(' id="title"', "")
    assert "<h3>Part</h3>" in page.replace(' id="part"', "")
    assert "<h1" not in page
