"""YAML reading that remembers the line of every key, for messages that point.

A file is composed into YAML's node graph and checked before any value is
built from it: aliases may repeat at most MAX_ALIAS_VALUES values, and lists
and mappings may nest at most MAX_DEPTH deep. A few lines of aliases can
otherwise stand for billions of values (a "billion laughs"), and deep nesting
for a recursion that never ends well.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from .schema import DATE_HINT, KEY_EXCERPT, clip, dotted

MAX_ALIAS_VALUES = 5000  # values that aliases may add to a file by repeating others
MAX_DEPTH = 50  # lists and mappings inside one another, the file's own included


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
        super().__init__(f"key '{clip(str(key), KEY_EXCERPT)}' appears twice")
        self.key = key
        self.line = line


# libyaml's parser where PyYAML has it (several times faster), with the same marks and errors.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    _expect(yaml.MappingNode, node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    own = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            _merge(loader, result, key_node, value_node)
        else:
            own.append((key_node, value_node))
    written: set[Any] = set()  # the keys this mapping writes itself: they override merged ones
    for key_node, value_node in own:
        key = key_node.value if key_node.tag == _VALUE else _key(loader, key_node)
        try:
            seen = key in written
        except TypeError:  # a list or mapping as a key
            raise _invalid("a key must be one value, not a list or mapping", key_node) from None
        if seen:
            raise DuplicateKeyError(key, key_node.start_mark.line + 1)
        written.add(key)
        result[key] = _construct(loader, value_node, key)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_MERGE = "tag:yaml.org,2002:merge"  # the key '<<'
_VALUE = "tag:yaml.org,2002:value"  # the key '=', a plain key to briefwright


def _merge(loader: _Loader, result: LineDict, key_node: yaml.Node, value_node: yaml.Node) -> None:
    """Add the keys of the mappings ``<<`` names that ``result`` does not hold yet.

    As YAML's merge key defines: of several mappings, the first to hold a key
    gives it, and the mapping's own keys (added after) override them all.
    """
    merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
    for source in merged:
        if not isinstance(source, yaml.MappingNode):
            raise YamlSyntaxError(
                "'<<' merges mappings, and this is not one",
                key_node.start_mark.line + 1,
                "write '<<: *name' with the anchor of a mapping, or a list of them",
            )
        mapping = _construct(loader, source)
        for key, value in mapping.items():
            if key not in result:
                result[key] = value
                result.key_lines[key] = mapping.key_lines.get(key, mapping.line)


class _BadValue(yaml.YAMLError):
    """A scalar YAML reads as a date, number or other type, but that cannot be one."""

    def __init__(self, node: yaml.ScalarNode) -> None:
        super().__init__(node.value)
        self.node = node
        self.path: list[Any] = []  # the keys and indexes down to the value, once known
        self.in_key = False  # the value is a key: it has no path of its own


_TOP = object()  # the place of a value that is neither a key's value nor a list's item


def _construct(loader: _Loader, node: yaml.Node, where: Any = _TOP) -> Any:
    """Return the value of ``node``, found under the key or index ``where``."""
    try:
        return loader.construct_object(node, deep=True)
    # What PyYAML's scalar constructors raise for text they cannot read: a date that
    # does not exist (2024-02-30), or a tagged value that is not one (!!bool maybe).
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        if not isinstance(node, yaml.ScalarNode):  # from a list or mapping: a fault of ours
            raise
        error = _BadValue(node)
    except _BadValue as inner:  # from a value further down: add this step to its path
        error = inner
    if where is not _TOP:
        error.path.insert(0, where)
    raise error


def _key(loader: _Loader, node: yaml.Node) -> Any:
    """Return the value of a key node (a key has no path of its own to name)."""
    try:
        return _construct(loader, node)
    except _BadValue as error:
        error.in_key = True
        raise


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")  # YAML's form of a date without a time
_KINDS = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
}


def _unreadable(error: _BadValue) -> YamlSyntaxError:
    """Say what a value that YAML could not build was meant to be, and where it is."""
    node = error.node
    value = node.value.strip()
    written = clip(value) if value else "an empty value"
    where = "" if error.in_key or not error.path else f"'{dotted(tuple(error.path))}': "
    if node.tag == _TIMESTAMP and _DATE_ONLY.fullmatch(value):
        what, hint = "is not a real date", DATE_HINT
    elif node.tag == _TIMESTAMP and _DATE_ONLY.match(value):
        what = "is not a real date and time"
        hint = "write YYYY-MM-DD HH:MM:SS, or put the value in quotes to keep it as text"
    elif node.tag == _TIMESTAMP:
        what, hint = "is not a date", DATE_HINT
    else:
        what = f"cannot be read as {_KINDS.get(node.tag, clip(node.tag, 40))}"
        hint = "put the value in quotes to keep it as text"
    line = node.start_mark.line + 1
    return YamlSyntaxError(f"{where}{written} {what}", line, hint, syntax=False)


def _invalid(problem: str, node: yaml.Node) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _expect(kind: type[yaml.Node], node: yaml.Node) -> None:
    """Refuse a node an explicit tag gives the wrong constructor: ``!!seq {a: 1}``."""
    if not isinstance(node, kind):
        raise _invalid(f"expected a {kind.id} node, but found {node.id}", node)


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    _expect(yaml.SequenceNode, node)
    result = LineList(_construct(loader, child, index) for index, child in enumerate(node.value))
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


class YamlSyntaxError(Exception):
    """YAML that cannot be read, with the 1-based line where known and how to fix it.

    ``syntax`` is False for YAML that parses but cannot be used: a file past a
    limit, or a value that cannot be what its form says.
    """

    def __init__(
        self, message: str, line: int | None, hint: str | None = None, *, syntax: bool = True
    ) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint
        self.syntax = syntax


def parse(text: str) -> Any:
    """Parse YAML text into LineDict/LineList values; raise YamlSyntaxError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _Bounds().check(node)
        return loader.construct_document(node)
    except DuplicateKeyError as exc:
        raise YamlSyntaxError(str(exc), exc.line, "keep one of them") from None
    except _BadValue as exc:
        raise _unreadable(exc) from None
    except yaml.MarkedYAMLError as exc:
        raise _explain(exc, text) from None
    except yaml.reader.ReaderError as exc:
        line = len(_LINE_BREAK.findall(text, 0, exc.position)) + 1
        raise YamlSyntaxError(
            f"a control character (U+{exc.character:04X}) is not allowed"
            if exc.character < 0x20 or 0x7F <= exc.character <= 0x9F
            else f"the character U+{exc.character:04X} is not allowed in YAML",
            line,
            f"remove it, or write it as {_escape(exc.character)} inside double quotes",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(clip(str(exc)), None, _GENERAL) from None
    finally:
        loader.dispose()


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a line end
_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x0B: "\\v", 0x0C: "\\f", 0x1B: "\\e"}


