"""Tables and figures in an edition: tables and charts from data, numbers, source lines.

The divs ``figures.py`` checked and marked at load reach here only for the
audiences that may receive them. Each ``.table`` becomes a real pandoc table
(numeric columns right-aligned, numbers written as the brief's language
writes them); each ``.chart`` a figure of the Vega-Lite chart drawn by
vl-convert (no browser, no network: data are put into the specification,
and no URL is allowed), in the brief's fonts and the layout's palette.
Then every captioned table and figure of the edition is numbered, and gets
its source line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from .. import cache, data, figures, layouts, tree
from ..errors import BuildError
from ..models import Edition
from ..tree import Node

log = logging.getLogger(__name__)

# Thousands and decimal separators by language (the first part of the brief's `lang`).
SEPARATORS = {
    "en": (",", "."),
    "de": (".", ","),
    "nl": (".", ","),
    "es": (".", ","),
    "it": (".", ","),
    "pt": (".", ","),
    "da": (".", ","),
    "fr": ("\u202f", ","),
    "uk": ("\u00a0", ","),
    "ru": ("\u00a0", ","),
    "pl": ("\u00a0", ","),
    "cs": ("\u00a0", ","),
    "sv": ("\u00a0", ","),
    "fi": ("\u00a0", ","),
    "nb": ("\u00a0", ","),
}
WORDS = {  # what a caption's number is called, by language
    "en": ("Table", "Figure", "Source"),
    "fr": ("Tableau", "Figure", "Source"),
    "de": ("Tabelle", "Abbildung", "Quelle"),
    "uk": ("Таблиця", "Рисунок", "Джерело"),
}


def expand(
    doc: Node,
    folder: data.Folder,
    lang: str,
    config: dict[str, Any],
    fonts: list[Path],
    root: Path | None = None,
) -> None:
    """Replace each table and chart div of the tree by what it shows."""
    for node in tree.nodes(doc["blocks"]):
        what = figures.kind(node)
        if what is None:
            continue
        # The marking's label (select.py) stays at the top; the rest is the div's own.
        labels = [b for b in node["c"][1] if "passage-label" in tree.classes(b)]
        node["c"][1] = [b for b in node["c"][1] if b not in labels]
        found = figures.resolve(node, folder)
        if isinstance(found, figures.Fault):  # checked at load; the files changed since
            raise BuildError(f"{found.message} ({found.hint})")
        source = [t.source for t in found.data if t.source]
        if what == "table":
            shown = [_table(found, lang)]
        else:
            alt = tree.stringify(node["c"][1]).strip()
            shown = [_chart(found, alt, config, fonts, root)]
        if source:
            shown.append(_source(source, lang))
        node["c"][1] = [*labels, *shown]
        # The div keeps its passage look; its own data attributes go.
        node["c"][0][2] = [kv for kv in node["c"][0][2] if kv[0] not in figures.ATTRIBUTES]
        node["c"][0][1] = [c for c in node["c"][0][1] if c not in ("table", "chart")] + [
            f"figure-{what}"
        ]


def _words(lang: str) -> tuple[str, str, str]:
    return WORDS.get(lang.split("-")[0].lower(), WORDS["en"])


def _source(sources: list[str], lang: str) -> Node:
    text = f"{_words(lang)[2]}: " + "; ".join(dict.fromkeys(sources))
    return tree.div(
        [{"t": "Para", "c": tree.text_inlines(text)}], cls=["source"], **{"custom-style": "Source"}
    )


def number(value: Any, lang: str) -> str:
    """Return a number as the brief's language writes it: 12,500 or 12 500 or 12.500."""
    parsed = data.number(value)
    if parsed is None:
        return "" if value is None else str(value)
    thousands, decimal = SEPARATORS.get(lang.split("-")[0].lower(), SEPARATORS["en"])
    written = str(value).replace(",", "").strip() if isinstance(value, str) else repr(value)
    places = len(written.split(".", 1)[1]) if "." in written and "e" not in written.lower() else 0
    whole, _, fraction = f"{abs(parsed):,.{places}f}".partition(".")
    text = whole.replace(",", thousands) + (decimal + fraction if fraction else "")
    return ("-" if parsed < 0 else "") + text


def _cell(text: str, align: str) -> list[Any]:
    return [["", [], []], {"t": align}, 1, 1, [{"t": "Plain", "c": tree.text_inlines(text)}]]


