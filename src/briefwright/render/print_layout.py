"""What the stylesheets need to know about lists that pandoc's HTML does not say.

pandoc writes an ordered list's type and start as HTML attributes, and its
delimiter (``(a)``, ``a)``) not at all; WeasyPrint reads ``type`` through
the print stylesheet's attribute selectors but cannot read ``start``. A list
written with parentheses, or starting elsewhere than 1, therefore gets a
wrapper that says so.
"""

from __future__ import annotations

from typing import Any

from ..tree import Blocks, Node, div, filter_lists

# Classes of the wrapper of an ordered list written with parentheses, and of its numbers
# (browsers match ``ol[type=a]`` and ``ol[type=A]`` alike: the wrapper says which).
DELIMITERS = {"OneParen": "list-paren", "TwoParens": "list-parens"}
STYLES = {
    "LowerAlpha": "list-lower-alpha",
    "UpperAlpha": "list-upper-alpha",
    "LowerRoman": "list-lower-roman",
    "UpperRoman": "list-upper-roman",
}
LIST_START = "list-start"  # the wrapper's counter-reset says where numbering starts


def prepare(doc: Node) -> None:
    """Mark the tree's ordered lists for the stylesheets (changes ``doc``)."""
    _mark_lists(doc["blocks"])


def _mark_lists(blocks: Blocks) -> None:
    """Wrap each ordered list with parentheses or another start than 1 in a Div saying so."""
    seen: set[int] = set()  # a wrapped list is met again inside its wrapper

    def wrap(items: list[Any]) -> list[Any]:
        out = []
        for item in items:
            if item.__class__ is dict and item.get("t") == "OrderedList" and id(item) not in seen:
                seen.add(id(item))
                start, numbers, delimiter = item["c"][0]
                names = []
                if delimiter["t"] in DELIMITERS:
                    names += [DELIMITERS[delimiter["t"]], STYLES.get(numbers["t"], "list-decimal")]
                reset = {}
                if start != 1:
                    names.append(LIST_START)
                    reset["style"] = f"counter-reset: list-item {start - 1}"
                if names:
                    out.append(div([item], cls=["list", *names], **reset))
                    continue
            out.append(item)
        return out

    filter_lists(blocks, wrap)
