"""The exception tree and the problem list that every stage reports into.

Every error a user can cause is a ``BriefError``: Click prints its message and
exits with status 1, with no traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs: where, what, and how to fix it."""

    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class BriefError(click.ClickException):
    """Something in the user's content or environment is wrong."""

    exit_code = 1

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> BriefError:
        errors = [p for p in problems if p.severity == "error"]
        lines = [str(p) for p in errors]
        noun = "problem" if len(errors) == 1 else "problems"
        lines.append(f"{len(errors)} {noun} found; nothing was built.")
        return cls("\n".join(lines), errors)


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

    def error(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.items.append(Problem(path, line, message, hint))

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
