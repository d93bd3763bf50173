"""Marking schemes: ordered levels, TLP 2.0 by default, or briefs/markings.yaml."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Release = Literal["anyone", "partners", "organisation", "named"]


@dataclass(frozen=True, order=False)
class Level:
    """One marking level; ``rank`` orders levels from 0 (lowest)."""

    label: str
    rank: int
    release: Release
    colour: str
    portion: str | None = None
    handling: str = ""  # what a recipient may do with it, in one sentence

    def __str__(self) -> str:
        return self.label

    @property
    def slug(self) -> str:
        """A CSS- and file-safe form of the label."""
        return "".join(c if c.isalnum() else "-" for c in self.label.lower()).strip("-")


@dataclass(frozen=True)
class Scheme:
    """An ordered list of marking levels, lowest first."""

    name: str
    levels: tuple[Level, ...]

    def get(self, label: str) -> Level | None:
        for level in self.levels:
            if level.label == label:
                return level
        return None

    def highest(self, levels: Iterable[Level]) -> Level | None:
        return max(levels, key=lambda level: level.rank, default=None)

    @property
    def labels(self) -> list[str]:
        return [level.label for level in self.levels]

    def expected(self) -> str:
        """The labels as a message fragment: 'one of A, B, C'."""
        return "one of " + ", ".join(self.labels)

    def css(self) -> str:
        """Return each level's colour as CSS: ``--marking-<slug>`` and ``.marking-<slug>``.

        The one place the pages' stylesheets get marking colours from.
        """
        names = "".join(f" --marking-{level.slug}: {level.colour};" for level in self.levels)
        rules = "".join(
            f"\n.marking-label.marking-{level.slug}, .marking-tag.marking-{level.slug} "
            f"{{ color: var(--marking-{level.slug}); }}"
            for level in self.levels
        )
        return f":root {{{names} }}{rules}\n"


# FIRST Traffic Light Protocol 2.0; colours are for label text on black, and each
# level's sharing rule is said to the reader in a sentence.
TLP = Scheme(
    "TLP 2.0",
    (
        Level(
            "TLP:CLEAR",
            0,
            "anyone",
            "#FFFFFF",
            handling="Disclosure is not limited: recipients may share it freely.",
        ),
        Level(
            "TLP:GREEN",
            1,
            "partners",
            "#33FF00",
            handling="Recipients may share it with peers and partners in their community, "
            "but not through channels open to the public.",
        ),
        Level(
            "TLP:AMBER",
            2,
            "partners",
            "#FFC000",
            handling="Recipients may share it only within their organisation and with its "
            "clients, and only with those who need to know.",
        ),
        Level(
            "TLP:AMBER+STRICT",
            3,
            "organisation",
            "#FFC000",
            handling="Recipients may share it only within their own organisation, and only "
            "with those who need to know.",
        ),
        Level(
            "TLP:RED",
            4,
            "named",
            "#FF2B2B",
            handling="For the named recipients only: they may not share it with anyone else.",
        ),
    ),
)
