"""The exception tree and the problem list that every stage reports into.

Every error a user can cause is a ``BriefError``: Click prints its message and
exits with status 1 (2 for a ``CommandLineError``), with no traceback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, Literal

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs: where, what, and how to fix it."""

    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"
    budget: bool = False  # a word, page or summary budget: a --rough build allows it
    elsewhere: str | None = None  # the brief it belongs to, when that brief is not being built

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def shown(self) -> str:
        """Return the problem as every command prints it: ``error: file:line: what (fix)``."""
        return f"{self.severity}: {self}"


class BriefError(click.ClickException):
    """Something in the user's content or environment is wrong."""

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    @classmethod
    def from_problems(
        cls, problems: list[Problem], outcome: str = "nothing was built"
    ) -> BriefError:
        errors = [p for p in problems if p.severity == "error"]
        lines = [p.shown() for p in errors]
        noun = "problem" if len(errors) == 1 else "problems"
        lines.append(f"{len(errors)} {noun} found; {outcome}.")
        return cls("\n".join(lines), errors)

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message; a list of problems already says 'error:' on each line."""
        text = self.format_message() if self.problems else f"Error: {self.format_message()}"
        click.echo(folded(text), file=file, err=file is None)


def folded(text: str) -> str:
    """Return ``text`` folded to the width of the terminal (or COLUMNS), if there is one."""
    from .log import consoles, fold_width, wrapped

    return wrapped(text, fold_width(consoles()[1]))


class Invalid(click.BadParameter):
    """A value on the command line that cannot be used, said in lines that fit the terminal.

    Raised outside the command's own function (workflow.py), it takes the
    running command's context, so that the usage line still names the command.
    """

    def __init__(
        self,
        message: str,
        ctx: click.Context | None = None,
        param: click.Parameter | None = None,
        param_hint: str | None = None,
    ) -> None:
        super().__init__(message, ctx or click.get_current_context(silent=True), param, param_hint)

    def format_message(self) -> str:
        return folded(f"Error: {super().format_message()}")[len("Error: ") :]


class Usage(click.UsageError):
    """A command line that cannot be used, said in lines that fit the terminal."""

    def format_message(self) -> str:
        return folded(f"Error: {super().format_message()}")[len("Error: ") :]


class CommandLineError(BriefError):
    """The command line names something that cannot be used: exit status 2."""

    exit_code = 2


class ConfigError(BriefError):
    """Source, brief, audience or marking files are invalid."""


class BuildError(BriefError):
    """pandoc or WeasyPrint could not produce an output."""


class ReleaseError(BriefError):
    """Content would reach an audience whose clearance does not allow it."""


class DeliveryError(BriefError):
    """An email could not be written or sent."""


class Problems:
    """Collect problems across a whole run, so that all are reported at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(
        self,
        path: str,
        line: int | None,
        message: str,
        hint: str | None = None,
        budget: bool = False,
    ) -> None:
        self.items.append(Problem(path, line, message, hint, budget=budget))

    def warning(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.items.append(Problem(path, line, message, hint, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_errors(self, error_class: type[BriefError] = ConfigError) -> None:
        if self.errors:
            raise error_class.from_problems(self.items)

    def allow_budgets(self) -> None:
        """Make the faults of word, page and summary budgets warnings, as a rough page allows."""
        self.items = [
            dataclasses.replace(
                p, severity="warning", hint="a rough page allows it; an edition not"
            )
            if p.budget and p.severity == "error"
            else p
            for p in self.items
        ]


# --- naming what the user typed -------------------------------------------------

SHOWN = 6  # the most candidates a message lists


def closest(word: str, options: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` of ``options`` that look like ``word``, the closest first."""
    import difflib

    return difflib.get_close_matches(word, sorted(set(options)), n=n, cutoff=0.6)


def did_you_mean(word: str, options: Iterable[str], prefix: str = "") -> str | None:
    """Return "did you mean 'x'?" (or 'x' or 'y') for a mistyped name, or None."""
    close = closest(word, options)
    if not close:
        return None
    names = [f"'{prefix}{name}'" for name in close]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f"did you mean {listed}?"


def one_of(options: Iterable[str], what: str, where: str = "'brief list'") -> str:
    """Return "expected one of a, b, c", or, for many options, how to see them all."""
    names = sorted(set(options))
    if not names:
        return f"there are no {what} yet"
    if len(names) <= SHOWN:
        return "expected one of " + ", ".join(names)
    return f"{where} shows all {len(names)} {what}"


def unknown(word: str, options: Iterable[str], what: str, where: str = "'brief list'") -> str:
    """Return the hint for a name that is not one of ``options``: the closest, then the rest."""
    options = list(options)
    guess = did_you_mean(word, options)
    rest = one_of(options, what, where)
    return f"{guess} {rest}" if guess else rest
