"""What the ``brief`` command shows: build progress, the result table, checks, listings."""

from __future__ import annotations

import dataclasses
import logging
import textwrap
import time
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from . import load, quality, select, summary
from .build import EditionResult, build, edition_dir
from .errors import ConfigError, Problems
from .log import consoles, say
from .models import Edition, Project

log = logging.getLogger(__name__)


def with_options(
    edition: Edition, formats: tuple[str, ...], pdf_variant: str | None, rough: bool = False
) -> Edition:
    """Return the edition with the formats and PDF variant asked for on the command line.

    ``formats`` are the ones to build, whether or not the audience lists them.
    A ``rough`` edition is one HTML page with no page budget, built apart
    (``build/<brief>/<audience>/rough/``) and marked as a rough draft.
    """
    audience = edition.audience
    if formats:
        audience = dataclasses.replace(audience, formats=list(dict.fromkeys(formats)))  # type: ignore[arg-type]
    if pdf_variant:
        audience = dataclasses.replace(audience, pdf_variant=pdf_variant)  # type: ignore[arg-type]
    if rough:
        audience = dataclasses.replace(audience, formats=["html"], max_pages=None)
    return dataclasses.replace(edition, audience=audience, rough=rough)


def _marking(level: Any) -> str:
    return summary.marking(level.label, level.colour)


def run_build(
    editions: list[Edition], jobs: int, force: bool, quiet: bool, warn: bool = True
) -> list[EditionResult]:
    """Build with a live progress display on a terminal, one line per edition elsewhere.

    With ``warn``, first say what each edition withholds (see :func:`warn_withheld`).
    """
    started = time.monotonic()
    if warn:
        warn_withheld(editions)
    results = _build_with_progress(editions, jobs, force, quiet)
    if not quiet:
        _print_results(results, time.monotonic() - started)
    return results


def warn_withheld(editions: list[Edition]) -> None:
    """Warn of the sections and passages each edition leaves out."""
    for edition in editions:
        if edition.withheld or edition.withheld_passages:
            # Sections are withheld only for their marking; passages for theirs, or for
            # being kept for other audiences.
            log.warning(
                "%s: withheld from %s: %d section(s)%s above %s, and %d passage(s) above it "
                "or kept for other audiences",
                edition.brief.rel,
                edition.audience.name,
                len(edition.withheld),
                f" ({', '.join(edition.withheld)})" if edition.withheld else "",
                edition.audience.level,
                edition.withheld_passages,
            )


