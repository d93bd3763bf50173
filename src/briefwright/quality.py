"""Quality gates for ``brief check``: what makes a brief complete, current and readable.

``load`` and ``select`` already report what stops a build. This module adds
the checks an editor would make before a deadline: unused bibliography
entries, images and their descriptions, sections no brief uses, stale
reviews, word budgets, reading grade, and page budgets measured on the
rendered PDF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re

from . import passages, tree
from .errors import BriefError, Problems
from .load import build_date
from .models import Audience, Edition, Project
from .reader import line_of
from .select import word_budgets
from .sources import citations

log = logging.getLogger(__name__)

MANY_UNCITED = 10  # past this, uncited references are one warning, not one each


def check_sections(project: Project, problems: Problems, max_age: int, today: dt.date) -> None:
    """Report stale reviews, unused sections and unused bibliography entries."""
    # Briefs not being built still use sections (a partial check reads their files only).
    briefs = [*project.briefs.values(), *project.elsewhere.values()]
    used = {(b.collection, s) for b in briefs for s in b.sections} | {
        (b.collection, s)
        for b in briefs
        for spec in b.audiences.values()
        for s in spec.sections or ()
    }
    for collection in project.collections.values():
        cited: set[str] = set()
        for section in collection.sections.values():
            cited.update(key for key, _ in citations(section))
            if (collection.name, section.id) not in used:
                problems.warning(
                    section.rel,
                    None,
                    "no brief uses this section",
                    "list it in a brief's sections, or remove it",
                )
            line = section.lines.get("reviewed")
            if section.reviewed and section.reviewed > today:
                problems.error(
                    section.rel,
                    line,
                    f"'reviewed' is {section.reviewed.isoformat()}, a date in the future "
                    f"(today is {today.isoformat()})",
                    "write the date of the last review, as YYYY-MM-DD",
                )
            elif section.reviewed and (today - section.reviewed).days > max_age:
                problems.warning(
                    section.rel,
                    line,
                    f"last reviewed {section.reviewed.isoformat()}, "
                    f"{(today - section.reviewed).days} days ago (stale after {max_age})",
                    "review it and update 'reviewed:'",
                )
        if collection.bibliography is not None:
            rel = collection.bibliography.relative_to(project.root).as_posix()
            unused = [(k, line) for k, line in collection.references.items() if k not in cited]
            if len(unused) > MANY_UNCITED:  # a shared bibliography: one line, not a flood
                shown = ", ".join(k for k, _ in unused[:5])
                problems.warning(
                    rel,
                    None,
                    f"{len(unused)} of its {len(collection.references)} references are never "
                    f"cited ({shown}, ...)",
                    "that is fine for a shared bibliography; cite them or remove them otherwise",
                )
                unused = []
            for key, line in unused:
                problems.warning(
                    rel,
                    line,
                    f"reference '{key}' is never cited",
                    f"cite it with [@{key}] or remove it",
                )


def check_passages(project: Project, problems: Problems) -> None:
    """Warn of passages that no edition of any brief shows, and say why."""
    readers: dict[tuple[str, str], list[Audience]] = {}  # (collection, section): its audiences
    for brief in project.briefs.values():
        for spec in brief.audiences.values():
            for section_id in spec.sections if spec.sections is not None else brief.sections:
                readers.setdefault((brief.collection, section_id), []).append(spec.audience)
    for collection in project.collections.values():
        for section in collection.sections.values():
            audiences = readers.get((collection.name, section.id))
            if not audiences or section.doc is None:
                continue  # a section no brief uses is warned of already
            for found in passages.passages(section.doc.body):
                if found.element == "Div" and not any(
                    _shows(audience, found, project) for audience in audiences
                ):
                    problems.warning(
                        section.rel,
                        line_of(section.body, found.marking or "audience=", section.body_line),
                        "no edition of any brief shows this passage: "
                        + _why_not(audiences, found, project),
                        "address it to an audience that receives the section's full text, "
                        "or to a summary edition by name",
                    )


def _shows(audience: Audience, found: passages.Passage, project: Project) -> bool:
    level = project.scheme.get(found.marking) if found.marking else None
    if found.marking is not None and (level is None or level.rank > audience.level.rank):
        return False
    if found.audiences is not None and audience.name not in found.audiences:
        return False
    return audience.depth == "full" or found.audiences is not None


def _why_not(audiences: list[Audience], found: passages.Passage, project: Project) -> str:
    names = ", ".join(sorted({a.name for a in audiences}))
    if found.audiences is not None and not set(found.audiences) & {a.name for a in audiences}:
        return f"it is for {', '.join(found.audiences)}, but only {names} receive the section"
    if found.marking is not None:
        return (
            f"it is marked {found.marking}, and the audiences that may receive that "
            "read summaries only"
        )
    return f"{names} read summaries only, and it is addressed to none of them by name"


def check_editions(editions: list[Edition], problems: Problems) -> None:
    """Report word budgets and reading grades per edition."""
    word_budgets(editions, problems)
    for edition in editions:
        audience = edition.audience
        if audience.reading_grade is not None:
            grades = {
                s.id: reading_grade(tree.stringify([{"t": "Para", "c": s.summary}, *s.body]))
                for s in edition.sections
            }
            over = {k: v for k, v in grades.items() if v > audience.reading_grade}
            if over:
                worst = sorted(over.items(), key=lambda item: item[1], reverse=True)[:3]
                problems.warning(
                    *edition.set_at("reading_grade"),
                    f"brief '{edition.brief.id}': {len(over)} section(s) of the "
                    f"{audience.name} edition read above grade "
                    f"{audience.reading_grade:g} (Flesch-Kincaid)",
                    "hardest: "
                    + ", ".join(f"{k} ({v:.1f})" for k, v in worst)
                    + "; shorten sentences and prefer plain words",
                )


def reading_grade(text: str) -> float:
    """Return the Flesch-Kincaid grade of plain text."""
    import readability  # small, pure Python; loaded only when a grade is asked for

    sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s.strip()]
    if not sentences:
        return 0.0
    tokenised = "\n".join(" ".join(re.findall(r"\w[\w'’-]*|[^\w\s]", s)) for s in sentences)
    return float(readability.getmeasures(tokenised, lang="en")["readability grades"]["Kincaid"])


def check_pages(editions: list[Edition], problems: Problems) -> None:
    """Render the PDF of every edition with a page budget, in memory, and report overflows."""
    budgeted = [e for e in editions if e.audience.max_pages is not None]
    if not budgeted:
        return
    from .render.edition import page_budget, render

    for edition in budgeted:
        # Laid out without its budget, so that the page count is ours to compare.
        audience = dataclasses.replace(edition.audience, formats=["pdf"], max_pages=None)
        try:
            pages = render(dataclasses.replace(edition, audience=audience)).pages
        except BriefError as exc:
            problems.error(edition.brief.rel, None, exc.format_message())
            continue
        problem = page_budget(edition, pages or 0)
        if problem is not None:
            problems.items.append(problem)


def check_charts(editions: list[Edition], problems: Problems) -> None:
    """Draw every chart the editions show, once each, and report those that cannot be."""
    from . import data
    from .render import figures, pdf

    seen: set[str] = set()
    for edition in editions:
        folder = edition.data
        for name, chart in folder.charts.items():
            if name in seen or not any(chart.path == p for p in edition.inputs):
                continue
            seen.add(name)
            spec = data.inline(chart.spec, {t: folder.data[t] for t in chart.data})
            try:
                figures.draw(spec, figures.chart_config(edition), pdf.font_dirs(), edition.root)
            except BriefError as exc:
                rel = chart.path.relative_to(edition.root).as_posix()
                problems.error(rel, None, exc.format_message(), "see the Vega-Lite documentation")


WORD_FONTS = (("Cambria", "Caladea"), ("Calibri", "Carlito"))  # each with its stand-in


def check_word_fonts(editions: list[Edition], problems: Problems) -> None:
    """Warn when the fonts the DOCX and ODT ask for, and their stand-ins, are not installed."""
    if not any(f in ("docx", "odt") for e in editions for f in e.audience.formats):
        return
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return  # no fontconfig: nothing to ask
    listed = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False)
    families = {name.strip() for line in listed.stdout.splitlines() for name in line.split(",")}
    missing = [fonts for fonts in WORD_FONTS if not set(fonts) & families]
    if missing:
        names = " and ".join(f"{a} (or {b})" for a, b in missing)
        problems.warning(
            "templates/_base/reference.docx",
            None,
            f"the Word documents ask for {names}, which this computer lacks: opened here, "
            "they look and break into pages unlike the PDF",
            "install the metric-compatible stand-ins: apt-get install fonts-crosextra-caladea "
            "fonts-crosextra-carlito (Word users have Cambria and Calibri)",
        )


def run_checks(
    project: Project,
    editions: list[Edition],
    problems: Problems,
    max_age: int = 180,
    today: dt.date | None = None,
) -> None:
    """Run every quality gate, adding to ``problems``."""
    check_sections(project, problems, max_age, today or build_date())
    check_passages(project, problems)
    check_editions(editions, problems)
    check_word_fonts(editions, problems)
    check_charts(editions, problems)
    check_pages(editions, problems)
