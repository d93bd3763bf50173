"""The front page (cover and contents) laid out apart from the body, its page numbers known.

A contents list numbers its entries with ``target-counter(attr(href), page)``.
Its targets come later in the document, so WeasyPrint lays the contents page
out again once they are placed, and (in WeasyPrint 70) once more: three
layouts of the front page, about 4 % of the sample's full PDFs. Here the
whole page is laid out first with the contents list's entries left out, so
that nothing points ahead; then the front page alone, up to the next
section's heading, with the numbers read from the body's anchors written in.
Its first page takes the place of the body's, under the body's margin boxes
(whose "Page 1 of N" counts the whole brief).

This applies only where it gives the same pages: a print page from
``print.html.j2`` whose body opens with the contents section, contents that
fit the first page, a next section that starts the second (checked in both
layouts), and a stylesheet that numbers only the contents entries by their
targets, pages plainly, and sets no running strings. Anything else is laid
out as one document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PAGE_REF = "target-counter(attr(href), page)"
WRITTEN_IN = "attr(data-page)"  # the front page's numbers, as the body placed them

_FRONT = re.compile(
    r"(?s)<main>.*?"
    r'<div class="brief-body">\s*'
    r'(?P<contents><section id="contents"[^>]*>(?:(?!<section).)*?</section>\s*)'
    r'(?P<next><section id="(?P<next_id>[^"]+)"[^>]*>\s*<h[1-6][^>]*>.*?</h[1-6]>)'
)
_ENTRIES = re.compile(r"(?s)(?<=<ul>).*(?=</ul>)")
_LINK = re.compile(r'<a href="#([^"]+)"')
_NUMBERS_CONTENTS = re.compile(r"\.contents\b[^{}]*\{[^{}]*" + re.escape(PAGE_REF))
# Anything else that would number pages or read text across them.
_ELSEWHERE = re.compile(
    r"target-(?:counters?|text)|counter-(?:reset|set|increment)[^;}]*\bpage\b|string\(|string-set"
)

LayOut = Callable[[str, str], Any]  # (html, css) -> a laid-out WeasyPrint document


def lay_out(render: LayOut, html: str, css: str) -> Any | None:
    """Return the document with its front page laid out apart, or None where that cannot be."""
    written_in = css.replace(PAGE_REF, WRITTEN_IN)
    if (
        css.count(PAGE_REF) != 1
        or not _NUMBERS_CONTENTS.search(css)
        or _ELSEWHERE.search(written_in)
    ):
        return None
    parts = _FRONT.search(html)
    if parts is None or not _ENTRIES.search(parts["contents"]):
        return None
    contents, after = parts.span("contents"), parts.start("next")
    # The body: the whole page, but the contents list without its entries, so that
    # nothing points ahead and every page is laid out once.
    body = render(html[: contents[0]] + _ENTRIES.sub("", parts["contents"]) + html[after:], css)
    if not _contents_then(body, parts["next_id"]):
        return None
    numbers: dict[str, int] = {}
    for number, page in enumerate(body.pages, 1):
        for anchor in page.anchors:
            numbers.setdefault(anchor, number)
    entries = _LINK.sub(
        lambda link: f'{link[0]} data-page="{numbers.get(link[1], "")}"', parts["contents"]
    )
    # The front: the page up to the next section's heading, which must be alone on
    # a second page (the contents fit the first, and the body starts a new one).
    front = render(html[: contents[0]] + entries + parts["next"], written_in)
    if len(front.pages) != 2 or front.pages[1].links or not _contents_then(front, parts["next_id"]):
        return None
    return body.copy([_under_margins(front.pages[0], body.pages[0]), *body.pages[1:]])


def _contents_then(document: Any, anchor: str) -> bool:
    """Whether the contents are on the first page and ``anchor`` first on the second."""
    pages = document.pages
    return (
        len(pages) > 1
        and "contents" in pages[0].anchors
        and anchor not in pages[0].anchors
        and anchor in pages[1].anchors
    )


def _under_margins(page: Any, first: Any) -> Any:
    """Return ``page``'s content under the margin boxes of ``first``, the body's first page."""
    from weasyprint.document import Page  # noqa: PLC0415 - only where WeasyPrint is loaded
    from weasyprint.formatting_structure.boxes import MarginBox  # noqa: PLC0415

    content = [box for box in page._page_box.children if not isinstance(box, MarginBox)]
    margins = [box for box in first._page_box.children if isinstance(box, MarginBox)]
    return Page(page._page_box.copy_with_children(content + margins))
