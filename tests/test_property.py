"""A property: text pandoc reads inside a restricted element never reaches an audience below it.

Hypothesis writes random section bodies mixing fences, comments, lists, code,
spans and attributes (well and badly formed), each piece of text with its own
canary. pandoc's own reading of the body says which canaries lie inside a
restricted div or span; briefwright must either refuse the section or give
each audience none of the canaries it may not receive, in its selection and,
for the first examples it accepts, in every file written for it (HTML, DOCX,
Markdown, manifest). The seed is fixed, so CI runs the same examples every time.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from briefwright import tree
from briefwright.build import build
from briefwright.errors import BriefError
from briefwright.load import load_project
from briefwright.render import pandoc
from briefwright.select import plan

from .conftest import write_files
from .scan import folder_text

AUDIENCES = """\
analyst:
  label: Analysts
  layout: full
  clearance: TLP:RED
  formats: [html, docx]
public:
  label: Public
  layout: full
  clearance: TLP:CLEAR
  formats: [html, docx]
"""
WRITTEN = 12  # the accepted examples also built to files, and every file read back
BRIEF = """\
title: Property
date: 2026-11-29
collection: demo
marking: TLP:CLEAR
sections: [s]
audiences:
  analyst: {}
  public: {}
"""
RANKS = {"TLP:CLEAR": 0, "TLP:GREEN": 1, "TLP:AMBER": 2, "TLP:RED": 4}
CLEARANCE = {"analyst": 4, "public": 0}

counter = itertools.count()


def canary() -> str:
    return f"QX{next(counter)}Z"


words = st.builds(lambda: f"word {canary()}")
restriction = st.sampled_from(
    [
        'marking="TLP:RED"',
        'marking="TLP:AMBER"',
        'marking="TLP:CLEAR"',
        'audience="analyst"',
        'audience="public"',
        'audience="analyst public"',
        'marking="TLP:GREEN" audience="analyst"',
        'MARKING="TLP:RED"',
        'markings="TLP:RED"',
        'marking="TLP:RED" marking="TLP:CLEAR"',
        ".note",
    ]
)
gap = st.sampled_from(["\n\n", "\n", "\n\n\n"])
indent = st.sampled_from(["", "  ", "    "])


def div(attrs: str, inner: str, close: str) -> str:
    return f"::: {{{attrs}}}\n{inner}\n{close}"


def blocks(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(div, restriction, children, st.sampled_from([":::", "::::", "  :::"])),
        st.builds(lambda a, b: f"- {a}\n\n  {b}", children, children),
        st.builds(lambda i, a: "\n".join(i + line for line in a.split("\n")), indent, children),
        st.builds(lambda a: f"> {a}", children),
        st.builds(lambda a, g, b: a + g + b, children, gap, children),
    )


leaves = st.one_of(
    words,
    st.builds(lambda w, r: f"Text [{w}]{{{r}}} more.", words, restriction),
    st.builds(lambda w: f"<!--\n:::\n{w}\n-->", words),
    st.builds(lambda w: f"```\n:::\n{w}\n```", words),
    st.builds(lambda w: f"```x``` {w}", words),
    st.builds(lambda w: f"~~~x~~~ {w}", words),
    st.builds(lambda w: f"`{w}`", words),
    st.just(":::"),
    st.builds(lambda w: f"<p>{w}", words),
    st.builds(lambda w: f"Claim.[^n]\n\n[^n]: {w}", words),
)
bodies = st.recursive(leaves, blocks, max_leaves=8)


def _within(blocks: list[Any]) -> dict[str, list[tuple[int | None, tuple[str, ...] | None]]]:
    """Return, for each canary pandoc reads, the restrictions of the elements around it."""
    found: dict[str, list[tuple[int | None, tuple[str, ...] | None]]] = {}
    stack: list[tuple[Any, list[tuple[int | None, tuple[str, ...] | None]]]] = [(blocks, [])]
    while stack:
        item, around = stack.pop()
        if isinstance(item, list):
            stack.extend((part, around) for part in item)
        elif isinstance(item, dict) and "t" in item:
            kind = item["t"]
            inner = around
            if kind in ("Div", "Span"):
                pairs = dict(item["c"][0][2])
                if "marking" in pairs or "audience" in pairs:
                    names = pairs.get("audience")
                    rank = RANKS.get(pairs["marking"], 99) if "marking" in pairs else None
                    inner = [*around, (rank, tuple(names.split()) if names is not None else None)]
            text = tree.stringify(item) if kind in ("Str", "Code", "CodeBlock") else ""
            for word in text.split():
                if word.startswith("QX") and word.endswith("Z"):
                    found.setdefault(word, []).extend(inner)
            content = item.get("c")
            if isinstance(content, list | dict):
                stack.append((content, inner))
        elif isinstance(item, dict):
            stack.extend((value, around) for value in item.values())
    return found


def _may_receive(audience: str, around: list[tuple[int | None, tuple[str, ...] | None]]) -> bool:
    for rank, names in around:
        if rank is not None and rank > CLEARANCE[audience]:
            return False
        if names is not None and audience not in names:
            return False
    return True


accepted = {"yes": 0, "no": 0}


@seed(20261201)
@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(bodies)
def test_no_audience_receives_text_pandoc_reads_inside_a_passage_withheld_from_it(
    body: str,
) -> None:
    read = pandoc.read([body], "a random section")[0]
    assert not isinstance(read, str), read
    restricted = _within(read["blocks"])
    with tempfile.TemporaryDirectory() as folder:
        root = write_files(
            Path(folder),
            {
                "briefs/audiences.yaml": AUDIENCES,
                "briefs/property.yaml": BRIEF,
                "sources/demo/s.md": f"---\ntitle: Q?\nsummary: S.\n---\n{body}\n",
            },
        )
        try:
            project = load_project(root)
        except BriefError:
            accepted["no"] += 1
            return  # refused: nothing is built
        editions, problems = plan(project)
        assert not problems.errors, problems.errors
        accepted["yes"] += 1
        written = accepted["yes"] <= WRITTEN
        if written:  # what the writers put in the files, metadata and Markdown included
            results = build(editions, jobs=1)
            assert all(r.status == "built" for r in results), [r.error for r in results]
        for edition in editions:
            audience = edition.audience.name
            received = tree.stringify([s.body for s in edition.sections], notes=True)
            if written:
                texts = folder_text(root / "build" / "property" / audience)
                assert len(texts) >= 3, texts.keys()  # the HTML, DOCX, Markdown and manifest
                received += "\n".join(texts.values())
            for word, around in restricted.items():
                if not _may_receive(audience, around):
                    assert word not in received, f"{word} reached {audience} from:\n{body}"


def test_the_property_saw_sections_both_built_and_refused() -> None:
    # Run after the property (pytest keeps file order): neither branch may be vacuous.
    assert accepted["yes"] >= 20 and accepted["no"] >= 5, accepted
