"""Starting a brief: ``brief new`` writes a brief, a first section and a bibliography.

What it writes builds as it is, for every audience of the project's
``briefs/audiences.yaml`` (written too, when the project has none), so that
the author starts from something that works and changes it one step at a
time. It never changes a file that exists: a brief or collection of that
name already there stops it before anything is written.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from . import write, yamlfile
from .errors import CommandLineError, ConfigError
from .load import build_date, collection_names
from .models import ID_RE

FIRST_SECTION = "bottom-line"
REFERENCE = "example-2026"

AUDIENCES = """\
# Who briefs are written for. A brief's entry for an audience may override any field.
executive:
  label: Ministers and senior officials
  layout: one-pager        # a layout folder: templates/<layout>/ or a built-in one
  depth: summary           # summary: each section's summary only; full: summary and body
  max_pages: 1             # checked on the rendered PDF
  clearance: TLP:AMBER     # the highest marking this audience may receive
  formats: [pdf, docx, html]

analyst:
  label: Policy analysts
  layout: full
  depth: full
  clearance: TLP:RED
  formats: [pdf, docx, html]

public:
  label: Press and public
  layout: full
  depth: full
  clearance: TLP:CLEAR
  formats: [pdf, docx, html]
"""

BRIEF = """\
title: {title}
authors: [Policy Analysis Unit]
collection: {collection}
# No default 'marking:' here on purpose: a section without its own marking then
# stops the build, since unmarked text is never assumed public.
# The sections in reading order; the first one carries the bottom line.
sections: [{section}]
# The audiences it is for, names from briefs/audiences.yaml.
audiences:
{audiences}"""

SECTION = """\
---
title: What is the one question this brief answers?
summary: >-
  The answer first, in one or two sentences: the bottom line a reader who
  reads nothing else takes away. At most 60 words.
marking: TLP:CLEAR
reviewed: {today}
---
Write the full text here, in pandoc Markdown: paragraphs, lists, tables,
footnotes. Cite a work of the bibliography by its id [@{reference}].

A passage only some audiences may read goes in a fenced div, on lines of its
own with a blank line before and after, such as
`::: {{marking="TLP:AMBER"}}` ... `:::`.
"""

REFERENCES = """\
# The bibliography of this collection, in CSL YAML: one entry per work, under
# 'references:'. Cite an entry as [@its-id] in a section.
references:
  - id: {reference}
    type: report
    title: An example report to cite, and then replace
    author:
      - literal: Policy Analysis Unit
    publisher: Example Institute
    issued:
      date-parts:
        - [2026, 1, 15]
    URL: https://example.org/report
"""

GITIGNORE = "build/\n"


def new_brief(root: Path, brief: str, collection: str) -> list[str]:
    """Write a new brief and its collection under ``root``; return what to tell the author.

    Raises CommandLineError, and writes nothing, when a name is not allowed or
    is taken, and ConfigError when briefs/audiences.yaml cannot be read.
    """
    for what, name in (("brief", brief), ("collection", collection)):
        if not ID_RE.match(name) or len(name) > 80:
            raise CommandLineError(
                f"{what} name '{name}' is not allowed (use lowercase letters, digits and "
                "hyphens, such as energy-security)"
            )
    brief_file = root / "briefs" / f"{brief}.yaml"
    if brief_file.exists() or (root / "briefs" / f"{brief}.yml").exists():
        raise CommandLineError(
            f"briefs/{brief}.yaml exists already; nothing was written (choose another name, "
            "or edit that brief)"
        )
    if collection in collection_names(root):
        raise CommandLineError(
            f"sources/{collection}/ exists already; nothing was written (give a new "
            "--collection; to use that one, write the brief by hand, as README.md's "
            "'Describing a brief' shows)"
        )
    started = not (root / "briefs").is_dir() and not (root / "sources").is_dir()
    audiences_file = root / "briefs" / "audiences.yaml"
    audiences = _audience_names(root, audiences_file)
    files = {
        brief_file: BRIEF.format(
            title=brief.replace("-", " ").capitalize(),
            collection=collection,
            section=FIRST_SECTION,
            audiences="".join(f"  {name}: {{}}\n" for name in audiences or _defaults()),
        ),
        root / "sources" / collection / f"{FIRST_SECTION}.md": SECTION.format(
            today=build_date().isoformat(), reference=REFERENCE
        ),
        root / "sources" / collection / "references.yaml": REFERENCES.format(reference=REFERENCE),
    }
    if audiences is None:
        files[audiences_file] = AUDIENCES
    if started and not (root / ".gitignore").exists():
        files[root / ".gitignore"] = GITIGNORE
    (root / "sources").mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        write.atomic_write(path, text.encode("utf-8"))
    return _next_steps(root, brief, collection, audiences, started)


def _audience_names(root: Path, path: Path) -> list[str] | None:
    """Return the audiences the project defines, or None when it has no audiences.yaml."""
    if not path.is_file():
        return None
    try:
        data = yamlfile.parse(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yamlfile.YamlSyntaxError) as exc:
        raise ConfigError(
            f"briefs/audiences.yaml: cannot be read ({exc}); nothing was written (fix it, "
            "then run brief new again; 'brief check' says more)"
        ) from None
    names = [n for n in data if isinstance(n, str)] if isinstance(data, dict) else []
    if not names:
        raise ConfigError(
            "briefs/audiences.yaml: defines no audience; nothing was written (define one, "
            "as README.md's 'Audiences' shows, or delete the file to have one written)"
        )
    return names


def _defaults() -> list[str]:
    data = yamlfile.parse(AUDIENCES)
    return list(data)


def _next_steps(
    root: Path, brief: str, collection: str, audiences: list[str] | None, started: bool
) -> list[str]:
    """Return what was written and what to do next, in lines that fit 80 columns."""
    lines = [f"Started a project in {root}." if started else f"In {root}:"]
    lines += [
        f"  briefs/{brief}.yaml",
        "      the brief: its title, its sections in order, its audiences",
        f"  sources/{collection}/{FIRST_SECTION}.md",
        "      its first section: a question, the bottom line, the text",
        f"  sources/{collection}/references.yaml",
        "      the bibliography (CSL YAML), with one example entry",
    ]
    if audiences is None:
        lines += [
            "  briefs/audiences.yaml",
            "      who briefs are for: executive, analyst, public",
        ]
    else:
        lines += textwrap.wrap(
            "It is for every audience of briefs/audiences.yaml: " + ", ".join(audiences) + ".",
            78,
        )
    steps = [
        f"Write the title in briefs/{brief}.yaml, and remove the audiences it is not for.",
        f"Write the question, bottom line and text in sources/{collection}/{FIRST_SECTION}.md. "
        "Add a section as another .md file beside it, and its id to the brief's 'sections:'.",
        f"Run 'brief check {brief}', then 'brief build {brief}'.",
    ]
    lines.append("Next:")
    for number, step in enumerate(steps, 1):
        lines += textwrap.wrap(
            step,
            78,
            initial_indent=f"  {number}. ",
            subsequent_indent="     ",
            break_on_hyphens=False,
        )
    return lines
