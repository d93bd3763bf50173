"""Data files and chart specifications: ``sources/<collection>/data/``.

A data file is CSV (its first row the header) or JSON/YAML records (a list
of mappings), with an optional sidecar ``<name>.meta.yaml`` (``title``,
``source``, ``marking``), named by the data file's stem. A chart is a Vega-Lite specification,
``<name>.vl.json`` or ``<name>.vl.yaml``, whose ``data: {url: ...}`` names a
data file beside it. Everything is read and checked here, with the rest of
the project, each fault naming the file and its line (a CSV's row); a
specification may read only files of its own folder, and names no URL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlfile
from .markings import Level, Scheme
from .reader import FAILED, Reader, level_of
from .schema import Schema, excerpt, key, optional, text

DATA_SUFFIXES = (".csv", ".json", ".yaml", ".yml")
SPEC_SUFFIXES = (".vl.json", ".vl.yaml", ".vl.yml")
MAX_ROWS = 10_000
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True, kw_only=True)
class DataMeta(Schema):
    """``<name>.meta.yaml``: what a data file is, where it comes from, how it is marked."""

    title: str | None = key(optional(text(one_line=True)), None)
    source: str | None = key(optional(text()), None)
    marking: str | None = key(optional(text(one_line=True)), None)


@dataclass(frozen=True)
class DataFile:
    """A table of values: its columns in order, its rows, and what its sidecar says.

    (The sidecar of ``pledges.csv`` is ``pledges.meta.yaml``.)
    """

    name: str
    path: Path
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    numeric: frozenset[str]  # columns whose every value is a number
    title: str | None = None
    source: str | None = None
    marking: Level | None = None
    files: tuple[Path, ...] = ()  # the file and its sidecar, for the fingerprint


@dataclass(frozen=True)
class ChartSpec:
    """A Vega-Lite specification and the data files it reads."""

    name: str
    path: Path
    spec: dict[str, Any]
    data: tuple[str, ...]  # names of the data files it reads, in order of use


@dataclass
class Folder:
    """What a collection's ``data/`` holds."""

    data: dict[str, DataFile] = field(default_factory=dict)
    charts: dict[str, ChartSpec] = field(default_factory=dict)
    # Files that are there but did not load (their faults are reported): what names them
    # is not told again that they are missing.
    broken: set[str] = field(default_factory=set)


def load(reader: Reader, scheme: Scheme, folder: Path) -> Folder:
    """Read and check every data file and chart specification of a ``data/`` folder."""
    found = Folder()
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        name = path.name
        if name.endswith(".meta.yaml") or name.startswith("."):
            continue
        if name.endswith(SPEC_SUFFIXES):
            continue  # read once every data file is known
        if path.suffix in DATA_SUFFIXES:
            data = _data_file(reader, scheme, path)
            if data is not None:
                found.data[name] = data
            else:
                found.broken.add(name)
        else:
            reader.problems.error(
                reader.rel(path),
                None,
                "is not a data file briefwright reads",
                "keep CSV, JSON and YAML data and .vl.json/.vl.yaml charts in data/",
            )
    for path in sorted(p for p in folder.iterdir() if p.name.endswith(SPEC_SUFFIXES)):
        spec = _chart(reader, path, found)
        if spec is not None:
            found.charts[path.name] = spec
        else:
            found.broken.add(path.name)
    stems = [Path(name).stem for name in [*found.data, *found.broken]]
    for path in sorted(folder.glob("*.meta.yaml")):
        stem = path.name.removesuffix(".meta.yaml")
        if stems.count(stem) != 1:
            reader.problems.error(
                reader.rel(path),
                None,
                f"describes '{stem}', but data/ holds "
                + ("no data file of that name" if not stems.count(stem) else "two of that name"),
                "name the sidecar after its data file: pledges.csv has pledges.meta.yaml",
            )
    return found


def _data_file(reader: Reader, scheme: Scheme, path: Path) -> DataFile | None:
    rel = reader.rel(path)
    content = reader.text(path)
    if content is None:
        return None
    if path.suffix == ".csv":
        table = _csv(reader, rel, content)
    else:
        table = _records(reader, path, content)
    if table is None:
        return None
    columns, rows = table
    numeric = frozenset(
        c
        for c in columns
        if any(r.get(c) not in (None, "") for r in rows)
        and all(number(r.get(c)) is not None for r in rows if r.get(c) not in (None, ""))
    )
    meta_path = path.with_name(path.stem + ".meta.yaml")
    meta, level = None, None
    if meta_path.is_file():
        raw = reader.yaml(meta_path)
        meta = reader.model(DataMeta, raw, meta_path, "a data file's description")
        if meta is None:
            return None  # reported; its marking unknown, the data is not assumed public
        if meta.marking is not None:
            level = level_of(
                reader, scheme, meta.marking, meta_path, yamlfile.line_of(raw, ["marking"])
            )
            if level is None:
                return None  # unknown marking: reported; never assume the data is public
    return DataFile(
        name=path.name,
        path=path,
        columns=tuple(columns),
        rows=tuple(rows),
        numeric=numeric,
        title=meta.title if meta else None,
        source=meta.source if meta else None,
        marking=level,
        files=(path, meta_path) if meta_path.is_file() else (path,),
    )


