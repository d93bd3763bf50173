"""YAML reading that remembers the line of every key, for messages that point."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml


class LineDict(dict):  # type: ignore[type-arg]
    """A dict from YAML that knows the line of each of its keys."""

    line: int = 1
    key_lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A list from YAML that knows the line of each item."""

    line: int = 1
    item_lines: list[int]


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(f"key '{key}' appears twice")
        self.key = key
        self.line = line


# libyaml's parser where PyYAML has it (several times faster), with the same marks and errors.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        try:
            seen = key in result
        except TypeError:  # a list or mapping as a key
            raise _invalid("a key must be one value, not a list or mapping", key_node) from None
        if seen:
            raise DuplicateKeyError(key, key_node.start_mark.line + 1)
        result[key] = _construct(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct(loader: _Loader, node: yaml.Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (TypeError, ValueError) as exc:  # e.g. a date that does not exist: 2024-02-30
        raise _invalid(f"{node.value!r} cannot be read: {exc}", node) from None


def _invalid(problem: str, node: yaml.Node) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(_construct(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class YamlSyntaxError(Exception):
    """YAML that does not parse, with the 1-based line where the parser stopped."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str) -> Any:
    """Parse YAML text into LineDict/LineList values; raise YamlSyntaxError."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKeyError as exc:
        raise YamlSyntaxError(str(exc), exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem]))
        raise YamlSyntaxError(message or "invalid YAML", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from None


def line_of(data: Any, loc: Sequence[Any]) -> int | None:
    """Return the line of the deepest key or item on ``loc`` that the data knows."""
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
