"""The marking scheme and the audiences: ``briefs/markings.yaml`` and ``briefs/audiences.yaml``.

Read first by the load stage: every brief is checked against them. A brief's
own settings for an audience override the file's (:func:`resolve_audience`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import layouts, yamlfile
from .errors import unknown
from .markings import TLP, Level, Scheme
from .models import ID_RE, Audience, AudienceFile, BriefAudience, MarkingsFile
from .reader import FAILED, Reader, level_of
from .schema import excerpt


def load_scheme(reader: Reader) -> Scheme:
    path = reader.root / "briefs" / "markings.yaml"
    if not path.exists():
        return TLP
    data = reader.yaml(path)
    spec = reader.model(MarkingsFile, data, path, "markings.yaml")
    if spec is None:
        return TLP
    labels = [level.label for level in spec.levels]
    for index, label in enumerate(labels):
        if label in labels[:index]:
            reader.problems.error(
                reader.rel(path),
                yamlfile.line_of(data, ["levels", index]),
                f"marking '{label}' is defined twice",
                "give each level its own label",
            )
    return Scheme(
        spec.name,
        tuple(
            Level(
                level.label,
                rank,
                level.release,
                level.colour.upper(),
                level.portion,
                " ".join(level.handling.split()),
            )
            for rank, level in enumerate(spec.levels)
        ),
    )


def load_audiences(reader: Reader, scheme: Scheme) -> dict[str, tuple[AudienceFile, Any]]:
    path = reader.root / "briefs" / "audiences.yaml"
    if not path.is_file():
        reader.problems.error(
            reader.rel(path), None, "is missing", "define the audiences your briefs are for"
        )
        return {}
    data = reader.yaml(path)
    if data is FAILED:
        reader.broken.add("audiences.yaml")
        return {}
    if not isinstance(data, yamlfile.LineDict):
        reader.problems.error(reader.rel(path), 1, "must map audience names to their settings")
        reader.broken.add("audiences.yaml")
        return {}
    found: dict[str, tuple[AudienceFile, Any]] = {}
    for name, entry in data.items():
        line = data.key_lines.get(name)
        if not isinstance(name, str) or not ID_RE.match(name):
            reader.problems.error(
                reader.rel(path),
                line,
                f"audience name {excerpt(name)} is not allowed",
                "use lowercase letters, digits and hyphens",
            )
            continue
        spec = reader.model(AudienceFile, entry, path, f"audience '{name}'")
        level = None
        if spec is not None:
            # Checked here, once: the briefs that use the audience do not report it again.
            level = level_of(
                reader, scheme, spec.clearance, path, yamlfile.line_of(entry, ["clearance"])
            )
            check_layout(reader, name, spec.layout, path, yamlfile.line_of(entry, ["layout"]))
        if spec is None or level is None or spec.layout not in layouts.available(reader.root):
            reader.broken.add(f"audience:{name}")  # reported already; not "undefined" elsewhere
            continue
        found[name] = (spec, entry)
    return found


def check_layout(reader: Reader, name: str, layout: str, path: Path, line: int | None) -> None:
    """Report a layout that is neither built in nor a folder of templates/."""
    available = layouts.available(reader.root)
    if layout not in available:
        reader.problems.error(
            reader.rel(path),
            line,
            f"audience '{name}': layout '{layout}' does not exist",
            unknown(layout, available, "layouts", "README.md's 'Layouts'"),
        )


def unknown_audience(reader: Reader, audiences: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is undefined, and not merely broken (reported once already)."""
    if name in audiences or "audiences.yaml" in reader.broken:
        return False
    return f"audience:{name}" not in reader.broken


def resolve_audience(
    reader: Reader,
    scheme: Scheme,
    name: str,
    base: tuple[AudienceFile, Any],
    override: BriefAudience | None,
    where: tuple[Path, Any],
) -> Audience | None:
    """Return the audience with the brief's overrides; ``where`` is the brief's entry for it."""
    spec, data = base
    fields = spec.values()
    origin = origins(reader, reader.root / "briefs" / "audiences.yaml", data, spec.keys_given)
    path, entry = where
    given = {
        key
        for key in (override.keys_given if override is not None else frozenset()) - {"sections"}
        if getattr(override, key) is not None  # a key written empty keeps the audience's value
    }
    if override is not None:
        fields.update({key: getattr(override, key) for key in given})
        origin.update(origins(reader, path, entry, given))
    # audiences.yaml's own clearance and layout were checked as it was read.
    if "clearance" in given:
        clearance = level_of(
            reader, scheme, fields["clearance"], path, yamlfile.line_of(entry, ["clearance"])
        )
    else:
        clearance = scheme.get(fields["clearance"])
    if "layout" in given:
        check_layout(reader, name, fields["layout"], path, yamlfile.line_of(entry, ["layout"]))
        if fields["layout"] not in layouts.available(reader.root):
            return None
    if clearance is None:
        return None
    fields["formats"] = list(dict.fromkeys(fields["formats"]))
    return Audience(name=name, level=clearance, where=origin, **fields)


def origins(
    reader: Reader, path: Path, data: Any, keys: Iterable[str]
) -> dict[str, tuple[str, int | None]]:
    """Return the file and line where each of ``keys`` is set, for messages."""
    return {key: (reader.rel(path), yamlfile.line_of(data, [key])) for key in keys}


def plain_audience(
    reader: Reader, scheme: Scheme, name: str, spec: AudienceFile, entry: Any
) -> Audience:
    """Return an audience as audiences.yaml defines it, before any brief's overrides."""
    fields = spec.values()
    fields["formats"] = list(dict.fromkeys(spec.formats))
    level = scheme.get(spec.clearance) or scheme.levels[0]  # an unknown label is reported
    where = origins(reader, reader.root / "briefs" / "audiences.yaml", entry, spec.keys_given)
    return Audience(name=name, level=level, where=where, **fields)
