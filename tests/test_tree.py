"""tree.copy and tree.filter_lists: what selection, filling and sanitising stand on."""

from __future__ import annotations

import pytest

from briefwright import sanitise, tree


def test_a_copy_shares_nothing_with_the_tree() -> None:
    word = {"t": "Str", "c": "Secret"}
    blocks = [{"t": "Para", "c": [word, {"t": "Space"}, word]}, {"t": "Plain", "c": [word]}]
    copy = tree.copy(blocks)
    assert copy == blocks
    copy[0]["c"][0]["c"] = "Cut"  # a node met twice in the tree is two nodes in the copy
    assert [n["c"] for n in tree.nodes(copy) if n["t"] == "Str"] == ["Cut", "Secret", "Secret"]
    assert [n["c"] for n in tree.nodes(blocks) if n["t"] == "Str"] == ["Secret"] * 3


def test_a_copy_keeps_every_kind_of_value_pandoc_writes() -> None:
    table = {"t": "Table", "c": [["", [], []], [None, []], [[{"t": "AlignRight"}, 0.25]], []]}
    value = {"blocks": [table], "meta": {"n": 3, "ok": True, "x": 1.5, "none": None}}
    assert tree.copy(value) == value


def test_a_copy_holds_only_what_the_walks_follow() -> None:
    class Label(str):
        pass

    secret = {"t": "Div", "c": [["", [], [["marking", "TLP:RED"]]], []]}
    value = [{"t": "BlockQuote", "c": (secret,)}, {"t": "Str", "c": Label("TLP:RED")}]
    copy = tree.copy(value)
    assert type(copy[0]["c"]) is list and type(copy[1]["c"]) is str
    assert any(node["t"] == "Div" for node in tree.nodes(copy))  # a tuple's node is found


RAW_EVERYWHERE = """\
Text<b>1</b>[^n] and [see <b>2</b> @key, p. <i>3</i>].

[^n]: A note with <b>4</b>:

    | A | B |
    |---|---|
    | <b>5</b> | x |

    : Caption <b>6</b>

Term <b>7</b>
:   Defined <b>8</b>

> - (a) quoted <b>9</b> ![alt <b>10</b>](x.png)
"""


def test_every_list_of_nodes_is_filtered_wherever_it_sits() -> None:
    """Notes, table cells, captions, citations, definition lists, quotes, image text."""
    from briefwright.render import pandoc

    blocks = pandoc.read([RAW_EVERYWHERE], "a test text")[0]["blocks"]
    raw = sum(node["t"] == "RawInline" for node in tree.nodes(blocks))
    seen: list[list[object]] = []

    def drop_raw(items: list[object]) -> list[object]:
        seen.append(items)
        return [i for i in items if not (isinstance(i, dict) and i.get("t") == "RawInline")]

    tree.filter_lists(blocks, drop_raw)
    assert raw == 20  # each <b>n</b> is two raw inlines
    assert not any(node["t"] == "RawInline" for node in tree.nodes(blocks))
    assert all(any(isinstance(item, dict) for item in items) for items in seen)  # no attrs


def test_a_node_in_a_list_that_starts_otherwise_is_filtered_too() -> None:
    script = {"t": "RawBlock", "c": ["html", "<script>steal()</script>"]}
    odd = [{"t": "Div", "c": [["", [], []], ["text first", script]]}]
    tree.filter_lists(odd, lambda items: [i for i in items if i is not script])
    assert not any(node["t"] == "RawBlock" for node in tree.nodes(odd))


def test_raw_markup_where_no_filter_looks_is_refused() -> None:
    """A raw element held in no list, which filter_lists cannot drop, stops the sanitiser."""
    script = {"t": "RawBlock", "c": ["html", "<script>steal()</script>"]}
    malformed = [{"t": "Para", "c": {"held": script}}]
    with pytest.raises(ValueError, match="raw element"):
        sanitise.sanitise(malformed)
