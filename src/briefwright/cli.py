"""The ``brief`` command: a thin layer over the library.

Exit status: 0 success, 1 the content is wrong, 2 the command line is wrong.
No traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BriefError, Invalid, Usage, did_you_mean
from .formats import FORMATS, NAMES
from .roots import find_root

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
    if rough and (set(formats) - {"html"} or pdf_variant):
        raise Usage("--rough builds an HTML page only; leave out -f and --pdf-variant")
    from . import workflow

    obj = _root(ctx)
    request = workflow.Request(
        briefs, audiences, formats, jobs, force, pdf_variant, shard, rough, redline, obj.quiet
    )
    workflow.build(obj.root, request)


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
    from . import workflow

    workflow.briefs_known(obj.root, briefs)
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
    from . import workflow

    workflow.briefs_known(obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    workflow.audiences_known(project, (brief,), (audience,))
    pipeline.withdraw(project, [brief])  # as brief build does, before it may fail
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
    from . import workflow

    workflow.briefs_known(obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    workflow.audiences_known(project, (brief,), audiences)
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
    from . import workflow

    workflow.briefs_known(obj.root, (brief,))
    project = load.load_project(obj.root, briefs=[brief])
    workflow.audiences_known(project, (brief,), audiences)
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
