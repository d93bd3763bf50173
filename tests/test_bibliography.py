"""Bibliographies and citation styles: read as the build reads them, refused in words.

`brief check` and `brief build` read each bibliography with pandoc's own
readers and try each style with citeproc before anything is built; a fault is
one message with its file and line, never a parser dump per citation, and
nothing is ever fetched over the network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright.load import load_with_problems

from .conftest import BRIEF, expect_error, parse, run, section

CITING = section("Q?", "S.", "As agreed [@nato-1949] and [@paris-2026].", marking="TLP:CLEAR")
BIB = """\
@book{nato-1949,
  title = {North Atlantic Treaty},
  author = {{North Atlantic Council}},
  year = {1949},
}

@report{paris-2026,
  title = {Paris Declaration},
  institution = {Coalition of the Willing},
  year = {2026},
}
"""
# A small independent style: titles in brackets; the bibliography prints authors only,
# so an entry without one has no printed form.
STYLE = """\
<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>Bracketed titles</title>
    <id>http://example.org/styles/bracketed-titles</id>
    <updated>2026-01-01T00:00:00+00:00</updated>
  </info>
  <citation>
    <layout prefix="[[" suffix="]]" delimiter="; ">
      <text variable="title"/>
    </layout>
  </citation>
  <bibliography>
    <layout>
      <names variable="author"/>
    </layout>
  </bibliography>
</style>
"""
DEPENDENT = """\
<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" default-locale="en-GB">
  <info>
    <title>A Journal of Treaties</title>
    <id>http://www.zotero.org/styles/a-journal-of-treaties</id>
    <link href="http://www.zotero.org/styles/a-journal-of-treaties" rel="self"/>
    <link href="http://www.zotero.org/styles/nature" rel="independent-parent"/>
    <updated>2026-01-01T00:00:00+00:00</updated>
  </info>
