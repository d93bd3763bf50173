"""The redline's diff, on pandoc's trees: word by word, block by block, section by section."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefwright import redline, tree
from briefwright.render import redline as writer

from .conftest import parse
from .redlined import settle, words

WHO = redline.Author("Unit A", "2026-12-01T00:00:00Z")


def read(text: str) -> list[Any]:
    doc = parse(text)
    redline.normalise(doc)
    return doc["blocks"]  # type: ignore[no-any-return]


def changes(blocks: list[Any]) -> list[tuple[str, str]]:
    """Return each change as (kind, its text), in order."""
    found = []
    for node in tree.nodes(blocks):
        if node["t"] == "Span":
            kinds = {redline.INSERTION, redline.DELETION} & set(node["c"][0][1])
            if kinds:
                found.append((kinds.pop(), tree.stringify(node["c"][1])))
    return found


def both_ways(old: str, new: str, mode: redline.Mode = "tracked") -> list[Any]:
    """Diff two texts; check that accepting gives the new and rejecting the old."""
    a, b = read(old), read(new)
    blocks, _ = redline.diff(a, b, WHO, mode)
    assert words(settle(blocks, redline.INSERTION)) == words(b)
    assert words(settle(blocks, redline.DELETION)) == words(a)
    return blocks


def test_a_one_word_edit_is_a_one_word_change() -> None:
    blocks = both_ways(
        "On 6 January about 35 states met in Paris.", "On 6 January some 35 states met in Paris."
    )
    assert changes(blocks) == [("deletion", "about "), ("insertion", "some ")]


def test_an_item_added_to_a_list_that_turns_loose_is_the_only_change() -> None:
    # One item is a tight list; with a second written after a blank line pandoc reads the
    # list as loose (Para, not Plain): the first item has not changed.
    old = "- **Prices.** Prices will rise by about ten percent this winter.\n"
    new = old + "\n- **Storage.** Storage is full.\n"
    blocks = both_ways(old, new)
    assert changes(blocks) == [("insertion", "Storage. Storage is full.")]


def test_a_phrase_rewritten_is_one_deletion_and_one_insertion() -> None:
    blocks = both_ways(
        "On 6 January about 35 states met in Paris.",
        "On 6 January more than 30 states met in Paris.",
    )
    assert changes(blocks) == [("deletion", "about 35 "), ("insertion", "more than 30 ")]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("A B C.", "A C."),
        ("A B", "A"),
        ("A", "A B"),
        ("One two.", "Zero one two."),
        ("The cat sat on the mat.", "The dog sat on a mat, quietly."),
        ("Some **bold text here** and more.", "Some **bold words here** and more."),
        ("A [link](https://example.org) here.", "A [link text](https://example.org) here."),
        ("Text[^1].\n\n[^1]: A note with words.", "Text[^1].\n\n[^1]: A note with more words."),
        ("Para one.\n\nPara two.", "Para one.\n\nNew para.\n\nPara two."),
        ("- one\n- two\n- three", "- one\n- three\n- four"),
        ("```\ncode a\n```", "```\ncode b\n```"),
        ("Text.\n\n---\n\nMore.", "Text.\n\nMore."),
    ],
)
def test_accepting_every_change_gives_the_new_text_and_rejecting_the_old(
    old: str, new: str
) -> None:
    both_ways(old, new)
    both_ways(old, new, "shown")


def test_a_table_cell_edit_is_marked_in_its_cell() -> None:
    table = "| Country | Troops |\n|---|---:|\n| United Kingdom | 5000 |\n| France | {} |\n"
    blocks = both_ways(table.format("3000"), table.format("4000"))
    (cell,) = [
        cell
        for node in tree.nodes(blocks)
        if node["t"] == "Table"
        for body in node["c"][4]
        for row in body[3]
        for cell in row[1]
        if redline.has_change(cell[4])
    ]
    assert changes(cell[4]) == [("deletion", "3000"), ("insertion", "4000")]


def test_a_table_row_added_is_marked_row_by_row() -> None:
    table = "| A | B |\n|---|---|\n| 1 | 2 |\n"
    blocks = both_ways(table, table + "| 3 | 4 |\n")
    assert changes(blocks) == [("insertion", "3"), ("insertion", "4")]


SECTIONS = """\
# [1]{.secno} One { #sec-one}

