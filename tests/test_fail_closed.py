"""Markings fail closed: pandoc's reading of a section decides what each audience receives.

Each case was once published to the public edition, or its restriction
dropped with a warning. Now a passage is exactly what pandoc reads as a Div
or Span with ``marking`` or ``audience``, and anything else that restricts,
or looks as if it means to, stops the build with the file, the line and a fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from briefwright import definitions, readings

from .conftest import BRIEF, expect_error, run, section
from .scan import folder_text, squash

CANARY = "QXREDCANARY"


def intro(body: str, **front: str) -> dict[str, str]:
    return {"sources/demo/intro.md": section("Q?", "S.", body, marking="TLP:CLEAR", **front)}


def edition_text(root: Path, audience: str) -> str:
    texts = folder_text(root / "build" / "demo" / audience)
    assert texts, f"nothing was built for {audience}"
    everything = "\n".join(texts.values())
    return everything + "\n" + squash(everything)


# --- restrictions that cannot be honoured are refused -----------------------------------


@pytest.mark.parametrize(
    ("body", "line", "element"),
    [
        (f'## Heading {CANARY} {{marking="TLP:RED"}}\n\nText.\n', 6, "a heading"),
        (f'```{{marking="TLP:RED"}}\n{CANARY}\n```\n', 6, "a code block"),
        (f'Some `{CANARY}`{{marking="TLP:RED"}} code.\n', 6, "inline code"),
        (f'A [{CANARY}](https://example.org){{marking="TLP:RED"}}.\n', 6, "a link"),
        (
            f'| a | b |\n|---|---|\n| {CANARY} | 2 |\n\n: Caption {{marking="TLP:RED"}}\n',
            10,
            "a table",
        ),
    ],
)
def test_a_marking_on_anything_but_a_div_or_span_is_refused(
    project: Callable[..., Path], body: str, line: int, element: str
) -> None:
    root = project(intro(body))
    for command in ("check", "build"):
        expect_error(
            run(root, command),
            f"sources/demo/intro.md:{line}: 'marking' on {element} cannot be honoured",
            "put the text in a passage instead",
        )
    assert not (root / "build" / "demo").exists()


@pytest.mark.parametrize(
    ("attribute", "key", "like"),
    [
        ('MARKING="TLP:RED"', "MARKING", "marking"),
        ('Marking="TLP:RED"', "Marking", "marking"),
        ('markings="TLP:RED"', "markings", "marking"),
        ('audiences="analyst"', "audiences", "audience"),
        ('m\u0430rking="TLP:RED"', "m\u0430rking", "marking"),  # Cyrillic a
        ('mark="TLP:RED"', "mark", "marking"),
        ('tlp="RED"', "tlp", "tlp"),
    ],
)
def test_a_near_miss_key_is_refused_not_ignored(
    project: Callable[..., Path], attribute: str, key: str, like: str
) -> None:
    root = project(intro(f"::: {{{attribute}}}\n{CANARY}\n:::\n"))
    expect_error(run(root, "build"), f"sources/demo/intro.md:6: the attribute '{key}'")
    assert not (root / "build" / "demo").exists()


@pytest.mark.parametrize(
    ("attribute", "shown"),
    [
        ('level="TLP:RED"', 'level="TLP:RED"'),
        ('sensitivity="RED"', 'sensitivity="RED"'),
        ('security="amber"', 'security="amber"'),
        ('restricted="analyst"', 'restricted="analyst"'),
        (".amber", ".amber"),
        (".RED", ".RED"),
        (".analyst", ".analyst"),
        (".analyst-only", ".analyst-only"),
        ("#tlp-red", "#tlp-red"),
        (".\u0430mber", ".\u0430mber"),  # Cyrillic a
    ],
)
def test_a_class_id_or_value_naming_a_marking_or_audience_is_refused(
    project: Callable[..., Path], attribute: str, shown: str
) -> None:
    # Whoever wrote it meant a restriction: it is refused, not removed with the text published.
    for fence in (f"::: {{{attribute}}}\n{CANARY}\n:::\n", f"[{CANARY}]{{{attribute}}}\n"):
        root = project(intro(fence))
        for command in ("check", "build"):
            expect_error(
                run(root, command),
                f"sources/demo/intro.md:6: '{shown}' names a marking or an audience, but only "
                "marking= and audience= restrict a passage",
            )
        assert not (root / "build" / "demo").exists()


def test_a_class_naming_the_lowest_marking_or_another_word_is_kept(
    project: Callable[..., Path],
) -> None:
    body = "::: {.clear .red-lines #warning}\nText.\n:::\n"
    result = run(project(intro(body)), "build", "-a", "public", "-f", "html")
    assert result.exit_code == 0, result.output


def test_an_upper_case_key_inside_a_list_is_refused(project: Callable[..., Path]) -> None:
    body = f'- item\n\n  ::: {{MARKING="TLP:RED"}}\n  {CANARY}\n  :::\n'
    expect_error(run(project(intro(body)), "check"), "sources/demo/intro.md:8: the attribute")


@pytest.mark.parametrize(
    "attribute",
    ['marking="TLP:RED" marking="TLP:CLEAR"', 'audience="analyst" audience="public"'],
)
def test_a_key_given_twice_is_refused(project: Callable[..., Path], attribute: str) -> None:
    root = project(intro(f"::: {{{attribute}}}\n{CANARY}\n:::\n"))
    expect_error(run(root, "build"), "sources/demo/intro.md:6:", "is given twice on one passage")


@pytest.mark.parametrize(
    "body",
    [
        # pandoc reads these as text, so the passage they meant would not be withheld
        f'Text.\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n',
        f'Text ::: {{audience="analyst"}} {CANARY}\n',
        f'<p marking="TLP:RED">{CANARY}</p>\n',
        f'Text.\n\n    ::: {{marking="TLP:RED"}}\n    {CANARY}\n    :::\n',
    ],
)
def test_a_restriction_pandoc_does_not_read_as_one_is_refused(
    project: Callable[..., Path], body: str
) -> None:
    root = project(intro(body))
    expect_error(run(root, "build"), "sources/demo/intro.md:")
    assert not (root / "build" / "demo").exists()


def test_a_restriction_in_a_title_or_summary_is_refused(project: Callable[..., Path]) -> None:
    files = {
        "sources/demo/intro.md": section(
            "Q?", f'"[{CANARY}]{{marking=TLP:RED}}"', "Text.", marking="TLP:CLEAR"
        )
    }
    expect_error(run(project(files), "check"), "the summary holds a restricted passage")


# --- what pandoc reads inside a passage is what is withheld ------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # a ':::' inside an HTML comment does not close the passage
        f'::: {{marking="TLP:RED"}}\nStart.\n\n<!--\n:::\n-->\n\n{CANARY}\n:::\n',
        # nor does one indented in a list item
        f'::: {{marking="TLP:RED"}}\n- item\n\n    :::\n\n  {CANARY}\n:::\n',
        # a line opening with inline code is no code fence
        f'```x```\n\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n',
        f'~~~x~~~\n\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n',
        # a span is a passage too
        f'Public text [and {CANARY}]{{marking="TLP:RED"}} here.\n',
        f'Public text [and {CANARY}]{{audience="analyst"}} here.\n',
    ],
)
def test_text_pandoc_reads_inside_a_passage_never_reaches_a_lower_audience(
    project: Callable[..., Path], body: str
) -> None:
    root = project(intro(body))
    result = run(root, "build", "-a", "public", "-a", "analyst")
    assert result.exit_code == 0, result.output
    assert CANARY not in edition_text(root, "public")
    assert CANARY in edition_text(root, "analyst")


def test_a_heading_id_never_spells_out_a_withheld_span(project: Callable[..., Path]) -> None:
    body = f'## Plan [{CANARY.lower()}]{{marking="TLP:RED"}}\n\nSee [the plan](#plan).\n'
    root = project(intro(body))
    assert run(root, "build", "-a", "public", "-a", "analyst").exit_code == 0
    public = edition_text(root, "public")
    assert CANARY.lower() not in public.lower()
    assert 'href="#plan"' in (root / "build/demo/public/demo-public.html").read_text()


# --- metadata and email come from the tree ------------------------------------------------


def test_metadata_and_email_carry_no_text_the_page_does_not(
    project: Callable[..., Path],
) -> None:
    distribution = (
        "sender: Unit <unit@example.org>\norganisation_domains: [example.org]\n"
        "lists:\n  public: [press@example.org]\n"
    )
    files = {
        "sources/demo/intro.md": section(
            "Q <!-- QXCOMMENTTITLE -->?",
            f'"The bottom line <!-- {CANARY} --> stands."',
            "Text.",
            marking="TLP:CLEAR",
        ),
        "briefs/distribution.yaml": distribution,
    }
    root = project(files)
    result = run(root, "email", "demo", "-a", "public")
    assert result.exit_code == 0, result.output
    text = edition_text(root, "public")
    assert "The bottom line" in text and "stands" in text
    assert CANARY not in text and "QXCOMMENTTITLE" not in text
    assert (root / "build/demo/public/demo-public.eml").is_file()


# --- an edition's folder holds exactly its current files ---------------------------------


def test_outputs_an_edition_no_longer_has_are_removed(project: Callable[..., Path]) -> None:
    root = project(intro(f"Public text {CANARY}.\n"))
    assert run(root, "build", "-a", "public").exit_code == 0
    folder = root / "build" / "demo" / "public"
    assert (folder / "demo-public.html").is_file()
    remarked = f'Public.\n\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n'
    (root / "sources/demo/intro.md").write_text(section("Q?", "S.", remarked, marking="TLP:CLEAR"))
    assert run(root, "build", "-a", "public", "-f", "pdf").exit_code == 0
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["demo-public.md", "demo-public.pdf", "manifest.json"]
    assert CANARY not in edition_text(root, "public")


def test_the_up_to_date_check_compares_hashes_not_sizes(project: Callable[..., Path]) -> None:
    root = project(intro("Public text."))
    assert run(root, "build", "-a", "public").exit_code == 0
    page = root / "build" / "demo" / "public" / "demo-public.html"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"Public text", b"Altered txt"))  # same length
    result = run(root, "build", "-a", "public")
    assert "built" in result.output and page.read_bytes() == good


def test_an_unwritable_build_folder_is_a_clear_error(project: Callable[..., Path]) -> None:
    root = project()
    (root / "build").write_text("a file where the build folder goes")
    expect_error(run(root, "build", "-a", "public"), "cannot write build/demo/public")


# --- layouts reach nothing outside the project ----------------------------------------------


def test_a_layout_runs_in_a_sandbox(project: Callable[..., Path]) -> None:
    template = "{{ cycler.__init__.__globals__.os.popen('echo QXSHELL').read() }}\n"
    root = project({"templates/full/document.md.j2": template})
    result = run(root, "build", "-a", "public")
    expect_error(result, "templates/full/document.md.j2", "sandbox")
    assert "QXSHELL" not in result.output


def test_a_layout_sees_plain_data_only(project: Callable[..., Path]) -> None:
    template = "{{ brief.path }}{{ edition.root }}\n"
    root = project({"templates/full/document.md.j2": template})
    expect_error(run(root, "build", "-a", "public"), "templates/full/document.md.j2:1:")


@pytest.mark.parametrize("name", ["full/style.css", "full/cover.html.j2", "_base/reference.docx"])
def test_a_layout_file_linking_outside_the_project_is_refused(
    project: Callable[..., Path], tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "outside"
    outside.write_text("QXOUTSIDE")
    root = project()
    target = root / "templates" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, target)
    expect_error(
        run(root, "build", "-a", "public"), f"templates/{name}: is a link to a file outside"
    )
    assert not (root / "build" / "demo" / "public").exists()


# --- images -----------------------------------------------------------------------------------


def test_a_reference_style_image_is_checked(project: Callable[..., Path]) -> None:
    root = project(intro("![A chart][c]\n\n[c]: missing.png\n"))
    expect_error(run(root, "check"), "sources/demo/intro.md:", "image 'missing.png' does not exist")


def test_a_data_uri_image_is_refused(project: Callable[..., Path]) -> None:
    svg = (
        "data:image/svg+xml;base64,PHN2Zz48aW1hZ2UgaHJlZj0iaHR0cDovL2V4YW1wbGUub3JnL3giLz48L3N2Zz4="
    )
    root = project(intro(f"![A chart]({svg})\n"))
    expect_error(
        run(root, "check"), "sources/demo/intro.md:6: image", "is not a file in the project"
    )


def test_an_image_too_large_to_print_is_an_error_with_its_line(
    project: Callable[..., Path],
) -> None:
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk
    png += struct.pack(">I", zlib.crc32(chunk))
    files = {**intro("Text.\n\n![A huge chart](huge.png)\n"), "sources/demo/huge.png": png}
    expect_error(run(project(files), "check"), "sources/demo/intro.md:8: image 'huge.png'", "30000")


def test_a_note_defined_in_a_passage_but_referred_to_outside_it_is_refused(
    project: Callable[..., Path],
) -> None:
    body = f'Public claim.[^a]\n\n::: {{marking="TLP:RED"}}\nSecret.\n\n[^a]: {CANARY}\n:::\n'
    expect_error(
        run(project(intro(body)), "build"),
        "sources/demo/intro.md:11: note [^a] is defined inside a restricted passage",
    )


def test_a_note_defined_and_referred_to_inside_its_passage_is_withheld_with_it(
    project: Callable[..., Path],
) -> None:
    body = (
        f'Public claim.[^b]\n\n::: {{marking="TLP:RED"}}\nSecret.[^a]\n\n[^a]: {CANARY}\n:::\n\n'
        "[^b]: A public note.\n"
    )
    root = project(intro(body))
    assert run(root, "build", "-a", "public", "-a", "analyst").exit_code == 0
    assert CANARY not in edition_text(root, "public")
    assert "A public note" in edition_text(root, "public")
    assert CANARY in edition_text(root, "analyst")


def test_nesting_too_deep_to_read_is_a_clear_error(project: Callable[..., Path]) -> None:
    body = "> " * 300 + "deep\n"
    expect_error(run(project(intro(body)), "check"), "sources/demo/intro.md", "nests lists, quotes")


# --- found by review: each once let marked text reach a lower audience ----------------------


def test_a_link_reference_defined_in_a_passage_is_refused(project: Callable[..., Path]) -> None:
    body = (
        f'See [the plan][p].\n\n::: {{marking="TLP:RED"}}\nRed.\n\n'
        f'[p]: https://example.org/{CANARY} "{CANARY} title"\n:::\n'
    )
    expect_error(
        run(project(intro(body)), "build"),
        "sources/demo/intro.md:11: link reference [p] is defined inside a restricted passage",
    )


def test_a_tex_macro_defined_in_a_passage_goes_nowhere(project: Callable[..., Path]) -> None:
    body = (
        '::: {marking="TLP:RED"}\n\\newcommand{\\secret}{\\text{' + CANARY + "}}\n\nx\n:::\n\n"
        "Public math $\\secret$.\n"
    )
    root = project(intro(body))
    result = run(root, "build", "-a", "public")
    assert result.exit_code == 0, result.output
    assert CANARY not in edition_text(root, "public") and CANARY not in result.output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            f'Claim.[^a]\n\n[^a]: public\n\n::: {{marking="TLP:RED"}}\n[^a]: {CANARY}\n:::\n',
            "note [^a] is defined 2 times",
        ),
        (
            f'Claim.[^a]\n\n::: {{marking="TLP:RED"}}\n- [^a]: {CANARY}\n:::\n',
            "note [^a] is defined inside a restricted passage",
        ),
    ],
)
def test_every_note_definition_is_placed(
    project: Callable[..., Path], body: str, message: str
) -> None:
    expect_error(run(project(intro(body)), "build"), "sources/demo/intro.md:", message)


def test_a_note_defined_in_a_chart_is_used_in_the_chart_only(project: Callable[..., Path]) -> None:
    spec = "data: {url: d.csv}\nmark: bar\nencoding: {x: {field: n, type: quantitative}}\n"
    body = f'Claim.[^n]\n\n::: {{.chart spec="c.vl.yaml"}}\nA chart.\n\n[^n]: {CANARY}\n:::\n'
    files = {
        **intro(body),
        "sources/demo/data/d.csv": "n\n1\n",
        "sources/demo/data/d.meta.yaml": "marking: TLP:RED\n",
        "sources/demo/data/c.vl.yaml": spec,
    }
    expect_error(run(project(files), "build"), "note [^n] is defined inside a restricted passage")


def test_a_heading_id_never_spells_a_withheld_span_however_the_heading_is_written(
    project: Callable[..., Path],
) -> None:
    body = f'## Plan<br>[{CANARY}]{{marking="TLP:RED"}}\n\nText.\n'
    root = project(intro(body))
    assert run(root, "build", "-a", "public").exit_code == 0
    assert CANARY.lower() not in edition_text(root, "public").lower()


def test_a_passage_for_ministers_inside_a_marked_one_keeps_that_marking(
    project: Callable[..., Path],
) -> None:
    body = (
        f'::: {{marking="TLP:AMBER"}}\nOuter.\n\n::: {{audience="executive"}}\n{CANARY}\n:::\n:::\n'
    )
    root = project(intro(body))
    assert run(root, "build", "-a", "executive", "-f", "html").exit_code == 0
    folder = root / "build" / "demo" / "executive"
    assert json.loads((folder / "manifest.json").read_text())["marking"] == "TLP:AMBER"
    html = (folder / "demo-executive.html").read_text()
    assert CANARY in html
    assert 'class="passage passage-audience passage-marked" data-marking="TLP:AMBER"' in html


def test_data_without_a_marking_of_its_own_takes_the_briefs(project: Callable[..., Path]) -> None:
    files = {
        **intro('::: {.table data="figs.csv"}\n:::\n'),
        "briefs/demo.yaml": BRIEF.replace("marking: TLP:CLEAR", "marking: TLP:AMBER"),
        "sources/demo/data/figs.csv": f"name\n{CANARY}\n",
    }
    root = project(files)
    assert run(root, "build", "-a", "public", "-a", "analyst", "-f", "html").exit_code == 0
    assert CANARY not in edition_text(root, "public")
    assert CANARY in edition_text(root, "analyst")


@pytest.mark.parametrize(
    "body",
    [
        f"::: {{.marking}}\n{CANARY}\n:::\n",
        f"::: marking\n{CANARY}\n:::\n",
        f"Text [{CANARY}]{{.audience}}.\n",
        f'Text.\n::: {{marking: "TLP:RED"}}\n{CANARY}\n:::\n',
        f'Text.\n::: {{marking\uff1d"TLP:RED"}}\n{CANARY}\n:::\n',
        f"Text.\n\n---\nmarking: TLP:RED\n---\n\n{CANARY}\n",
    ],
)
def test_more_restrictions_that_cannot_be_honoured_are_refused(
    project: Callable[..., Path], body: str
) -> None:
    root = project(intro(body))
    expect_error(run(root, "build"), "sources/demo/intro.md:")
    assert not (root / "build" / "demo").exists()


def test_a_fence_inside_a_folded_value_does_not_end_the_front_matter(
    project: Callable[..., Path],
) -> None:
    text = (
        f"---\ntitle: Q?\nsummary: >-\n  A summary.\n  ---\nmarking: TLP:RED\n---\n{CANARY} body.\n"
    )
    judgement = section("Q2?", "S2.", "Public text.", marking="TLP:CLEAR")
    root = project({"sources/demo/intro.md": text, "sources/demo/judgement.md": judgement})
    result = run(root, "build", "-a", "public", "-a", "analyst", "-f", "html")
    assert result.exit_code == 0, result.output
    assert CANARY not in edition_text(root, "public")  # the section is RED, as its file says
    assert CANARY in edition_text(root, "analyst")


def test_a_layout_shows_no_data_of_its_own(project: Callable[..., Path]) -> None:
    layout = '{% for s in sections %}{{ s.body }}{% endfor %}\n\n::: {.table data="red.csv"}\n:::\n'
    files = {
        "templates/full/document.md.j2": layout,
        "sources/demo/data/red.csv": f"name\n{CANARY}\n",
        "sources/demo/data/red.meta.yaml": "marking: TLP:RED\n",
    }
    expect_error(run(project(files), "build", "-a", "public"), "shows a table or chart from data")


def test_a_layout_file_may_not_link_to_a_source(project: Callable[..., Path]) -> None:
    root = project({"templates/full/document.md.j2": '{% include "full/peek.txt" %}\n'})
    (root / "templates" / "full" / "peek.txt").symlink_to(
        root / "sources" / "demo" / "judgement.md"
    )
    expect_error(run(root, "build", "-a", "public"), "templates/full/peek.txt: is a link to a file")


def test_an_edited_cache_entry_is_not_trusted(project: Callable[..., Path]) -> None:
    root = project(intro(f'Public.\n\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n'))
    assert run(root, "build", "-a", "public", "-f", "html").exit_code == 0
    for entry in (root / "build" / ".cache" / "trees").rglob("*"):
        if entry.is_file() and b'"marking", "TLP:RED"' in entry.read_bytes():
            entry.write_bytes(entry.read_bytes().replace(b'[["marking", "TLP:RED"]]', b"[]"))
    assert run(root, "build", "-a", "public", "-f", "html", "--force").exit_code == 0
    assert CANARY not in edition_text(root, "public")


def test_notes_whose_definitions_cannot_be_checked_stop_the_build(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check reads the text again with each definition made a word of its own; if
    # that reading fails, a note defined in a passage could carry its text out of it.
    body = f'Public claim.[^a]\n\n::: {{marking="TLP:RED"}}\nSecret.\n\n[^a]: {CANARY}\n:::\n'
    real = readings.read_texts

    def failing(root: Path, texts: list[str], what: str) -> list[Any]:
        read = real(root, texts, what)
        return [
            f"pandoc failed on {what}" if definitions.PROBE in t else r
            for t, r in zip(texts, read, strict=True)
        ]

    monkeypatch.setattr(readings, "read_texts", failing)
    result = run(project(intro(body)), "build", "-a", "public")
    expect_error(result, "sources/demo/intro.md", "notes and link references are defined")
    assert CANARY not in result.output


def test_a_torn_cache_entry_is_made_again(project: Callable[..., Path]) -> None:
    # Entries are not flushed to disk (write.atomic_write, durable=False): a crash may
    # leave one empty or cut short, and its seal must then refuse it.
    root = project(intro(f'Public.\n\n::: {{marking="TLP:RED"}}\n{CANARY}\n:::\n'))
    assert run(root, "build", "-a", "public", "-f", "html").exit_code == 0
    entries = [e for e in (root / "build" / ".cache" / "trees").rglob("*") if e.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(b"" if number % 2 else data[: len(data) // 2])
    result = run(root, "build", "-a", "public", "-f", "html", "--force")
    assert result.exit_code == 0, result.output
    text = edition_text(root, "public")
    assert "Public." in text and CANARY not in text
    for entry in entries:  # and made again, whole
        assert len(entry.read_bytes()) > 32


def test_an_edition_the_project_no_longer_has_is_removed(project: Callable[..., Path]) -> None:
    root = project(intro(f"Public text {CANARY}."))
    assert run(root, "build", "-f", "html").exit_code == 0
    (root / "briefs" / "demo.yaml").write_text(BRIEF.replace("  public: {}\n", ""))
    result = run(root, "build", "-f", "html")
    assert result.exit_code == 0, result.output
    assert not (root / "build" / "demo" / "public").exists()
    assert (root / "build" / "demo" / "analyst").is_dir()


def test_warnings_quote_no_text_of_a_source(project: Callable[..., Path]) -> None:
    body = (
        f'::: {{marking="TLP:RED"}}\n<span style="x">{CANARY}</span> '
        f"<font color=red>{CANARY}</font>\n:::\n"
    )
    result = run(project(intro(body)), "build", "-a", "public")
    assert result.exit_code == 0 and "removed raw HTML" in result.output, result.output
    assert CANARY not in result.output