def _build_with_progress(
    editions: list[Edition], jobs: int, force: bool, quiet: bool
) -> list[EditionResult]:
    _, err = consoles()
    if not err.is_terminal or quiet:

        def line(kind: str, result: Any, edition: Edition) -> None:
            if kind == "done" and not quiet:
                err.print(f"{result.status}: {edition.name}", highlight=False)

        return build(editions, jobs, force, line)
    from rich.progress import (  # only a terminal shows the progress bar
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("[bold]Building"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=len(editions))
        active: list[str] = []

        def show(kind: str, result: Any, edition: Edition) -> None:
            if kind == "start":
                active.append(edition.name)
            else:
                if edition.name in active:
                    active.remove(edition.name)
                bar.advance(task)
            shown = ", ".join(active[:2]) + (f" +{len(active) - 2}" if len(active) > 2 else "")
            bar.update(task, description=shown)

        return build(editions, jobs, force, show)


def _print_results(results: list[EditionResult], elapsed: float) -> None:
    """Print the table of outputs, the counts, and the folders the files are in."""
    summary.print_summary(
        rows(results),
        [result.status for result in results],
        [edition_dir(r.edition) for r in results if r.status != "failed"],
        elapsed,
        any(r.edition.rough and r.status != "failed" for r in results),
    )


def rows(results: list[EditionResult]) -> list[summary.Row]:
    """Return the lines of the table of outputs, one per output of each edition."""
    found = []
    for result in results:
        level = result.edition.marking
        for info in result.outputs:
            found.append(
                summary.Row(
                    info.path.name,
                    str(info.pages or ""),
                    info.size,
                    level.label,
                    level.colour,
                    result.status,
                )
            )
        if result.status == "failed":
            found.append(
                summary.Row(
                    f"{result.edition.name}.*", "", None, level.label, level.colour, "failed"
                )
            )
    return found


def check(
    root: Path,
    briefs: list[str],
    strict: bool,
    output: str = "text",
    max_age: int = 180,
    quiet: bool = False,
) -> None:
    """Validate the project (or what ``briefs`` use) and print every problem.

    Raises ConfigError if any fails. Faults of briefs not named are warnings,
    and ``strict`` does not count them: they are their own briefs' to fix.
    """
    out, _ = consoles()
    project, problems = load.load_with_problems(root, briefs=briefs or None)
    if project is not None and not problems.errors:
        editions, selection = select.plan(project, briefs or None)
        problems.items.extend(selection.items)
        if (root / "briefs" / "distribution.yaml").is_file():
            from .distribution import load_distribution

            try:
                load_distribution(project.with_elsewhere())
            except ConfigError as exc:
                problems.items.extend(exc.problems)
        if not problems.errors:
            quality.run_checks(project, editions, problems, max_age)
    items = sorted(problems.items, key=lambda p: (p.path, p.line or 0))
    failing = [p for p in items if p.severity == "error" or (strict and p.elsewhere is None)]
    count = len(briefs) if briefs else len(load.brief_paths(root))
    if output == "json":
        out.print_json(
            data={
                "ok": not failing,
                "briefs": count,
                "errors": [dataclasses.asdict(p) for p in items if p.severity == "error"],
                "warnings": [dataclasses.asdict(p) for p in items if p.severity == "warning"],
            }
        )
        if failing:
            raise click.exceptions.Exit(1)
        return
    for problem in items:
        say(out, problem.severity, str(problem))
    errors, warnings = len(problems.errors), len(problems.warnings)
    summary = f"{errors} error(s), {warnings} warning(s) in {count} brief(s)"
    if failing:
        noun = "problem" if len(failing) == 1 else "problems"
        strict_note = " (warnings count as errors with --strict)" if strict and warnings else ""
        raise ConfigError(f"{len(failing)} {noun} found: {summary}{strict_note}.", failing)
    if not quiet:
        out.print(f"No errors: {summary}.", highlight=False)


def listing(project: Project, problems: Problems, output: str = "text") -> None:
    """Print the project's briefs, audiences, collections and sections (text or JSON)."""
    out, _ = consoles()
    if output == "json":
        out.print_json(data=_listing_data(project, problems))
        return
    width = out.width
    out.print("[bold]Briefs[/] (briefs/)")
    for brief in project.briefs.values():
        audiences = ", ".join(brief.audiences)
        out.print(f"  {escape(brief.id)}", highlight=False, soft_wrap=True)
        _block(out, brief.title, width)
        _block(
            out,
            f"{len(brief.sections)} section(s) of sources/{brief.collection}/, for {audiences}",
            width,
        )
    out.print()
    out.print("[bold]Audiences[/] (briefs/audiences.yaml)")
    for a in project.audiences.values():
        out.print(f"  {escape(a.name)}  {_marking(a.level)}", highlight=False, soft_wrap=True)
        pages = f", at most {a.max_pages} page(s)" if a.max_pages else ""
        _block(out, a.label, width)
        _block(out, f"{a.layout} layout, {a.depth} depth{pages}; {', '.join(a.formats)}", width)
    out.print()
    out.print("[bold]Collections[/] (sources/)")
    for collection in project.collections.values():
        bibliography = collection.bibliography.name if collection.bibliography else "none"
        out.print(f"  {escape(collection.name)}", highlight=False, soft_wrap=True)
        _block(
            out,
            f"{len(collection.sections)} section(s); bibliography: {bibliography}",
            width,
        )
    out.print()
    for collection in project.collections.values():
        sections = _table(f"Sections of sources/{collection.name}/")
        longest = max((len(s.id) for s in collection.sections.values()), default=7)
        sections.add_column("Section", overflow="fold", min_width=min(longest, width // 3))
        sections.add_column("Marking", no_wrap=True)
        sections.add_column("Title", ratio=1)
        for section in collection.sections.values():
            sections.add_row(
                section.id,
                _marking(section.marking) if section.marking else "(brief's)",
                section.title,
            )
        out.print(sections)
    if problems.errors:
        _, err = consoles()
        say(
            err,
            "warning",
            f"{len(problems.errors)} problem(s) kept some files out of this list; "
            "'brief check' lists them",
        )


def _block(out: Any, text: str, width: int) -> None:
    """Print ``text`` indented under a listed name, folded to the width."""
    for line in textwrap.wrap(text, max(20, width - 4), break_on_hyphens=False) or [""]:
        out.print(f"    {escape(line)}", highlight=False, soft_wrap=True)


def _table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=False,
    )


def _listing_data(project: Project, problems: Problems) -> dict[str, Any]:
    """Return what ``brief list`` shows, as plain data."""
    return {
        "briefs": [
            {
                "id": brief.id,
                "title": brief.title,
                "file": brief.rel,
                "collection": brief.collection,
                "sections": list(brief.sections),
                "audiences": {
                    name: list(spec.sections) if spec.sections is not None else None
                    for name, spec in brief.audiences.items()
                },
            }
            for brief in project.briefs.values()
        ],
        "audiences": [
            {
                "name": a.name,
                "label": a.label,
                "layout": a.layout,
                "depth": a.depth,
                "clearance": a.level.label,
                "max_pages": a.max_pages,
                "formats": list(a.formats),
            }
            for a in project.audiences.values()
        ],
        "collections": [
            {
                "name": collection.name,
                "bibliography": (collection.bibliography.name if collection.bibliography else None),
                "sections": [
                    {
                        "id": section.id,
                        "title": section.title,
                        "file": section.rel,
                        "marking": section.marking.label if section.marking else None,
                        "reviewed": section.reviewed.isoformat() if section.reviewed else None,
                    }
                    for section in collection.sections.values()
                ],
            }
            for collection in project.collections.values()
        ],
        "problems": len(problems.errors),
    }