Text one.

# [2]{.secno} Two { #sec-two}

Text two here.

# [3]{.secno} Three { #sec-three}

Text three here.
"""


def test_sections_match_by_id_and_a_move_is_a_move() -> None:
    moved = """\
# [1]{.secno} One { #sec-one}

Text one.

# [2]{.secno} Three { #sec-three}

Text three here.

# [3]{.secno} Two { #sec-two}

Text two here, changed.
"""
    shown, found = redline.diff(read(SECTIONS), read(moved), WHO, "shown")
    assert found.moved in (["three"], ["two"])
    assert found.revised == ["two"]  # its text changed; renumbering is no revision
    # Shown: the moved section once, with only its own edits marked, and a note where it was.
    assert tree.stringify(shown).count("Text three here.") == 1
    notes = [tree.stringify(n) for n in tree.nodes(shown) if redline.NOTE in tree.classes(n)]
    assert any("Moved from here" in n for n in notes) and any("Moved here" in n for n in notes)
    assert ("insertion", "here, changed.") in changes(shown)
    # Tracked: deleted where it was, inserted where it is, so Word gives either version.
    both_ways(SECTIONS, moved)


def test_a_section_added_and_one_removed() -> None:
    edited = SECTIONS.replace("# [2]{.secno} Two { #sec-two}\n\nText two here.\n\n", "")
    edited += "\n# [3]{.secno} Four { #sec-four}\n\nNew text.\n"
    blocks = both_ways(SECTIONS, edited, "shown")
    ids = [tree.identifier(n) for n in tree.nodes(blocks) if n["t"] == "Header"]
    assert ids == ["sec-one", "sec-two", "sec-three", "sec-four"]  # the removed one keeps its id
    assert ("deletion", "Text two here.") in changes(blocks)
    assert ("insertion", "New text.") in changes(blocks)


def test_list_items_of_sections_match_by_their_span_id() -> None:
    old = "- [**One**]{#sec-one} first point.\n- [**Two**]{#sec-two} second point."
    new = "- [**One**]{#sec-one} first point, revised.\n- [**Two**]{#sec-two} second point."
    blocks, found = redline.diff(read(old), read(new), WHO, "shown")
    assert found.revised == ["one"]
    assert changes(blocks) == [("deletion", "point."), ("insertion", "point, revised.")]


def test_key_points_match_by_their_link_and_the_bottom_line_by_its_section() -> None:
    # The full layout: the bottom line is the first section's summary, each key point
    # another's, with a link to it; a change in either revises that section.
    front = (
        '::: {{.bluf data-section="one"}}\n**Bottom line.** {}\n:::\n\n'
        "- **Two** {} [(2)](#sec-two){{.section-ref}}\n"
        "- **Three** The third. [(3)](#sec-three){{.section-ref}}\n"
    )
    old, new = (
        read(front.format("It holds.", "The second.")),
        read(front.format("It still holds.", "The second, revised.")),
    )
    blocks, found = redline.diff(old, new, WHO, "shown")
    assert found.revised == ["one", "two"]
    assert ("insertion", "still ") in changes(blocks)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('{.passage custom-style="Passage"}', '{.passage custom-style="Audience Passage"}'),
        ('{.passage .passage-marked data-marking="A"}', '{.passage data-marking="A"}'),
    ],
)
def test_a_div_restyled_by_its_layout_is_the_same_div(old: str, new: str) -> None:
    text = "::: {}\nAdvice kept as it was.\n:::\n"
    blocks, found = redline.diff(read(text.format(old)), read(text.format(new)), WHO, "shown")
    assert not changes(blocks) and not found.revised


def test_a_div_whose_marking_changed_is_shown_replaced() -> None:
    text = '::: {{.passage data-marking="{}"}}\nAdvice kept as it was.\n:::\n'
    blocks, _ = redline.diff(read(text.format("A")), read(text.format("B")), WHO, "shown")
    assert [kind for kind, _ in changes(blocks)] == ["deletion", "insertion"]


def test_deleted_text_keeps_no_id_the_new_text_has() -> None:
    old = "# Details { #details}\n\nOld.\n\n# Other { #other}\n\nText."
    new = "# Other { #other}\n\nText.\n\n# Details { #details}\n\nNew."
    blocks, _ = redline.diff(read(old), read(new), WHO, "tracked")
    ids = [tree.identifier(n) for n in tree.nodes(blocks) if tree.identifier(n)]
    assert len(ids) == len(set(ids))


def test_change_bars_go_beside_changed_blocks_only() -> None:
    blocks = both_ways("Para one.\n\nPara two.", "Para one.\n\nPara two, edited.", "shown")
    barred = [n for n in blocks if n["t"] == "Div" and redline.CHANGED in tree.classes(n)]
    assert len(barred) == 1 and "edited" in tree.stringify(barred[0])


def test_no_change_is_no_change() -> None:
    blocks, found = redline.diff(read(SECTIONS), read(SECTIONS), WHO, "shown")
    assert not found.changed and not changes(blocks)


def test_line_breaks_where_markdown_wrapped_are_not_changes() -> None:
    blocks, found = redline.diff(
        read("A long line of\ntext here."), read("A long line\nof text here."), WHO, "shown"
    )
    assert not found.changed


def test_raw_markup_read_back_is_dropped() -> None:
    doc = parse("Text <b>bold</b>.")
    assert redline.normalise(doc) == 2
    assert not [n for n in tree.nodes(doc) if n["t"].startswith("Raw")]


def test_the_summary_links_to_each_section_and_says_when_nothing_changed() -> None:
    import datetime as dt

    summary = writer.Summary(
        since=1,
        since_date=dt.date(2026, 11, 18),
        now="the draft of version 2",
        revised=(("paris", "What was agreed?"),),
    )
    blocks = writer.summary_blocks(summary, legend=True)
    links = [n["c"][2][0] for n in tree.nodes(blocks) if n["t"] == "Link"]
    assert links == ["#sec-paris"]
    assert "What changed since version 1" in tree.stringify(blocks)
    quiet = writer.Summary(since=1, since_date=dt.date(2026, 11, 18), now="version 1")
    assert "No changes since version 1." in tree.stringify(writer.summary_blocks(quiet, False))


WORD = st.sampled_from(["alpha", "beta", "gamma", "delta", "the", "of", "35", "states,", "Paris."])
PARAGRAPH = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
TEXT = st.lists(PARAGRAPH, min_size=1, max_size=4).map("\n\n".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=TEXT, new=TEXT)
def test_any_edit_accepts_to_the_new_and_rejects_to_the_old(old: str, new: str) -> None:
    for mode in ("tracked", "shown"):
        both_ways(old, new, mode)  # type: ignore[arg-type]


def test_a_citation_added_early_changes_no_later_one() -> None:
    old, new = read("Text [@a].\n\nMore [@b]."), read("New [@c].\n\nText [@a].\n\nMore [@b].")
    blocks, _ = redline.diff(old, new, WHO, "shown")
    assert [kind for kind, _ in changes(blocks)] == ["insertion"]


def test_links_and_images_an_edition_cannot_hold_are_left_out() -> None:
    doc = parse("A [link](javascript:alert(1)) and ![x](/etc/passwd).")
    assert redline.normalise(doc) == 2
    assert not [n for n in tree.nodes(doc) if n["t"] in ("Link", "Image")]
    assert "link" in tree.stringify(doc["blocks"])


def test_a_figure_read_back_from_an_edition_is_its_image_and_caption() -> None:
    # How an edition's Markdown writes a chart: a div, the image alone, a caption div.
    text = (
        ":::: {.figure .chart}\n![A long description.](data:image/png;base64,AAAA){.chart}\n\n"
        "::: caption\nFigure 1. Milestones\n:::\n::::\n"
    )
    doc = parse(text)
    assert redline.normalise(doc) == 0
    figure = doc["blocks"][0]["c"][1]
    assert [b["t"] for b in figure] == ["Plain", "Div"]
    assert figure[0]["c"][0]["t"] == "Image"
    blocks, found = redline.diff(figure, figure, WHO, "shown")
    assert not found.changed


def test_a_change_in_no_section_is_reported_as_such() -> None:
    # A figure after the bottom line, the contacts: text of no section still changed.
    old = "Contact: A Person.\n\n# One {#sec-one}\n\nSame."
    new = "Contact: B Person.\n\n# One {#sec-one}\n\nSame."
    _, found = redline.diff(read(old), read(new), WHO, "shown")
    assert found.outside and found.revised == []
