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
from .errors import BriefError, ConfigError
from .roots import find_root, output_dir

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
    if root is None:
        found = find_root(Path.cwd())
        if found is None:
            raise ConfigError(
                f"{Path.cwd()}: no project root here or above (a folder holding briefs/ and "
                "sources/); cd into one, or give --root DIR"
            )
        root = found
    elif not ((root / "briefs").is_dir() and (root / "sources").is_dir()):
        raise ConfigError(f"{root}: not a project root; it needs briefs/ and sources/ folders")
    ctx.obj = Context(root.resolve(), debug, verbose, quiet)


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter(f"'{value}' is not K/N, such as 1/4") from None
    if not 1 <= k <= n:
        raise click.BadParameter(f"'{value}': K must be between 1 and N")
    return k, n


def _known(
    ctx: click.Context, project: Any, briefs: tuple[str, ...], audiences: tuple[str, ...]
) -> None:
    for brief in briefs:
        if brief not in project.briefs:
            raise click.BadParameter(
                f"no brief '{brief}'; expected one of {', '.join(sorted(project.briefs))}",
                ctx,
                param_hint="BRIEF",
            )
    known = {a for b in project.briefs.values() for a in b.audiences}
    for audience in audiences:
        if audience not in known:
            raise click.BadParameter(
                f"no audience '{audience}'; expected one of {', '.join(sorted(known))}",
                ctx,
                param_hint="'-a'",
            )


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
    type=click.Choice(["pdf", "docx", "html"]),
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
    type=click.Choice(["pdf/ua-1", "pdf/a-3b", "pdf/a-3a"]),
    default=None,
    help="PDF flavour: pdf/ua-1 (accessible, the default) or PDF/A-3 for archiving.",
)
@click.option(
    "--shard",
    callback=_shard,
    metavar="K/N",
    help="Build only the K-th of N equal shares of the editions (for CI matrices).",
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
) -> None:
    """Build briefs (default: all) for their audiences."""
    obj = _root(ctx)
    from .render import pdf_pool

    jobs = jobs or pdf_pool.default_jobs()
    if force or not output_dir(obj.root).is_dir():
        # Every edition will be built: while the project loads, pandoc warms up
        # and the PDF workers' fork server loads WeasyPrint. (Here, not in
        # build.py: they must start before the project loads. pandoc first: the
        # first edition waits for it, and for WeasyPrint only after pandoc.)
        from .render import pandoc

        pandoc.prestart(obj.root)
        if jobs > 1 and (not formats or "pdf" in formats):
            pdf_pool.start_server()
    from . import build as pipeline
    from . import load, report, select

    project = load.load_project(obj.root)
    _known(ctx, project, briefs, audiences)
    editions = select.plan_or_raise(project, list(briefs), list(audiences))
    if shard:
        editions = select.shard(editions, *shard)
    if formats or pdf_variant:
        editions = [report.with_options(e, formats, pdf_variant) for e in editions]
    results = report.run_build(editions, jobs, force, obj.quiet)
    pipeline.raise_failures(results)


@cli.command()
@click.argument("briefs", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
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
    report.check(obj.root, list(briefs), strict, output, max_age, quiet=obj.quiet)


@cli.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List briefs, audiences, collections and sections."""
    from . import load, report

    report.listing(load.load_project(_root(ctx).root))


@cli.command("email")
@click.argument("brief")
@click.option("-a", "--audience", required=True, help="The audience whose edition is mailed.")
@click.option("--to", multiple=True, metavar="ADDR", help="Another recipient (repeatable).")
@click.option("--cc", multiple=True, metavar="ADDR", help="A copy recipient (repeatable).")
@click.option("--attach", multiple=True, type=click.Choice(["docx"]), help="Attach the DOCX too.")
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
    send: bool,
    max_size: float | None,
) -> None:
    """Write an email draft of BRIEF for one audience (build/.../*.eml); --send sends it."""
    from . import build as pipeline
    from . import deliver, distribution, load, select

    obj = _root(ctx)
    project = load.load_project(obj.root)
    _known(ctx, project, (brief,), (audience,))
    editions = select.plan_or_raise(project, [brief], [audience])
    if not editions:
        raise click.BadParameter(f"brief '{brief}' is not made for '{audience}'", ctx, None, "'-a'")
    settings = deliver.smtp_settings() if send else None  # fail before building anything
    letter = distribution.address_to(project, editions[0], list(to), list(cc), max_size)
    pipeline.raise_failures(pipeline.build(editions))
    message = deliver.compose(letter, ("pdf", *attach))
    path = deliver.write_draft(editions[0], message)
    if not obj.quiet:
        click.echo(f"Draft: {path}")
    if settings is not None:
        sent = deliver.send(message, settings)
        click.echo(f"Sent to {', '.join(sent.recipients)} (Message-ID {sent.message_id}).")


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
    project = load.load_project(obj.root)
    _known(ctx, project, (brief,), audiences)
    names = list(audiences) or list(project.briefs[brief].audiences)
    live.serve(obj.root, brief, names, port, open_browser=not no_open, echo=click.echo)


def main() -> None:
    """Entry point of the ``brief`` console script."""
    cli(prog_name="brief")
