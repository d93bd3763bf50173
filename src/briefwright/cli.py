"""The ``brief`` command: a thin layer over the library.

Exit status: 0 success, 1 the content is wrong, 2 the command line is wrong.
No traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import BriefError, Invalid, Usage, did_you_mean, unknown
from .formats import FORMATS, NAMES
from .roots import find_root, output_dir

if TYPE_CHECKING:
    from . import stamp

log = logging.getLogger(__name__)


@dataclass
class Context:
    root: Path
    debug: bool
    verbosity: int
    quiet: bool


class BriefGroup(click.Group):
    """Turn unexpected exceptions into one clear line, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            raise BriefError(
                f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details, "
                "and report it with the command you ran)"
            ) from None


def _root(ctx: click.Context) -> Context:
    return ctx.ensure_object(Context)  # type: ignore[no-any-return]


class Choice(click.Choice):  # type: ignore[type-arg]
    """A choice whose error says which value was probably meant."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            guess = did_you_mean(str(value), [str(c) for c in self.choices])
            if guess is None:
                raise
            raise Invalid(f"{exc.message.rstrip('.')} ({guess})", ctx, param) from None


@click.group(cls=BriefGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="briefwright")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project root (the folder with briefs/ and sources/). Default: found upwards "
    "from the working directory.",
)
@click.option("-v", "--verbose", count=True, help="Say more (-vv for debugging detail).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks.")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, verbose: int, quiet: bool, debug: bool) -> None:
    """Build policy briefs for several audiences as PDF, DOCX and HTML."""
    from . import log as logsetup

    _, err = logsetup.consoles()
    logsetup.setup(verbose, quiet, err)
    # 'brief new' may start a project: in the folder given, or here when none is found.
    starting = ctx.invoked_subcommand == "new"
    ctx.obj = Context(_project_root(ctx, root, starting), debug, verbose, quiet)


def _project_root(ctx: click.Context, root: Path | None, starting: bool) -> Path:
    """Return the project root; a wrong --root, or none found, is a command-line error."""
    if root is None:
        found = find_root(Path.cwd())
        if found is not None or starting:
            return (found or Path.cwd()).resolve()
        raise Usage(
            f"{Path.cwd()}: no project root here or above (a folder holding briefs/ and "
            "sources/); cd into one, give --root DIR, or start one with 'brief new'",
            ctx,
        )
    if starting and not root.exists():
        return root.resolve()
    if not root.is_dir():
        raise Invalid(f"{root}: no such folder", ctx, param_hint="'--root'")
    if not starting and not ((root / "briefs").is_dir() and (root / "sources").is_dir()):
        missing = " and ".join(f"{n}/" for n in ("briefs", "sources") if not (root / n).is_dir())
        raise Invalid(
            f"{root}: not a project root; it has no {missing} (start one there with "
            f"'brief --root {root} new BRIEF --collection NAME')",
            ctx,
            param_hint="'--root'",
        )
    return root.resolve()


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise Invalid(f"'{value}' is not K/N, such as 1/4") from None
    if not 1 <= k <= n:
        raise Invalid(f"'{value}': K must be between 1 and N")
    return k, n


def _version(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """Return --redline's version: 0 for the default (the last release), None if not given."""
    if value is None or value == "last":
        return None if value is None else 0
    if not value.isdigit() or int(value) < 1:
        raise click.BadParameter(
            f"'{value}' is not a version number such as 1 (name the brief first: "
            "brief build BRIEF --redline)"
        )
    return int(value)


def _has_version(ctx: click.Context, root: Path, briefs: set[str], version: int) -> None:
    from . import register

    for brief in sorted(briefs):
        versions = [v.number for v in register.load(root, brief).versions]
        if version not in versions:
            have = ", ".join(map(str, versions)) or "none yet"
            raise click.BadParameter(
                f"{brief} has no version {version} (versions: {have})", ctx, None, "'--redline'"
            )