def _escape(code: int) -> str:
    """Return how a double-quoted YAML value writes the character ``code``."""
    if code in _ESCAPES:
        return _ESCAPES[code]
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


_GENERAL = "check indentation and quoting"
_KEY = re.compile(r"\s*(.*?):(?:\s|$)")  # a line's key, up to its first ': '
_NODE_KINDS = {"scalar": "a single value", "sequence": "a list", "mapping": "a mapping"}
_QUOTE = 'put the whole value in quotes: "..."'
_KEYS = "indent the keys of one mapping by the same number of spaces"


def _explain(exc: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    """Say in plain words what the parser found wrong, at the line that shows it best."""
    context, problem = exc.context or "", exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return YamlSyntaxError(clip(" ".join(filter(None, [context, problem]))), None, _GENERAL)
    lines = _LINE_BREAK.split(text)
    line_text = lines[mark.line] if mark.line < len(lines) else ""
    indent = len(line_text) - len(line_text.lstrip(" \t"))
    char = line_text[mark.column] if mark.column < len(line_text) else ""
    # Where something was opened and never closed, the line that opened it says more.
    opened = exc.context_mark.line + 1 if exc.context_mark else mark.line + 1

    def error(message: str, hint: str, line: int = mark.line + 1) -> YamlSyntaxError:
        return YamlSyntaxError(message, line, hint)

    if "\t" in line_text[:indent]:
        return error("a tab character is used for indentation", "replace the tab with spaces")
    if "maximum nesting depth" in problem:  # libyaml stops at 1,000 levels
        return _too_deep(mark.line + 1)
    if "mapping values are not allowed" in problem or "expected ':'" in problem:
        for number in sorted({opened, mark.line + 1}):
            key = _KEY.match(lines[number - 1] if number <= len(lines) else "")
            if key and len(key[1]) > 1024:  # YAML's limit for a key written without '? '
                return error(
                    "a key is longer than 1024 characters, the most YAML allows",
                    "shorten it",
                    number,
                )
    if "mapping values are not allowed" in problem:
        if ": " in line_text[: mark.column]:
            return error("a value holds ': ' (a colon and a space)", _QUOTE)
        return error("this key is indented more than the key above it", _KEYS)
    if "block sequence entries are not allowed" in problem:
        return error(
            "a list cannot start on the line of its key",
            "start it on the next line, one '- item' a line, or write [a, b]",
        )
    if "could not find expected ':'" in problem:
        return error(
            "this line has no ':' after its key",
            "write 'key: value', or indent the line to go on with the value above",
            opened,
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return error("a quoted value is never closed", "add the closing quote", opened)
    if "quoted scalar" in context:
        return error(
            "a double-quoted value holds a backslash escape YAML does not know",
            "write \\\\ for a backslash, or put the value in single quotes",
        )
    if "block mapping" in context and "expected key" in problem:
        if mark.column > indent:
            return error("text follows the closing quote or bracket of a value", _QUOTE)
        return error("this line does not line up with the keys above it", _KEYS)
    if "block collection" in context and "'-' indicator" in problem:
        return error(
            "this line does not line up with the list items above it",
            "start each item of a list with '- ' at the same indentation",
        )
    for kind, opening, closing in (("sequence", "[", "]"), ("mapping", "{", "}")):
        if f"flow {kind}" in context and f"'{closing}'" in problem:
            return error(
                f"a {'list' if kind == 'sequence' else 'mapping'} opened with '{opening}'"
                " is never closed",
                f"close it with '{closing}', or put a value that starts with '{opening}' in quotes",
                opened,
            )
    for kind, sign in (("alias", "*"), ("anchor", "&")):
        if f"scanning an {kind}" in context:
            return error(f"a value starts with '{sign}', an {kind} in YAML", _QUOTE, opened)
    if "undefined alias" in problem:
        name = re.match(r"\*([^\s,\[\]{}]*)", line_text[mark.column :])
        alias = clip(name[1] if name else "", 40)
        return error(
            f"'*{alias}' is an alias, but no anchor '&{alias}' comes before it",
            "define the anchor first, or put the value in quotes",
        )
    if ("cannot start any token" in problem or "expected node content" in problem) and char:
        return error(f"a value cannot start with '{char}'", _QUOTE)
    if "found another document" in problem:
        return error(
            "a second YAML document starts here", "a file holds one document: remove the '---' line"
        )
    kinds = re.match(r"expected an? (\w+) node, but found (\w+)", problem)
    if kinds and {kinds[1], kinds[2]} <= _NODE_KINDS.keys():
        expected, found = (_NODE_KINDS[kind] for kind in kinds.groups())
        return error(f"the tag here is for {expected}, and this is {found}", "remove the tag")
    tag = re.search(r"constructor for the tag '(.*)'", problem)
    if tag:
        return error(
            f"the tag '{clip(tag[1], 40)}' is not supported",
            "remove the tag, or put the value in quotes",
        )
    return error(clip(" ".join(filter(None, [context, problem]))), _GENERAL)


class _Bounds:
    """Walks a node graph once, counting what its aliases repeat and how deep it nests.

    An alias is the node it names, reached a second time; its expanded size and
    height are those of that node, so a graph is measured in the time it takes
    to visit each node once, however much it expands to.
    """

    def __init__(self) -> None:
        self.sizes: dict[yaml.Node, int] = {}  # values a node stands for, its own included
        self.heights: dict[yaml.Node, int] = {}  # levels of lists and mappings, its own included
        self.open: set[yaml.Node] = set()  # the nodes being walked: reaching one is a loop
        self.repeated = 0  # values that aliases have added so far

    def check(self, root: yaml.Node) -> None:
        self._reach(root, 1, root.start_mark.line + 1)

    def _reach(self, node: yaml.Node, depth: int, line: int) -> None:
        """Measure ``node``, reached ``depth`` levels down on ``line``."""
        if node in self.sizes:
            self._repeat(node, depth, line)
        elif isinstance(node, yaml.ScalarNode):  # most nodes: measured without a walk
            self.sizes[node] = 1
            self.heights[node] = 0
        elif node in self.open:
            raise YamlSyntaxError(
                "an alias (*name) is inside the list or mapping it names",
                line,
                "a value cannot hold itself; remove the alias",
                syntax=False,
            )
        else:
            self._walk(node, depth)

    def _repeat(self, node: yaml.Node, depth: int, line: int) -> None:
        """Count an alias of a node already measured."""
        self.repeated += self.sizes[node]
        if self.repeated > MAX_ALIAS_VALUES:
            raise YamlSyntaxError(
                f"YAML aliases (*name) expand to more than {MAX_ALIAS_VALUES} values; "
                f"the limit is {MAX_ALIAS_VALUES}",
                line,
                "use fewer aliases, or aliases of smaller lists and mappings",
                syntax=False,
            )
        if depth - 1 + self.heights[node] > MAX_DEPTH:
            raise _too_deep(line)

    def _walk(self, node: yaml.Node, depth: int) -> None:
        """Measure a list or mapping met for the first time, and everything in it."""
        line = node.start_mark.line + 1
        if depth > MAX_DEPTH:
            raise _too_deep(line)
        self.open.add(node)
        # An alias has no node of its own to give its line: a mapping's key shows it,
        # and in a list, the line where the list starts (that of a flow list).
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                key_line = key.start_mark.line + 1
                self._reach(key, depth + 1, key_line)
                self._reach(value, depth + 1, key_line)
            children = [part for pair in node.value for part in pair]
        else:
            for item in node.value:
                self._reach(item, depth + 1, line)
            children = node.value
        self.open.discard(node)
        self.sizes[node] = 1 + sum(self.sizes[child] for child in children)
        self.heights[node] = 1 + max((self.heights[child] for child in children), default=0)


def _too_deep(line: int | None) -> YamlSyntaxError:
    return YamlSyntaxError(
        f"lists and mappings are nested more than {MAX_DEPTH} deep; the limit is {MAX_DEPTH}",
        line,
        "flatten the structure",
        syntax=False,
    )


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
