"""One ``brief build`` from start to finish, and the checks of a command line against a project.

A build with nothing to do says so from its stamp (``stamp.py``) without
loading the project. Otherwise pandoc and the PDF workers start while the
project loads; then the stages run (``build.py``), editions no longer in
the project are removed, and the redlines asked for are written.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import Invalid, unknown
from .roots import output_dir

if TYPE_CHECKING:  # loaded by the commands that use them: `brief --help` stays quick
    from . import stamp
    from .models import Project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """What ``brief build`` was asked for (empty: everything the project has)."""

    briefs: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    jobs: int | None = None  # None: one per core
    force: bool = False
    pdf_variant: str | None = None
    shard: tuple[int, int] | None = None
    rough: bool = False
    redline: int | None = None  # 0: the last release before each edition
    quiet: bool = False


def build(root: Path, request: Request) -> None:
    """Run one ``brief build``: say so if nothing changed, else build, prune, redline."""
    from . import stamp

    # A build with nothing to do says so from its stamp, without loading the project
    # (not with --force, which rebuilds anyway). Its options are what was asked for
    # (quiet too, which hides the warnings a stamp would say again), not how (jobs).
    options = {
        key: value
        for key, value in dataclasses.asdict(request).items()
        if key not in ("jobs", "force")
    }
    started = stamp.clock()
    if not request.force:
        said = stamp.recall(root, options)
        if said is not None:
            say_again(said, started, request.quiet)
            return
    start = stamp.begin(root, started)
    briefs_known(root, request.briefs)
    from .render import pdf_pool

    jobs = request.jobs or pdf_pool.default_jobs()
    every_edition = request.force or not output_dir(root).is_dir()
    if every_edition:
        # Every edition will be built: while the project loads, pandoc reads its
        # sections, and the PDF workers' fork server loads WeasyPrint.
        # (Here, not in build.py: they must start before the project loads. pandoc
        # first: the first edition waits for it, and for WeasyPrint only after pandoc.)
        from .render import pandoc

        pandoc.prestart(root)
        if not request.rough and (not request.formats or "pdf" in request.formats):
            if jobs > 1:
                pdf_pool.start_server()
            else:
                from .render import pdf

                pdf.load_in_background()
    from . import build as pipeline
    from . import load, report, select

    with stamp.Catch() as warned:  # what the project says, for a build with nothing to do to repeat
        project = load.load_project(root, briefs=request.briefs or None, rough=request.rough)
    # Before planning, which a re-marked section may stop: said once, not kept to repeat.
    pipeline.withdraw(project, list(request.briefs) or None)
    with stamp.Catch() as planned:
        if every_edition:
            pandoc.warm_up_idle()  # if loading asked pandoc nothing (every reading was kept)
        audiences_known(project, request.briefs, request.audiences)
        editions = select.plan_or_raise(
            project, list(request.briefs), list(request.audiences), rough=request.rough
        )
        if request.redline:
            has_version(root, {e.brief.id for e in editions}, request.redline)
        if request.shard:
            editions = select.shard(editions, *request.shard)
        if request.formats or request.pdf_variant or request.rough:
            editions = [
                report.with_options(e, request.formats, request.pdf_variant, request.rough)
                for e in editions
            ]
        report.warn_withheld(editions)
    results = report.run_build(editions, jobs, request.force, request.quiet, warn=False)
    if (
        not request.audiences and not request.shard
    ):  # what was built is all there is of these briefs
        pipeline.prune(project, editions, list(request.briefs) or None)
    pipeline.raise_failures(results)
    described: list[str] = []
    with stamp.Catch() as warned_after:
        if request.redline is not None:
            from . import redlines

            done = redlines.build_redlines(editions, request.redline or None)
            if not request.quiet:
                click.echo("\n".join(redlines.describe(done)))
            redlines.raise_failures(done)
            described = redlines.describe(
                [
                    dataclasses.replace(r, status="up to date") if r.status == "built" else r
                    for r in done
                ]
            )
    said = stamp.Said(
        warnings=warned.caught + planned.caught,
        names=[edition.name for edition in editions],
        rows=[dataclasses.replace(row, status="up to date") for row in report.rows(results)],
        folders=[str(pipeline.edition_dir(edition)) for edition in editions],
        rough=request.rough,
        after=warned_after.caught,
        notes=described,
    )
    read = {str(root / rel): digest for r in results for rel, digest in r.inputs.items()}
    stamp.keep(root, options, start, read, said, lambda: all(map(pipeline.holds, results)))


def has_version(root: Path, briefs: set[str], version: int) -> None:
    """Refuse --redline VERSION for a brief that has no such version."""
    from . import register

    for brief in sorted(briefs):
        versions = [v.number for v in register.load(root, brief).versions]
        if version not in versions:
            have = ", ".join(map(str, versions)) or "none yet"
            raise Invalid(
                f"{brief} has no version {version} (versions: {have})", param_hint="'--redline'"
            )


def say_again(said: stamp.Said, started_ns: int, quiet: bool) -> None:
    """Say what the last build said, for one that finds everything as that one left it."""
    import time

    from . import summary
    from .log import consoles

    def warn(warnings: list[tuple[str, str]]) -> None:
        for name, message in warnings:
            logging.getLogger(name).warning("%s", message)

    log.info("every file is as the last build left it (build/.cache/stamps/): nothing to do")
    warn(said.warnings)
    if not quiet:
        _, err = consoles()
        if not err.is_terminal:
            for name in said.names:
                err.print(f"up to date: {name}", highlight=False)
        summary.print_summary(
            said.rows,
            ["up to date"] * len(said.names),
            [Path(folder) for folder in said.folders],
            (time.time_ns() - started_ns) / 1e9,
            said.rough,
        )
    warn(said.after)
    if said.notes and not quiet:
        click.echo("\n".join(said.notes))


def briefs_known(root: Path, briefs: tuple[str, ...]) -> None:
    """Refuse a brief the project does not have, before anything is read."""
    from .load import brief_paths

    ids = [path.stem for path in brief_paths(root)]
    for brief in briefs:
        if brief not in ids:
            raise Invalid(
                f"no brief '{brief}' in briefs/ ({unknown(brief, ids, 'briefs')})",
                param_hint="BRIEF",
            )


def audiences_known(project: Project, briefs: tuple[str, ...], audiences: tuple[str, ...]) -> None:
    """Refuse an audience that a brief named (or, with none named, every brief) is not for."""
    chosen = [project.briefs[b] for b in briefs] if briefs else list(project.briefs.values())
    for audience in audiences:
        lacking = [b for b in chosen if audience not in b.audiences]
        if not lacking or (not briefs and len(lacking) < len(chosen)):
            continue
        if audience not in project.audiences:
            made_for = {a for brief in chosen for a in brief.audiences}
            hint = unknown(audience, made_for | set(project.audiences), "audiences")
            message = f"no audience '{audience}' ({hint})"
        elif briefs:
            brief = lacking[0]
            message = (
                f"brief '{brief.id}' is not made for audience '{audience}' (it is made for "
                f"{', '.join(brief.audiences)}; to add it, write '{audience}: {{}}' under "
                f"'audiences:' in {brief.rel})"
            )
        else:
            message = (
                f"no brief is made for audience '{audience}' (briefs/audiences.yaml defines "
                "it; add it under 'audiences:' in a brief)"
            )
        raise Invalid(message, param_hint="'-a'")