def _say_again(said: stamp.Said, started_ns: int, quiet: bool) -> None:
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


def _briefs_known(ctx: click.Context, root: Path, briefs: tuple[str, ...]) -> None:
    """Refuse a brief the project does not have, before anything is read."""
    from .load import brief_paths

    ids = [path.stem for path in brief_paths(root)]
    for brief in briefs:
        if brief not in ids:
            raise Invalid(
                f"no brief '{brief}' in briefs/ ({unknown(brief, ids, 'briefs')})",
                ctx,
                param_hint="BRIEF",
            )


def _audiences_known(
    ctx: click.Context, project: Any, briefs: tuple[str, ...], audiences: tuple[str, ...]
) -> None:
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
        raise Invalid(message, ctx, param_hint="'-a'")


@cli.command()
@click.argument("briefs", nargs=-1)
@click.option(
    "-a", "--audience", "audiences", multiple=True, help="Only this audience (repeatable)."
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    type=Choice(NAMES),
    help="Only this format (repeatable). Default: each audience's formats.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Editions built at once. Default: the number of cores.",
)
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option(
    "--pdf-variant",
    type=Choice(["pdf/ua-1", "pdf/a-3b", "pdf/a-3a"]),
    default=None,
    help="PDF flavour: pdf/ua-1 (accessible, the default) or PDF/A-3 for archiving.",
)
@click.option(
    "--shard",
    callback=_shard,
    metavar="K/N",
    help="Build only the K-th of N equal shares of the editions (for CI matrices).",
)
@click.option(
    "--rough",
    is_flag=True,
    help="Only a rough HTML page, even over a word, page or summary budget: marked ROUGH "
    "DRAFT, never released or emailed (build/<brief>/<audience>/rough/).",
)
@click.option(
    "--redline",
    is_flag=False,
    flag_value="last",
    default=None,
    metavar="[VERSION]",
    callback=_version,
    help="Also write what changed since VERSION (default: the last release before each edition).",
)
@click.pass_context
def build(
    ctx: click.Context,
    briefs: tuple[str, ...],
    audiences: tuple[str, ...],
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    pdf_variant: str | None,
    shard: tuple[int, int] | None,
    rough: bool,
    redline: int | None,
) -> None:
    """Build briefs (default: all) for their audiences."""
    obj = _root(ctx)
    if rough and (set(formats) - {"html"} or pdf_variant):
        raise Usage("--rough builds an HTML page only; leave out -f and --pdf-variant")
    # A build with nothing to do says so from its stamp, without loading the project
    # (not with --force, which rebuilds anyway).
    from . import stamp

    options = {
        "briefs": briefs,
        "audiences": audiences,
        "formats": formats,
        "pdf_variant": pdf_variant,
        "shard": shard,
        "rough": rough,
        "redline": redline,
        "quiet": obj.quiet,  # which hides the warnings a stamp would say again
    }
    started = stamp.clock()
    if not force:
        said = stamp.recall(obj.root, options)
        if said is not None:
            _say_again(said, started, obj.quiet)
            return
    start = stamp.begin(obj.root, started)
    _briefs_known(ctx, obj.root, briefs)
    from .render import pdf_pool

    jobs = jobs or pdf_pool.default_jobs()
    every_edition = force or not output_dir(obj.root).is_dir()
    if every_edition:
        # Every edition will be built: while the project loads, pandoc reads its
        # sections, and the PDF workers' fork server loads WeasyPrint.
        # (Here, not in build.py: they must start before the project loads. pandoc
        # first: the first edition waits for it, and for WeasyPrint only after pandoc.)
        from .render import pandoc

        pandoc.prestart(obj.root)
        if not rough and (not formats or "pdf" in formats):
            if jobs > 1:
                pdf_pool.start_server()
            else:
                from .render import pdf

                pdf.load_in_background()
    from . import build as pipeline
    from . import load, report, select

    with stamp.Catch() as warned:  # what the project says, for a build with nothing to do to repeat
        project = load.load_project(obj.root, briefs=briefs or None, rough=rough)
        if every_edition:
            pandoc.warm_up_idle()  # if loading asked pandoc nothing (every reading was kept)
        _audiences_known(ctx, project, briefs, audiences)
        editions = select.plan_or_raise(project, list(briefs), list(audiences))
        if redline:
            _has_version(ctx, obj.root, {e.brief.id for e in editions}, redline)
        if shard:
            editions = select.shard(editions, *shard)
        if formats or pdf_variant or rough:
            editions = [report.with_options(e, formats, pdf_variant, rough) for e in editions]
        report.warn_withheld(editions)
    results = report.run_build(editions, jobs, force, obj.quiet, warn=False)
    if not audiences and not shard:  # what was built is all there is of these briefs
        pipeline.prune(project, editions, list(briefs) or None)
    pipeline.raise_failures(results)
    described: list[str] = []
    with stamp.Catch() as warned_after:
        if redline is not None:
            from . import redlines

            done = redlines.build_redlines(editions, redline or None)
            if not obj.quiet:
                click.echo("\n".join(redlines.describe(done)))
            redlines.raise_failures(done)
            described = redlines.describe(
                [
                    dataclasses.replace(r, status="up to date") if r.status == "built" else r
                    for r in done
                ]
            )
    said = stamp.Said(
        warnings=warned.caught,
        names=[edition.name for edition in editions],
        rows=[dataclasses.replace(row, status="up to date") for row in report.rows(results)],
        folders=[str(pipeline.edition_dir(edition)) for edition in editions],
        rough=rough,
        after=warned_after.caught,
        notes=described,
    )
    read = {str(obj.root / rel): digest for r in results for rel, digest in r.inputs.items()}
    stamp.keep(obj.root, options, start, read, said, lambda: all(map(pipeline.holds, results)))


