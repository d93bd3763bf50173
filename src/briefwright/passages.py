"""Fenced divs in section bodies: find marked passages, and cut them per audience.

This works on the Markdown text, line by line, so that a passage an audience
must not receive never reaches pandoc or any file for that audience. The
render stage checks the parsed document afterwards and fails closed if a
marked div slipped past this scanner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_FENCE_OPEN = re.compile(r"^ {0,3}(:{3,})\s*(\{(?P<attrs>[^}]*)\}|(?P<cls>[\w-]+))\s*:*\s*$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(:{3,})\s*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATTR = re.compile(r'([\w-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\']+))')
# A restricting fence anywhere else on a line (in a list, a quote, indented): refuse it.
_STRAY_FENCE = re.compile(r":{3,}\s*\{[^}]*\b(marking|audience)\s*=")
_NOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")

RESTRICTING = ("marking", "audience")


@dataclass
class Div:
    """A fenced div: its opening line number (1-based, in the file) and attributes."""

    line: int
    attrs: dict[str, str]
    raw: str
    children: list[Div | str] = field(default_factory=list)

    @property
    def restricts(self) -> bool:
        return any(key in self.attrs for key in RESTRICTING)

    @property
    def audiences(self) -> tuple[str, ...] | None:
        value = self.attrs.get("audience")
        return tuple(value.replace(",", " ").split()) if value is not None else None


class PassageSyntaxError(Exception):
    def __init__(self, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


def parse_attrs(text: str) -> dict[str, str]:
    """Return the key="value" attributes of a pandoc attribute block."""
    return {m[1]: next(v for v in m.groups()[1:] if v is not None) for m in _ATTR.finditer(text)}


def parse(body: str, first_line: int) -> list[Div | str]:
    """Split a body into text lines and (nested) fenced divs."""
    root: list[Div | str] = []
    stack: list[Div] = []
    code_fence: str | None = None
    for offset, line in enumerate(body.splitlines()):
        number = first_line + offset
        target = stack[-1].children if stack else root
        if code_fence is not None:
            if line.strip().startswith(code_fence) and not line.strip().strip(code_fence[0]):
                code_fence = None
            target.append(line)
            continue
        if match := _CODE_FENCE.match(line):
            code_fence = match[1]
            target.append(line)
            continue
        if match := _FENCE_OPEN.match(line):
            attrs = parse_attrs(match["attrs"] or "")
            div = Div(number, attrs, match[2])
            if match["attrs"] and "{" in match["attrs"]:
                raise PassageSyntaxError(
                    "malformed attributes on a fenced div", number, 'write ::: {marking="LABEL"}'
                )
            target.append(div)
            stack.append(div)
            continue
        if _STRAY_FENCE.search(line):
            raise PassageSyntaxError(
                "a marked or audience passage must open at the start of a line",
                number,
                "move the ::: {...} line to the left margin, outside lists and quotes, "
                "so that it can be withheld from audiences not cleared for it",
            )
        if _FENCE_CLOSE.match(line):
            if not stack:
                raise PassageSyntaxError(
                    "closing ':::' without an opening fence",
                    number,
                    "remove it, or open the passage with ::: {...}",
                )
            stack.pop()
            continue
        target.append(line)
    if stack:
        raise PassageSyntaxError(
            "fenced div is never closed", stack[-1].line, "end the passage with a line ':::'"
        )
    return root


def walk(blocks: list[Div | str]) -> list[Div]:
    """Return every div, outermost first."""
    found: list[Div] = []
    for block in blocks:
        if isinstance(block, Div):
            found.append(block)
            found.extend(walk(block.children))
    return found


def render(
    blocks: list[Div | str],
    keep: Callable[[Div], bool],
    note_prefix: str,
) -> str:
    """Write the blocks back as Markdown, dropping divs that ``keep`` refuses.

    Kept restricting divs lose their ``marking``/``audience`` attributes and
    become ``::: {.passage data-marking="..."}``; footnote labels get a
    per-section prefix so that sections joined in one document cannot clash.
    """
    out: list[str] = []

    def emit(items: list[Div | str], depth: int) -> None:
        for item in items:
            if isinstance(item, str):
                out.append(_NOTE_LABEL.sub(lambda m: f"[^{note_prefix}-{m[1]}]", item))
                continue
            if not keep(item):
                continue
            fence = ":" * (depth + 3)
            if item.restricts:
                marking = item.attrs.get("marking")
                attrs = ".passage" + (f' data-marking="{marking}"' if marking else "")
                attrs += ' custom-style="Passage"'
                out.extend(["", f"{fence} {{{attrs}}}"])
            else:
                out.extend(["", f"{fence} {item.raw}"])
            emit(item.children, depth + 1)
            out.extend([fence, ""])

    emit(blocks, 1)
    return "\n".join(out).strip("\n") + "\n"
