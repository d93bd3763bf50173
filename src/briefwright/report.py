"""What the ``brief`` command shows: build progress, the result table, checks, listings."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from . import load, quality, select
from .build import EditionResult, build
from .errors import ConfigError
from .log import consoles
from .models import Edition, Project

log = logging.getLogger(__name__)


def with_options(edition: Edition, formats: tuple[str, ...], pdf_variant: str | None) -> Edition:
    """Return the edition with the formats and PDF variant asked for on the command line.

    ``formats`` are the ones to build, whether or not the audience lists them.
    """
    audience = edition.audience
    if formats:
        audience = dataclasses.replace(audience, formats=list(dict.fromkeys(formats)))  # type: ignore[arg-type]
    if pdf_variant:
        audience = dataclasses.replace(audience, pdf_variant=pdf_variant)  # type: ignore[arg-type]
    return dataclasses.replace(edition, audience=audience)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


def _marking(level: Any) -> str:
    return f"[bold {level.colour} on black] {level.label} [/]"


def run_build(editions: list[Edition], jobs: int, force: bool, quiet: bool) -> list[EditionResult]:
    """Build with a live progress display on a terminal, one line per edition elsewhere."""
    started = time.monotonic()
    _warn_withheld(editions)
    results = _build_with_progress(editions, jobs, force, quiet)
    if not quiet:
        _print_results(results, time.monotonic() - started)
    return results


def _warn_withheld(editions: list[Edition]) -> None:
    for edition in editions:
        if edition.withheld or edition.withheld_passages:
            log.warning(
                "%s: withheld from %s (above %s): %d section(s)%s, %d passage(s)",
                edition.brief.id,
                edition.audience.name,
                edition.audience.level,
                len(edition.withheld),
                f" ({', '.join(edition.withheld)})" if edition.withheld else "",
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
    out, _ = consoles()
    table = Table(title=None, box=None, pad_edge=False, header_style="bold")
    for column in ("Output", "Pages", "Size", "Marking", "Status"):
        table.add_column(column, justify="right" if column in ("Pages", "Size") else "left")
    root = results[0].edition.root if results else Path.cwd()
    folders: list[str] = []
    for result in results:
        edition = result.edition
        if result.status != "failed":
            folders.append(f"build/{edition.brief.id}/{edition.audience.name}/")
        for info in result.outputs:
            table.add_row(
                info.path.name,
                str(info.pages or ""),
                _size(info.size),
                _marking(edition.marking),
                result.status,
            )
        if result.status == "failed":
            table.add_row(f"{edition.name}.*", "", "", _marking(edition.marking), "[red]failed[/]")
    out.print(table)
    built = sum(r.status == "built" for r in results)
    fresh = sum(r.status == "up to date" for r in results)
    failed = len(results) - built - fresh
    out.print(
        f"{built} edition(s) built, {fresh} up to date"
        + (f", {failed} failed" if failed else "")
        + f", in {elapsed:.1f} s."
        + (" Files are in:" if folders else "")
    )
    for folder in dict.fromkeys(folders):
        out.print(f"  {root / folder}", highlight=False, soft_wrap=True)


def check(
    root: Path,
    briefs: list[str],
    strict: bool,
    output: str = "text",
    max_age: int = 180,
    quiet: bool = False,
) -> None:
    """Validate the project and print every problem; raise ConfigError if any fails."""
    out, _ = consoles()
    project, problems = load.load_with_problems(root)
    if project is not None and not problems.errors:
        unknown = [b for b in briefs if b not in project.briefs]
        if unknown:
            raise click.UsageError(
                f"no brief '{unknown[0]}'; expected one of " + ", ".join(sorted(project.briefs))
            )
        editions, selection = select.plan(project, briefs or None)
        problems.items.extend(selection.items)
        if (root / "briefs" / "distribution.yaml").is_file():
            from .distribution import load_distribution

            try:
                load_distribution(project)
            except ConfigError as exc:
                problems.items.extend(exc.problems)
        if not problems.errors:
            quality.run_checks(project, editions, problems, max_age)
    items = sorted(problems.items, key=lambda p: (p.path, p.line or 0))
    failing = [p for p in items if p.severity == "error" or strict]
    count = len(project.briefs) if project else 0
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
        colour = "red" if problem.severity == "error" else "yellow"
        out.print(
            f"[{colour}]{problem.severity}[/]: {escape(str(problem))}",
            highlight=False,
            soft_wrap=True,
        )
    errors, warnings = len(problems.errors), len(problems.warnings)
    summary = f"{errors} error(s), {warnings} warning(s) in {count} brief(s)"
    if failing:
        noun = "problem" if len(failing) == 1 else "problems"
        strict_note = " (warnings count as errors with --strict)" if strict and warnings else ""
        raise ConfigError(f"{len(failing)} {noun} found: {summary}{strict_note}.", failing)
    if not quiet:
        out.print(f"No errors: {summary}.")


def listing(project: Project) -> None:
    """Print the project's briefs, audiences, collections and sections."""
    out, _ = consoles()
    briefs = Table(title="Briefs", title_justify="left", header_style="bold")
    for column in ("Brief", "Title", "Collection", "Audiences", "Sections"):
        briefs.add_column(column, no_wrap=column in ("Brief", "Collection"))
    for brief in project.briefs.values():
        briefs.add_row(
            brief.id,
            brief.title,
            brief.collection,
            ", ".join(brief.audiences),
            str(len(brief.sections)),
        )
    audiences = Table(title="Audiences", title_justify="left", header_style="bold")
    for column in ("Audience", "Label", "Layout", "Depth", "Clearance", "Pages", "Formats"):
        audiences.add_column(column, no_wrap=column in ("Audience", "Clearance"))
    for a in project.audiences.values():
        audiences.add_row(
            a.name,
            a.label,
            a.layout,
            a.depth,
            _marking(a.level),
            str(a.max_pages or ""),
            ", ".join(a.formats),
        )
    collections = Table(title="Collections", title_justify="left", header_style="bold")
    for column in ("Collection", "Sections", "Bibliography"):
        collections.add_column(column, no_wrap=True)
    for collection in project.collections.values():
        bibliography = collection.bibliography.name if collection.bibliography else "(none)"
        collections.add_row(collection.name, str(len(collection.sections)), bibliography)
    sections = Table(title="Sections", title_justify="left", header_style="bold")
    for column in ("Collection", "Section", "Marking", "Title"):
        sections.add_column(column, no_wrap=column != "Title")
    for collection in project.collections.values():
        for section in collection.sections.values():
            sections.add_row(
                collection.name,
                section.id,
                _marking(section.marking) if section.marking else "(brief default)",
                section.title,
            )
    for table in (briefs, audiences, collections, sections):
        out.print(table)