@cli.command()
@click.argument("briefs", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "output",
    type=Choice(["text", "json"]),
    default="text",
    help="json: one machine-readable report, for CI.",
)
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    default=180,
    show_default=True,
    help="Days after which a section's 'reviewed' date counts as stale.",
)
@click.pass_context
def check(
    ctx: click.Context, briefs: tuple[str, ...], strict: bool, output: str, max_age: int
) -> None:
    """Validate everything and build nothing (but the PDFs a page budget needs)."""
    from . import report

    obj = _root(ctx)
    _briefs_known(ctx, obj.root, briefs)
    report.check(obj.root, list(briefs), strict, output, max_age, quiet=obj.quiet)


@cli.command("list")
@click.option(
    "--format",
    "output",
    type=Choice(["text", "json"]),
    default="text",
    help="json: the same, machine-readable.",
)
@click.pass_context
def list_(ctx: click.Context, output: str) -> None:
    """List briefs, audiences, collections and sections."""
    from . import load, report

    project, problems = load.load_with_problems(_root(ctx).root, parse=False)
    assert project is not None
    report.listing(project, problems, output)


@cli.command("email")
@click.argument("brief")
@click.option("-a", "--audience", required=True, help="The audience whose edition is mailed.")
@click.option("--to", multiple=True, metavar="ADDR", help="Another recipient (repeatable).")
@click.option("--cc", multiple=True, metavar="ADDR", help="A copy recipient (repeatable).")
@click.option(
    "--attach",
    multiple=True,
    type=Choice([f.name for f in FORMATS.values() if f.source == "tree"]),
    help="Attach this format too (repeatable): the editable document.",
)
@click.option(
    "--redline",
    is_flag=True,
    help="Send it as an update: the redline PDF beside the edition, and what changed.",
)
@click.option("--send", is_flag=True, help="Send it over SMTP, set up by BRIEFWRIGHT_SMTP_*.")
@click.option(
    "--max-size",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="MB",
    help="Largest total attachment size. Default: briefs/distribution.yaml, else 10.",
)
@click.pass_context
def email_(
    ctx: click.Context,
    brief: str,
    audience: str,
    to: tuple[str, ...],
    cc: tuple[str, ...],
    attach: tuple[str, ...],
    redline: bool,
    send: bool,
    max_size: float | None,
) -> None:
    """Write an email draft of BRIEF for one audience (build/.../*.eml); --send sends it."""
    from . import build as pipeline
    from . import deliver, distribution, load, redlines, select, smtp

    obj = _root(ctx)
    _briefs_known(ctx, obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    _audiences_known(ctx, project, (brief,), (audience,))
    editions = select.plan_or_raise(project, [brief], [audience])
    settings = smtp.smtp_settings() if send else None  # fail before building anything
    # Lists may name other briefs, read here by name only.
    known = project.with_elsewhere()
    letter = distribution.address_to(known, editions[0], list(to), list(cc), max_size)
    pipeline.raise_failures(pipeline.build(editions))
    if redline:  # an update: the mail carries the redline's marking, checked again
        update = redlines.for_mail(editions[0])
        letter = distribution.address_to(project, update, list(to), list(cc), max_size)
    message = deliver.compose(letter, ("pdf", *attach), redline=redline)
    path = deliver.write_draft(letter, message)
    if not obj.quiet:
        click.echo("\n".join(deliver.describe(letter, message, path)))
    if settings is not None:
        sent = smtp.send(message, letter, settings)
        if not obj.quiet:
            click.echo(
                f"Sent to {', '.join(sent.recipients)} by {settings.host}:{settings.port} "
                f"(Message-ID {sent.message_id})."
            )


@cli.command("release")
@click.argument("brief")
@click.option(
    "-a", "--audience", "audiences", multiple=True, help="Only this audience (repeatable)."
)
@click.option("--note", default=None, help="What changed, for every audience released.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Editions built at once. Default: the number of cores.",
)
@click.pass_context
def release_(
    ctx: click.Context, brief: str, audiences: tuple[str, ...], note: str | None, jobs: int | None
) -> None:
    """Record the current editions of BRIEF as its next version, under releases/."""
    from . import load, release, report
    from .render import pdf_pool

    obj = _root(ctx)
    _briefs_known(ctx, obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    _audiences_known(ctx, project, (brief,), audiences)
    jobs = jobs or pdf_pool.default_jobs()
    done = release.release(
        project, brief, list(audiences), note, lambda e: report.run_build(e, jobs, False, True)
    )
    if not obj.quiet:
        click.echo("\n".join(release.describe(done)))


@cli.command()
@click.argument("brief")
@click.option(
    "-a", "--audience", "audiences", multiple=True, help="Only this audience (repeatable)."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port on 127.0.0.1. Default: a free one.",
)
@click.option("--no-open", is_flag=True, help="Do not open a browser.")
@click.pass_context
def preview(
    ctx: click.Context, brief: str, audiences: tuple[str, ...], port: int, no_open: bool
) -> None:
    """Show BRIEF in a browser and rebuild it on every save (Ctrl-C stops)."""
    from . import load
    from . import preview as live

    obj = _root(ctx)
    _briefs_known(ctx, obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    _audiences_known(ctx, project, (brief,), audiences)
    names = list(audiences) or list(project.briefs[brief].audiences)
    live.serve(
        obj.root, brief, names, port, open_browser=not no_open, echo=click.echo, debug=obj.debug
    )


@cli.command()
@click.argument("brief")
@click.option(
    "--collection",
    required=True,
    metavar="NAME",
    help="The folder of sources/ to start for its sections.",
)
@click.pass_context
def new(ctx: click.Context, brief: str, collection: str) -> None:
    """Start BRIEF: a brief, a first section and a bibliography that build as they are."""
    from . import start

    obj = _root(ctx)
    lines = start.new_brief(obj.root, brief, collection)
    if not obj.quiet:
        click.echo("\n".join(lines))


def main() -> None:
    """Entry point of the ``brief`` console script."""
    cli(prog_name="brief")