def _table(found: figures.Figure, lang: str) -> Node:
    table = found.data[0]
    columns = found.columns
    aligns = ["AlignRight" if c in table.numeric else "AlignLeft" for c in columns]
    head = [["", [], []], [_cell(c, a) for c, a in zip(columns, aligns, strict=True)]]
    rows = [
        [
            ["", [], []],
            [
                _cell(number(r.get(c), lang) if c in table.numeric else str(r.get(c) or ""), a)
                for c, a in zip(columns, aligns, strict=True)
            ],
        ]
        for r in table.rows
    ]
    caption = [{"t": "Plain", "c": tree.text_inlines(found.caption)}] if found.caption else []
    return {
        "t": "Table",
        "c": [
            ["", ["from-data"], []],
            [None, caption],
            [[{"t": a}, {"t": "ColWidthDefault"}] for a in aligns],
            [["", [], []], [head]],
            [[["", [], []], 0, [], rows]],
            [["", [], []], []],
        ],
    }


# --- charts ----------------------------------------------------------------------------


def chart_config(edition: Edition) -> dict[str, Any]:
    """Return the layout's chart style (``chart.json``: fonts, palette), as Vega-Lite config."""
    path = layouts.find_file(edition.root, edition.audience.layout, "chart.json")
    try:
        config: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise BuildError(f"{path}: is not valid JSON ({exc})") from None
    return config


_drawn: dict[str, str] = {}  # SVG by content, for every edition of a build
_lock = threading.Lock()


def _chart(
    found: figures.Figure, alt: str, config: dict[str, Any], fonts: list[Path], root: Path | None
) -> Node:
    assert found.chart is not None
    spec = data.inline(found.chart.spec, {t.name: t for t in found.data})
    try:
        svg = draw(spec, config, fonts, root)
    except BuildError as exc:
        raise BuildError(f"{found.chart.path.name}: {exc.message}") from None
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    image = {"t": "Image", "c": [["", ["chart"], []], tree.text_inlines(alt), [src, ""]]}
    caption = [{"t": "Plain", "c": tree.text_inlines(found.caption)}] if found.caption else []
    return {
        "t": "Figure",
        "c": [["", ["chart"], []], [None, caption], [{"t": "Plain", "c": [image]}]],
    }


def draw(
    spec: dict[str, Any], config: dict[str, Any], fonts: list[Path], root: Path | None = None
) -> str:
    """Return the SVG of a Vega-Lite chart, drawn once per content.

    Drawings are kept for the build's other editions and, with the project's
    ``root``, in build/.cache/ (cache.py) for later builds: vl-convert's first
    drawing in a process costs seconds, starting its JavaScript engine.
    """
    import vl_convert  # noqa: PLC0415 - only editions with charts load it

    key = hashlib.sha256(
        json.dumps([spec, config, vl_convert.get_vegalite_versions()[-1]], sort_keys=True).encode()
    ).hexdigest()
    with _lock:
        kept = cache.read(root, "charts", key) if root is not None and key not in _drawn else None
        if kept is not None:
            _drawn[key] = kept.decode("utf-8")
        if key not in _drawn:
            for folder in fonts:
                vl_convert.register_font_directory(str(folder))
            try:
                _drawn[key] = vl_convert.vegalite_to_svg(spec, config=config, allowed_base_urls=[])
            except Exception as exc:  # vl-convert raises its own types: say what it said
                said = " ".join(str(exc).split())[:400]
                raise BuildError(f"the chart cannot be drawn: {said}") from None
            if root is not None:
                cache.store(root, "charts", key, _drawn[key].encode("utf-8"))
        return _drawn[key]


# --- numbers and source lines for every table and figure ----------------------------------


def number_all(doc: Node, lang: str) -> None:
    """Number every captioned table and figure of an edition, in reading order.

    A table written in a section (``: Caption {source="..."}``) gets its source
    line too.
    """
    table_word, figure_word, source_word = _words(lang)
    counts = {"Table": 0, "Figure": 0}

    def visit(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            out.append(item)
            if not isinstance(item, dict) or item.get("t") not in counts:
                continue
            caption = item["c"][1][1]
            if not caption:
                continue
            counts[item["t"]] += 1
            word = table_word if item["t"] == "Table" else figure_word
            label = tree.span(
                tree.text_inlines(f"{word} {counts[item['t']]}."), cls=["caption-number"]
            )
            first = caption[0]
            if first["t"] in ("Plain", "Para"):
                first["c"][:0] = [label, {"t": "Space"}]
            source = tree.pairs(item).get("source") if item["t"] == "Table" else None
            if source:
                out.append(_source([source], lang))
                item["c"][0][2] = [kv for kv in item["c"][0][2] if kv[0] != "source"]
        return out

    tree.filter_lists(doc["blocks"], visit)
