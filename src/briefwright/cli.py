"""The ``brief`` command: a thin layer over the library.

Exit status: 0 success, 1 the content is wrong, 2 the command line is wrong.
No traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BriefError, ConfigError

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
            if "--debug" in sys.argv:
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
    from . import load
    from . import log as logsetup

    _, err = logsetup.consoles()
    logsetup.setup(verbose, quiet, err)
    if root is None:
        found = load.find_root(Path.cwd())
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
    shard: tuple[int, int] | None,
) -> None:
    """Build briefs (default: all) for their audiences."""
    from . import build as pipeline
    from . import load, report, select

    obj = _root(ctx)
    project = load.load_project(obj.root)
    _known(ctx, project, briefs, audiences)
    editions = select.plan_or_raise(project, list(briefs), list(audiences))
    if shard:
        editions = select.shard(editions, *shard)
    if formats:
        editions = [report.with_formats(e, formats) for e in editions]
    results = report.run_build(
        pipeline, editions, jobs or pipeline.default_jobs(), force, obj.quiet
    )
    pipeline.raise_failures(results)


@cli.command()
@click.argument("briefs", nargs=-1)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_context
def check(ctx: click.Context, briefs: tuple[str, ...], strict: bool) -> None:
    """Validate everything and build nothing."""
    from . import report

    report.check(_root(ctx).root, list(briefs), strict)


@cli.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List briefs, audiences, collections and sections."""
    from . import load, report

    report.listing(load.load_project(_root(ctx).root))


def main() -> None:
    """Entry point of the ``brief`` console script."""
    cli(prog_name="brief")
