"""The front page (cover and contents) laid out apart from the body, its page numbers known.

A contents list numbers its entries with ``target-counter(attr(href), page)``.
Its targets come later in the document, so WeasyPrint lays the contents page
out again once they are placed, and (in WeasyPrint 70) once more: three
layouts of the front page, about 4 % of the sample's full PDFs. Here the body is
laid out first, behind an empty first page, and the front page after it with
the numbers read from the body's anchors and written in; the front page then
takes the place of the empty one, under the empty page's own margin boxes
(its "Page 1 of N" counts the whole brief).

This applies only where it gives the same pages: a print page from
``print.html.j2`` whose body opens with the contents section, a next section
that starts a new page, a contents list that fits one page, and a stylesheet
that numbers pages plainly and sets no running strings. Anything else is laid
out as one document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PAGE_REF = "target-counter(attr(href), page)"
WRITTEN_IN = "attr(data-page)"  # the front page's numbers, as the body placed them
EMPTY_PAGE = '<div style="break-after: page"></div>'

_FRONT = re.compile(
    r"(?s)(?P<main><main>)"
    r"(?P<cover>.*?)"
    r'(?P<body><div class="brief-body">\s*)'
    r'(?P<contents><section id="contents"[^>]*>.*?</section>\s*)'
    r"(?P<next><section[^>]*>\s*<h[1-6][^>]*>.*?</h[1-6]>)"
)
_LINK = re.compile(r'<a href="#([^"]+)"')
_PLAIN_PAGES = re.compile(r"counter-(?:reset|set|increment)[^;}]*\bpage\b|string\(|string-set")

LayOut = Callable[[str, str], Any]  # (html, css) -> a laid-out WeasyPrint document


def lay_out(render: LayOut, html: str, css: str) -> Any | None:
    """Return the document with its front page laid out apart, or None where that cannot be."""
    if PAGE_REF not in css or _PLAIN_PAGES.search(css):
        return None
    parts = _FRONT.search(html)
    if parts is None:
        return None
    body = render(
        html[: parts.end("main")] + EMPTY_PAGE + parts["body"] + html[parts.start("next") :],
        css,
    )
    numbers: dict[str, int] = {}
    for number, page in enumerate(body.pages, 1):
        for anchor in page.anchors:
            numbers.setdefault(anchor, number)
    contents = _LINK.sub(
        lambda link: f'{link[0]} data-page="{numbers.get(link[1], "")}"', parts["contents"]
    )
    # The next section's heading is laid out too: on a page of its own, it shows
    # that the body starts a new page after the contents, as the single document would.
    front = render(
        html[: parts.start("contents")] + contents + parts["next"],
        css.replace(PAGE_REF, WRITTEN_IN),
    )
    if len(front.pages) != 2:
        return None
    return body.copy([_under_margins(front.pages[0], body.pages[0]), *body.pages[1:]])


def _under_margins(page: Any, empty: Any) -> Any:
    """Return ``page``'s content under the margin boxes of ``empty``, the body's first page."""
    from weasyprint.document import Page  # noqa: PLC0415 - only where WeasyPrint is loaded
    from weasyprint.formatting_structure.boxes import MarginBox  # noqa: PLC0415

    content = [box for box in page._page_box.children if not isinstance(box, MarginBox)]
    margins = [box for box in empty._page_box.children if isinstance(box, MarginBox)]
    return Page(page._page_box.copy_with_children(content + margins))