</style>
"""
ONLY_HTML = ("-a", "analyst", "-a", "public", "-f", "html")


def errors(root: Path) -> list[str]:
    _, problems = load_with_problems(root)
    return [str(p) for p in problems.errors]


def warnings(root: Path) -> list[str]:
    _, problems = load_with_problems(root)
    return [str(p) for p in problems.warnings]


def with_style(style: str, name: str = "styles/house.csl") -> dict[str, str | bytes]:
    return {
        "briefs/demo.yaml": BRIEF + f"csl: {name}\n",
        name: style,
        "sources/demo/intro.md": CITING,
        "sources/demo/references.bib": BIB,
    }


# --- citation styles ---------------------------------------------------------------------


def test_a_dependent_style_names_its_parent_and_where_to_put_it(
    project: Callable[..., Path],
) -> None:
    root = project(with_style(DEPENDENT, "styles/a-journal-of-treaties.csl"))
    (found,) = errors(root)
    assert found == (
        "styles/a-journal-of-treaties.csl:7: is a dependent style: it only names its parent "
        "style, http://www.zotero.org/styles/nature, which citeproc would fetch over the "
        "network, and a build never does (download the parent from "
        "https://raw.githubusercontent.com/citation-style-language/styles/master/nature.csl, "
        "save it as styles/nature.csl, and write 'csl: styles/nature.csl' in briefs/demo.yaml)"
    )


def test_a_build_with_a_dependent_style_stops_before_pandoc_fetches_anything(
    project: Callable[..., Path],
) -> None:
    root = project(with_style(DEPENDENT))
    result = run(root, "build", *ONLY_HTML)
    expect_error(result, "styles/house.csl:7: is a dependent style", "nothing was built")
    assert "Could not fetch" not in result.output and "Http" not in result.output
    assert not (root / "build" / "demo").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<!DOCTYPE html>\n<html lang='en'><head><title>styles/apa.csl</title></head></html>\n",
            "styles/house.csl:1: is a web page (HTML), not a citation style (download the style "
            "file itself: on GitHub, open the style and choose 'Raw')",
        ),
        (
            STYLE[: STYLE.index("<bibliography>") + 20],
            "styles/house.csl:14: ends before the style does: it was cut short (download it again)",
        ),
        ("Bracketed titles, by the unit\n", "styles/house.csl:1: is not XML"),
        (
            STYLE.replace("</layout>\n  </citation>", "</citation>", 1),
            "styles/house.csl:11: is not well-formed XML: mismatched tag at column 7",
        ),
        (
            STYLE.replace(' xmlns="http://purl.org/net/xbiblio/csl"', ""),
            "styles/house.csl:1: its root element is <style> outside the CSL namespace",
        ),
        (
            "<?xml version='1.0'?>\n<locale xmlns='http://purl.org/net/xbiblio/csl'/>\n",
            "styles/house.csl:1: its root element is <locale>, not <style xmlns=",
        ),
        (
            STYLE[: STYLE.index("  <citation>")] + STYLE[STYLE.index("  <bibliography>") :],
            "styles/house.csl: has no <citation> element, so it cannot format citations",
        ),
    ],
    ids=[
        "html-page",
        "cut-short",
        "not-xml",
        "mismatched",
        "no-namespace",
        "locale",
        "no-citation",
    ],
)
def test_a_file_that_is_not_a_citation_style_is_one_error_with_its_line(
    project: Callable[..., Path], text: str, expected: str
) -> None:
    root = project(with_style(text))
    (found,) = errors(root)
    assert found.startswith(expected), found


def test_a_style_citeproc_refuses_is_refused_by_check(project: Callable[..., Path]) -> None:
    no_layout = STYLE.replace(
        '<layout prefix="[[" suffix="]]" delimiter="; ">\n      <text variable="title"/>\n'
        "    </layout>\n",
        "",
    )
    root = project(with_style(no_layout))
    expect_error(
        run(root, "check"),
        "styles/house.csl: pandoc cannot resolve citations with it: CiteprocParseError: "
        "No layout element present in citation (briefs/demo.yaml names it",
        "1 problem found",
    )


def test_a_style_with_no_bibliography_is_a_warning(project: Callable[..., Path]) -> None:
    start, end = STYLE.index("  <bibliography>"), STYLE.index("</style>")
    root = project(with_style(STYLE[:start] + STYLE[end:]))
    assert errors(root) == []
    assert "styles/house.csl: has no <bibliography> element" in " ".join(warnings(root))


def test_the_editions_use_the_brief_style(project: Callable[..., Path]) -> None:
    root = project(with_style(STYLE))
    result = run(root, "build", *ONLY_HTML)
    assert result.exit_code == 0, result.output
    page = (root / "build" / "demo" / "public" / "demo-public.html").read_text("utf-8")
    # (BibTeX titles are set in sentence case for an English brief: pandoc does that.)
    assert '[[<a href="#ref-nato-1949" role="doc-biblioref">North atlantic treaty</a>]]' in page


# --- bibliographies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "references.bib",
            BIB.replace("year = {1949},\n}", "year = {1949},\n"),
            "sources/demo/references.bib:1: entry 'nato-1949' is not closed before the next "
            "entry begins on line 7 (a '{' in it has no matching '}': count the braces of its "
            "fields)",
        ),
        (
            "references.bib",
            BIB.rstrip().removesuffix("}"),
            "sources/demo/references.bib:7: entry 'paris-2026' is never closed: the file ends "
            "inside it",
        ),
        (
            "references.bib",
            BIB.replace("@book{nato-1949,", "@book{nato-1949"),
            "sources/demo/references.bib:2: pandoc cannot read it as BibTeX in entry "
            "'nato-1949' at column 3",
        ),
        (
            "references.json",
            '[\n  {"id": "nato-1949", "title": "North Atlantic Treaty", "author": "NATO"},\n'
            '  {"id": "paris-2026", "title": "Paris Declaration"}\n]\n',
            "sources/demo/references.json:2: reference 'nato-1949': 'author' is text, not a "
            'list of names (write a list of names: [{"family": "Doe", "given": "Jane"}], or '
            '[{"literal": "NATO"}])',
        ),
        (
            "references.json",
            '[\n  {"id": "nato-1949", "title": "North Atlantic Treaty"},\n'
            '  {"id": "paris-2026", "title": "Paris Declaration"},\n]\n',
            "sources/demo/references.json:3: a comma follows the last item of a list or object "
            "(remove it: JSON allows none there)",
        ),
        (
            "references.json",
            '{"references": [{"id": "nato-1949"}, {"id": "paris-2026"}]}\n',
            "sources/demo/references.json: must hold a list of references, [{...}, {...}], but "
            "holds an object whose 'references' holds the list (keep only the list of entries)",
        ),
        (
            "references.yaml",
            "- id: nato-1949\n  title: North Atlantic Treaty\n",
            None,  # a bare list is what pandoc reads too: only paris-2026 is missing
        ),
        (
            "references.yaml",
            "refs:\n- id: nato-1949\n- id: paris-2026\n",
            "sources/demo/references.yaml:1: holds no 'references:', so pandoc finds no entries",
        ),
        (
            "references.yaml",
            "references:\n- id: nato-1949\n- title: Paris Declaration\n- id: paris-2026\n",
            "sources/demo/references.yaml:3: entry 2 has no id, so no section can cite it",
        ),
    ],
    ids=[
        "bib-unclosed-entry",
        "bib-cut-short",
        "bib-no-comma",
        "json-author-string",
        "json-trailing-comma",
        "json-wrapper",
        "yaml-bare-list",
        "yaml-no-references",
        "yaml-entry-without-id",
    ],
)
def test_a_broken_bibliography_is_one_error_in_words(
    project: Callable[..., Path], name: str, text: str, expected: str | None
) -> None:
    root = project({"sources/demo/intro.md": CITING, f"sources/demo/{name}": text})
    found = errors(root)
    if expected is None:
        assert found == [
            "sources/demo/intro.md:6: citation '@paris-2026' is not in the bibliography "
            "(add it to sources/demo/references.yaml, or write \\@paris-2026 if the @ does "
            "not start a citation)"
        ]
        return
    assert len(found) == 1, found  # no second error for each citation of the file
    assert found[0].startswith(expected), found[0]
    assert "Error in $" not in found[0] and "parsing" not in found[0]


@pytest.mark.parametrize(
    ("name", "text", "lines"),
    [
        ("references.bib", BIB + "\n@book{nato-1949,\n  title = {A copy},\n}\n", "1 and 13"),
        (
            "references.json",
            '[\n  {"id": "nato-1949", "title": "One"},\n  {"id": "paris-2026"},\n'
            '  {"id": "nato-1949", "title": "Two"}\n]\n',
            "2 and 4",
        ),
        (
            "references.yaml",
            "references:\n- id: nato-1949\n  title: One\n- id: paris-2026\n"
            "- id: nato-1949\n  title: Two\n",
            "2 and 5",
        ),
    ],
    ids=["bib", "json", "yaml"],
)
def test_a_key_defined_twice_is_an_error_naming_both_lines(
    project: Callable[..., Path], name: str, text: str, lines: str
) -> None:
    root = project({"sources/demo/intro.md": CITING, f"sources/demo/{name}": text})
    (found,) = errors(root)
    first = lines.split()[0]
    assert found == (
        f"sources/demo/{name}:{first}: reference 'nato-1949' is defined twice, on lines "
        f"{lines}; citeproc would silently use only the last (give each entry its own key, "
        "or remove the copies)"
    )


def test_the_keys_are_those_pandoc_reads_not_what_looks_like_an_entry(
    project: Callable[..., Path],
) -> None:
    bib = BIB + "@comment{@book{ghost-1990, title = {Commented out}}}\n"
    cites_ghost = section("Q?", "S.", "As agreed [@nato-1949] and [@ghost-1990].")
    root = project({"sources/demo/intro.md": cites_ghost, "sources/demo/references.bib": bib})
    found = errors(root)
    assert found == [
        "sources/demo/intro.md:5: citation '@ghost-1990' is not in the bibliography (add it "
        "to sources/demo/references.bib, or write \\@ghost-1990 if the @ does not start a "
        "citation)"
    ]


def test_a_csl_json_list_inside_items_is_read_as_pandoc_reads_it(
    project: Callable[..., Path],
) -> None:
    wrapped = '{"items": [{"id": "nato-1949", "title": "North Atlantic Treaty"},\n'
    wrapped += '{"id": "paris-2026", "title": "Paris Declaration"}]}\n'
    root = project({"sources/demo/intro.md": CITING, "sources/demo/references.json": wrapped})
    assert errors(root) == []
    result = run(root, "build", *ONLY_HTML)
    assert result.exit_code == 0, result.output
    page = (root / "build" / "demo" / "public" / "demo-public.html").read_text("utf-8")
    assert "North Atlantic Treaty" in page and "nato-1949?" not in page


def test_an_uncited_bibtex_entry_is_a_warning_at_its_line(project: Callable[..., Path]) -> None:
    cites_one = section("Q?", "S.", "As agreed [@nato-1949].", marking="TLP:CLEAR")
    root = project({"sources/demo/intro.md": cites_one, "sources/demo/references.bib": BIB})
    result = run(root, "check")
    assert "warning: sources/demo/references.bib:7: reference 'paris-2026' is never cited" in (
        result.output
    )


def test_a_yaml_author_written_as_text_is_a_warning(project: Callable[..., Path]) -> None:
    yaml = "references:\n- id: nato-1949\n  author: NATO\n- id: paris-2026\n"
    root = project({"sources/demo/intro.md": CITING, "sources/demo/references.yaml": yaml})
    assert errors(root) == []
    assert warnings(root)[0].startswith(
        "sources/demo/references.yaml:3: reference 'nato-1949': 'author' is written as plain "
        "text, which citeproc prints exactly so"
    )


# --- citation keys in any script ------------------------------------------------------------


def test_a_key_in_cyrillic_resolves_and_a_misspelt_one_gets_a_suggestion(
    project: Callable[..., Path],
) -> None:
    bib = "@book{пункт4,\n  title = {Закон про оборону},\n  author = {{Верховна Рада}},\n"
    bib += "  year = {1991},\n}\n"
    files: dict[str, str | bytes] = {"sources/demo/references.bib": bib}
    files["sources/demo/intro.md"] = section("Q?", "S.", "Under the law [@пукт4].")
    expect_error(
        run(project(files), "check"),
        "sources/demo/intro.md:5: citation '@пукт4' is not in the bibliography "
        "(did you mean '@пункт4'?",
    )
    files["sources/demo/intro.md"] = section("Q?", "S.", "Under the law [@пункт4].")
    root = project(files)
    result = run(root, "build", *ONLY_HTML)
    assert result.exit_code == 0, result.output
    page = (root / "build" / "demo" / "public" / "demo-public.html").read_text("utf-8")
    assert "Верховна Рада 1991" in page and "пункт4?" not in page


# --- what citeproc says ---------------------------------------------------------------------


def test_what_citeproc_says_is_said_once_about_the_bibliography_and_style(
    project: Callable[..., Path],
) -> None:
    # paris-2026 has no author: the style's bibliography prints nothing for it.
    root = project(with_style(STYLE))
    check = run(root, "check")
    expected = (
        "sources/demo/references.bib:7: reference 'paris-2026' prints nothing in citation "
        "style styles/house.csl: where it is cited, the edition shows an empty citation"
    )
    assert f"warning: {expected}" in check.output
    build = run(root, "build", *ONLY_HTML)
    assert build.exit_code == 0, build.output
    assert build.output.count("paris-2026") == 1, build.output  # not once per edition
    assert expected in build.output
    assert "for analyst" not in build.output and "for public" not in build.output


def test_a_warning_from_one_edition_names_the_files_and_is_said_once(
    tmp_path: Path,
) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    bibliography = tmp_path / "sources" / "demo" / "references.bib"
    bibliography.parent.mkdir(parents=True)
    bibliography.write_text(BIB, encoding="utf-8")
    logger = logging.getLogger("briefwright.bibliography")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)  # whatever a CLI test set above it
    try:
        for edition in ("demo for analyst", "demo for public"):
            parse("Cited [@no-such-key].", bibliography, edition)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert [r.getMessage() for r in records] == [
        "citeproc, resolving citations with sources/demo/references.bib: "
        "citation no-such-key not found"
    ]


def test_citeproc_markup_is_never_blamed_on_a_source(project: Callable[..., Path]) -> None:
    bib = BIB.replace(
        "year = {1949},", "year = {1949},\n  note = {\\textsc{Signed} in {W}ashington},"
    )
    bib = bib.replace("year = {2026},", "year = {2026},\n  url = {https://example.org/paris},")
    root = project(
        {
            "sources/demo/intro.md": CITING,
            "sources/demo/references.bib": bib,
            "briefs/demo.yaml": BRIEF + "csl: styles/house.csl\n",
            "styles/house.csl": STYLE.replace(
                '<names variable="author"/>',
                '<names variable="author"/><text variable="note" prefix=". "/>'
                '<text variable="URL" prefix=" "/>',
            ),
        }
    )
    check = run(root, "check")
    assert check.exit_code == 0, check.output
    build = run(root, "build", *ONLY_HTML)
    assert build.exit_code == 0, build.output
    for said in (check.output, build.output):
        assert "removed" not in said and "sources/demo/intro.md" not in said, said


def test_a_request_pandoc_refuses_leaves_that_pandoc_telling_its_warnings(
    tmp_path: Path,
) -> None:
    from briefwright.render import pandoc

    bibliography = tmp_path / "sources" / "demo" / "references.bib"
    bibliography.parent.mkdir(parents=True)
    bibliography.write_text(BIB, encoding="utf-8")
    style = tmp_path / "broken.csl"
    style.write_text(STYLE.replace("<layout", "<nolayout").replace("</layout", "</nolayout"))
    with pandoc.session():
        server = pandoc._local.server
        refused = pandoc.try_citations(["nato-1949"], bibliography, style, "en-GB", "demo")
        assert "No layout element" in refused["error"]
        parse("Cited [@still-no-such-key].", bibliography, "demo for analyst")
        assert server._said() == ["[WARNING] Citeproc: citation still-no-such-key not found"]
