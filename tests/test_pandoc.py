"""The pandoc that stays running: requests in turn, errors that name the edition, restarts."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from briefwright import tree
from briefwright.errors import BuildError
from briefwright.render import ast, pandoc

from .conftest import REPO, parse

BIBLIOGRAPHY = REPO / "sources" / "ukraine-security-guarantees" / "references.yaml"
REFERENCE = REPO / "src" / "briefwright" / "templates" / "_base" / "reference.docx"
EPOCH = 1794960000  # 18 November 2026: files stamped with it, not with the clock


def words(doc: dict) -> list[str]:
    return [node["c"] for node in tree.nodes(doc["blocks"]) if node["t"] == "Str"]


def test_one_pandoc_serves_one_call_after_another() -> None:
    with pandoc.session():
        server = pandoc._local.server
        first = parse("One *two*.", None, "first")
        second = parse("Three.", None, "second")
        assert pandoc._local.server is server
    assert words(first) == ["One", "two", "."]
    assert words(second) == ["Three."]
    assert server in pandoc._idle  # kept for the next edition, not stopped


def test_citations_resolve_with_the_bibliography() -> None:
    doc = parse("As agreed [@nato-1949].", BIBLIOGRAPHY, "cites")
    cite = next(node for node in tree.nodes(doc["blocks"]) if node["t"] == "Cite")
    assert "1949" in json.dumps(cite["c"][1])  # the rendered citation, not the key
    refs = next(n for n in tree.nodes(doc["blocks"]) if n["t"] == "Div" and n["c"][0][0])
    assert refs["c"][0][0] == "refs"


def test_a_pandoc_error_names_the_edition_and_the_same_pandoc_serves_on(tmp_path: Path) -> None:
    style = tmp_path / "broken.csl"
    style.write_text("<style>not a citation style")
    with pandoc.session():
        server = pandoc._local.server
        failed = "^pandoc could not resolve the citations of demo for analyst: "
        with pytest.raises(BuildError, match=failed):
            parse("As agreed [@nato-1949].", BIBLIOGRAPHY, "demo for analyst", style)
        assert words(parse("Still here.", None, "next")) == ["Still", "here."]
        assert pandoc._local.server is server and server.alive()


def test_metadata_in_a_source_cannot_send_citeproc_to_other_files() -> None:
    source = (
        "As agreed [@nato-1949].\n\n"
        "---\n"
        "citation-style: /nonexistent/style.csl\n"
        "citation-abbreviations: /nonexistent/abbreviations.json\n"
        "csl: https://example.invalid/style.csl\n"
        "---\n"
    )
    doc = parse(source, BIBLIOGRAPHY, "metadata")  # the default style, no error
    cite = next(node for node in tree.nodes(doc["blocks"]) if node["t"] == "Cite")
    assert "1949" in json.dumps(cite["c"][1])
    assert "citation-style" not in doc["meta"] and "csl" not in doc["meta"]


def test_an_interrupted_request_stops_that_pandoc(monkeypatch: pytest.MonkeyPatch) -> None:
    with pandoc.session():
        server = pandoc._local.server

        def interrupted(*args: object) -> None:
            raise KeyboardInterrupt  # after the request went out, before its reply was read

        monkeypatch.setattr(server, "_exchange", interrupted)
        with pytest.raises(KeyboardInterrupt):
            parse("Cut short.", None, "interrupted")
    assert not server.alive()  # its reply can never reach the next edition
    assert server not in pandoc._idle


def test_a_pandoc_that_stops_fails_that_edition_and_the_next_gets_a_new_one() -> None:
    with pandoc.session():
        server = pandoc._local.server
        server._process.kill()
        server._process.wait()
        with pytest.raises(BuildError, match="pandoc stopped while it was asked to read lost"):
            parse("Lost.", None, "lost")
    assert server not in pandoc._idle
    assert words(parse("Found.", None, "found")) == ["Found."]


def test_a_pandoc_stopped_while_idle_is_not_lent_again() -> None:
    parse("Warm.", None, "warm")
    idle = list(pandoc._idle)
    for server in idle:
        server._process.kill()
        server._process.wait()
    with pandoc.session():
        assert pandoc._local.server not in idle
        assert words(parse("Fresh.", None, "fresh")) == ["Fresh."]


def test_the_docx_writer_refuses_an_image_that_is_not_embedded() -> None:
    doc = parse("![A chart](/etc/hostname)", None, "image")
    with pandoc.session(), pytest.raises(BuildError, match="image that is not embedded.*/etc/hos"):
        pandoc.write_html(doc, "image", keep="image")
        pandoc.write_office("docx", REFERENCE, 0, "image", "Normal", kept="image")


def test_html_moves_headings_down_one_level() -> None:
    doc = parse("# Title\n\n## Part\n\nText.", None, "headings")
    page = pandoc.write_html(doc, "headings")
    assert "<h2>Title</h2>" in page.replace(' id="title"', "")
    assert "<h3>Part</h3>" in page.replace(' id="part"', "")
    assert "<h1" not in page


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_docx_from_the_kept_tree_leaves_out_what_only_the_print_page_needs() -> None:
    text = "::: contents\n- [One](#one)\n:::\n\n# One {#one}\n\nA claim.[^1]\n\n[^1]: Its note.\n"
    with pandoc.session():
        doc = parse(text, None, "kept")
        pandoc.write_html(json.loads(json.dumps(doc)), "plain", keep="plain")
        plain = pandoc.write_office(
            "docx", REFERENCE, EPOCH, "plain", "Contents Entry", kept="plain"
        )
        assert ast.add_print_notes(doc) == 1
        pandoc.write_html(doc, "kept", keep="kept")
        kept = pandoc.write_office("docx", REFERENCE, EPOCH, "kept", "Contents Entry", kept="kept")
    # pandoc dates core.xml by the clock (render/docx.py writes it anew): two writes a
    # second apart differ there and nowhere else.
    written = [
        {k: v for k, v in parts(d).items() if k != "docProps/core.xml"} for d in (kept, plain)
    ]
    assert written[0] == written[1]
    with zipfile.ZipFile(io.BytesIO(kept)) as docx:
        body = docx.read("word/document.xml").decode()
        notes = docx.read("word/footnotes.xml").decode()
    assert body.count("Its note") == 0 and notes.count("Its note") == 1
    assert '<w:pStyle w:val="ContentsEntry" />' in body and "<w:numPr>" not in body


def test_a_docx_of_the_kept_tree_needs_an_html_write_that_kept_it() -> None:
    with pandoc.session():
        pandoc.write_html(parse("Text.", None, "not kept"), "not kept")
        with pytest.raises(BuildError, match="no tree kept for the docx of not kept"):
            pandoc.write_office("docx", REFERENCE, 0, "not kept", "Normal", kept="not kept")
        pandoc.write_html(parse("Text.", None, "one"), "one", keep="one")
        with pytest.raises(BuildError, match="no tree kept for the odt of other"):
            pandoc.write_office("odt", REFERENCE, 0, "other", "Normal", kept="other")
        assert words(parse("Still serving.", None, "after")) == ["Still", "serving."]


def test_a_tree_left_kept_is_never_taken_for_a_later_one_of_the_same_label() -> None:
    with pandoc.session():
        # An edition that failed after its HTML left its tree kept, never forgotten.
        pandoc.write_html(
            parse("Withdrawn words.", None, "old"), "brief", keep=pandoc.tree_name("brief")
        )
        name = pandoc.tree_name("brief")
        pandoc.keep(parse("Current words.", None, "new"), "brief", name)
        markdown = pandoc.write_markdown("brief", name)
        pandoc.forget(name)
    assert "Current words." in markdown and "Withdrawn" not in markdown