def _csv(reader: Reader, rel: str, content: str) -> tuple[list[str], list[dict[str, Any]]] | None:
    try:
        lines = list(csv.reader(io.StringIO(content)))
    except csv.Error as exc:
        reader.problems.error(rel, None, f"cannot be read as CSV: {exc}", "save it as CSV (UTF-8)")
        return None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        reader.problems.error(rel, 1, "is empty", "write a header row, then one row per record")
        return None
    header = [cell.strip() for cell in lines[0]]
    if not all(header) or len(set(header)) != len(header):
        reader.problems.error(
            rel, 1, "has an empty or repeated column name", "name every column once, in row 1"
        )
        return None
    if len(lines) - 1 > MAX_ROWS:
        reader.problems.error(rel, None, f"has over {MAX_ROWS} rows", "summarise the data first")
        return None
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if len(line) != len(header):
            reader.problems.error(
                rel,
                number,
                f"row {number} has {len(line)} values; the header names {len(header)} columns",
                "give every row one value per column (quote values that hold commas)",
            )
            return None
        rows.append(dict(zip(header, (cell.strip() for cell in line), strict=True)))
    return header, rows


def _records(
    reader: Reader, path: Path, content: str
) -> tuple[list[str], list[dict[str, Any]]] | None:
    rel = reader.rel(path)
    if path.suffix == ".json":
        try:
            value = json.loads(content)
        except ValueError as exc:
            reader.problems.error(rel, getattr(exc, "lineno", None), f"is not valid JSON: {exc}")
            return None
    else:
        value = reader.yaml(path, content)
        if value is FAILED:
            return None
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value) or not value:
        reader.problems.error(
            rel,
            1,
            "must hold a list of records (mappings of column to value)",
            'write [{"country": "France", "troops": 2000}, ...]',
        )
        return None
    columns: list[str] = []
    for index, record in enumerate(value):
        for name, cell in record.items():
            if not isinstance(name, str) or isinstance(cell, dict | list):
                reader.problems.error(
                    rel,
                    yamlfile.line_of(value, [index]),
                    f"record {index + 1} holds {excerpt(name)}: {excerpt(cell)}, not a value",
                    "give each column one number or text per record",
                )
                return None
            if name not in columns:
                columns.append(name)
    return columns, [dict(r) for r in value]


def number(value: Any) -> float | None:
    """Return a value as a number, if it is one (a CSV cell "12,500" is)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and NUMBER.fullmatch(value.replace(",", "").strip()):
        return float(value.replace(",", ""))
    return None


# --- charts ---------------------------------------------------------------------------


def _chart(reader: Reader, path: Path, found: Folder) -> ChartSpec | None:
    rel = reader.rel(path)
    content = reader.text(path)
    if content is None:
        return None
    if path.name.endswith(".vl.json"):
        try:
            spec = json.loads(content)
        except ValueError as exc:
            reader.problems.error(rel, getattr(exc, "lineno", None), f"is not valid JSON: {exc}")
            return None
    else:
        spec = reader.yaml(path, content)
        if spec is FAILED:
            return None
    if not isinstance(spec, dict):
        reader.problems.error(rel, 1, "must be a Vega-Lite specification (a mapping)")
        return None
    used: list[str] = []
    faults = list(_check_spec(spec, found.data, used, found.broken))
    for where, message, hint in faults:
        reader.problems.error(rel, yamlfile.line_of(spec, where) if where else None, message, hint)
    if faults or found.broken.intersection(used):  # a data file's own fault is said there
        return None
    if not used:
        reader.problems.error(
            rel, 1, "reads no data file", "name one: data: {url: pledges.csv} (a file of data/)"
        )
        return None
    return ChartSpec(path.name, path, _plain(spec), tuple(dict.fromkeys(used)))


def _check_spec(
    value: Any,
    data: dict[str, DataFile],
    used: list[str],
    broken: set[str],
    where: tuple[Any, ...] = (),
) -> Any:
    """Yield (key path, message, hint) for each thing a specification may not do."""
    if isinstance(value, dict):
        for name, inner in value.items():
            at = (*where, name)
            if name == "url":
                target = inner if isinstance(inner, str) else ""
                if where[-1:] != ("data",) or not target:
                    yield at, "names a URL where only a data file may be", "remove it"
                elif "/" in target or "\\" in target or ":" in target or target.startswith("."):
                    yield (
                        at,
                        f"data '{excerpt(target)}' is not a file of this data/ folder",
                        "charts read only files beside them, by name: data: {url: pledges.csv}; "
                        "nothing is fetched",
                    )
                elif target not in data and target not in broken:
                    yield at, f"data file '{target}' is not in data/", "check its name"
                else:
                    used.append(target)
            elif name in ("href", "image") or (name in ("type", "mark") and inner == "image"):
                yield at, f"'{name}' would have the chart fetch or link to files", "remove it"
            else:
                yield from _check_spec(inner, data, used, broken, at)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _check_spec(inner, data, used, broken, (*where, index))


def _plain(value: Any) -> Any:
    """Return YAML's line-aware values as plain dicts and lists, for JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def inline(spec: dict[str, Any], data: dict[str, DataFile]) -> dict[str, Any]:
    """Return a copy of a specification with each data file's values in place of its name."""

    def walk(value: Any, parent: str | None) -> Any:
        if isinstance(value, dict):
            if parent == "data" and isinstance(value.get("url"), str):
                table = data[value["url"]]
                rows = [
                    {
                        c: (number(r.get(c)) if c in table.numeric else r.get(c))
                        for c in table.columns
                    }
                    for r in table.rows
                ]
                return {k: v for k, v in value.items() if k not in ("url", "format")} | {
                    "values": rows
                }
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, parent) for v in value]
        return value

    result: dict[str, Any] = walk(spec, None)
    return result
