"""The front page laid out apart from the body: the same PDF, or one document where it cannot be."""

from __future__ import annotations

import re
from typing import Any

import pytest

from briefwright.render import pdf, pdf_front

from .conftest import build_copy

Page = tuple[str, str, Any, str, str]  # what pdf.render takes


@pytest.fixture(scope="module")
def analyst_page(tmp_path_factory: pytest.TempPathFactory) -> Page:
    """Return the sample's analyst print page and stylesheet, as the build hands them over."""
    pages: list[Page] = []
    original = pdf.render

    def capture(*job: Any) -> tuple[bytes, int]:
        pages.append(job)
        return original(*job)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "render", capture)
        build_copy(tmp_path_factory.mktemp("front"), "-j", "1", "-a", "analyst", "-f", "pdf")
    (page,) = pages
    return page


def render_both(monkeypatch: pytest.MonkeyPatch, html: str, css: str, page: Page) -> dict[str, Any]:
    """Lay the page out with the front page apart (if it applies) and as one document."""
    applied: list[bool] = []
    split = pdf_front.lay_out

    def watched(*args: Any) -> Any:
        document = split(*args)
        applied.append(document is not None)
        return document

    monkeypatch.setattr(pdf_front, "lay_out", watched)
    apart = pdf.render(html, css, *page[2:])
    monkeypatch.setattr(pdf_front, "lay_out", lambda *args: None)
    whole = pdf.render(html, css, *page[2:])
    return {"applied": applied == [True], "same": apart == whole}


def test_the_front_page_laid_out_apart_gives_the_very_same_pdf(
    analyst_page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    html, css = analyst_page[:2]
    assert render_both(monkeypatch, html, css, analyst_page) == {"applied": True, "same": True}


@pytest.mark.parametrize(
    "rules",
    [
        "h2.key-judgements { break-before: auto; }",
        "h2.key-judgements { break-before: auto; } .cover { break-after: page; }",
        # pushed to the second page by the contents, but not without them
        "h2.key-judgements { break-before: auto; margin-top: 150mm; }",
    ],
    ids=["contents run on into the body", "a title page of its own", "a heading pushed over"],
)
def test_a_body_that_does_not_start_the_second_page_is_laid_out_as_one_document(
    analyst_page: Page, monkeypatch: pytest.MonkeyPatch, rules: str
) -> None:
    html, css = analyst_page[:2]
    css += "\n" + rules
    assert render_both(monkeypatch, html, css, analyst_page) == {"applied": False, "same": True}


def test_contents_longer_than_a_page_are_laid_out_as_one_document(
    analyst_page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    html, css = analyst_page[:2]
    entries = re.search(r'(?s)<section id="contents".*?<ul>(.*?)</ul>', html)
    assert entries is not None
    html = html.replace(entries[1], entries[1] * 4, 1)
    assert render_both(monkeypatch, html, css, analyst_page) == {"applied": False, "same": True}


@pytest.mark.parametrize(
    "change",
    [
        lambda css: css + "h2 { string-set: chapter content(); }",
        lambda css: css + "@page :first { counter-reset: page 3; }",
        lambda css: css.replace(
            pdf_front.PAGE_REF, "target-counter(attr(href), page, lower-roman)"
        ),
        lambda css: css + "a.see::after { content: target-text(attr(href)); }",
        lambda css: css + "a.see::after { content: " + pdf_front.PAGE_REF + "; }",
    ],
    ids=[
        "running strings",
        "page counter reset",
        "roman numbers",
        "text of targets",
        "page references outside the contents",
    ],
)
def test_stylesheets_that_could_number_pages_otherwise_are_not_split(
    analyst_page: Page, change: Any
) -> None:
    def never(html: str, css: str) -> Any:
        raise AssertionError("laid out, although the page cannot be split")

    html, css = analyst_page[:2]
    assert pdf_front.lay_out(never, html, change(css)) is None


def test_a_front_page_that_cannot_be_taken_apart_falls_back_to_one_document(
    analyst_page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown(*args: Any) -> Any:
        raise AttributeError("'PageBox' object has no attribute 'copy_with_children'")

    monkeypatch.setattr(pdf_front, "_under_margins", unknown)
    fallen_back = pdf.render(*analyst_page)
    monkeypatch.setattr(pdf_front, "lay_out", lambda *args: None)
    assert fallen_back == pdf.render(*analyst_page)
