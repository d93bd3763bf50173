"""DOCX: pandoc writes it with the layout's reference document; a post-pass marks it.

The reference document carries a header and footer with a placeholder run;
this pass puts the edition's marking (and its colour) there, writes the core
properties, sets the paper size, and repacks the archive with fixed
timestamps so that the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile

from ..models import Edition
from .ast import MARKING_STYLE


def escape(text: str, quote: bool = False) -> str:
    """Return ``text`` made safe as XML character data (``&``, ``<`` and ``>`` escaped),
    or with ``quote`` as an attribute's value (quotes escaped too)."""
    return html.escape(text, quote=quote)


# The reference document's header and footer carry these; each edition gets its own marking.
MARKING_PLACEHOLDER = "BRIEFWRIGHT-MARKING"
FOOTER_PLACEHOLDER = "BRIEFWRIGHT-FOOTER"  # the footer's middle: the brief's number and date
COLOUR_PLACEHOLDER = "FFFFFE"
PAPER = {"a4": (11906, 16838), "letter": (12240, 15840)}  # twentieths of a point

CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties \
xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:title>{title}</dc:title><dc:subject>{subject}</dc:subject><dc:creator>{creator}</dc:creator>\
<cp:keywords>{keywords}</cp:keywords><dc:description>{description}</dc:description>\
<dc:language>{lang}</dc:language><cp:category>{marking}</cp:category>\
<cp:contentStatus>{marking}</cp:contentStatus><cp:lastModifiedBy>briefwright</cp:lastModifiedBy>\
{identifier}\
<cp:version>{version}</cp:version>\
<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified></cp:coreProperties>"""


def furniture(edition: Edition) -> str:
    """Return what every page footer says besides the marking and page: number, date."""
    brief = edition.brief
    date = f"{brief.date.day} {brief.date:%B %Y}"
    return " · ".join(part for part in (brief.front.number, date) if part)


def finish(data: bytes, edition: Edition, keywords: list[str], description: str) -> bytes:
    """Return the DOCX with markings, core properties, paper size and fixed timestamps."""
    brief = edition.brief
    marking = edition.marking
    stamp = dt.datetime.combine(brief.date, dt.time())
    core = CORE.format(
        title=escape(brief.title),
        subject=escape(f"{brief.subtitle or brief.title} ({edition.audience.label})"),
        creator=escape("; ".join(brief.authors) or "briefwright"),
        keywords=escape(", ".join(keywords)),
        description=escape(description),
        lang=escape(brief.lang),
        marking=escape(marking.label),
        version=escape(edition.release.text),
        date=f"{brief.date.isoformat()}T00:00:00Z",
        identifier=f"<dc:identifier>{escape(brief.front.number)}</dc:identifier>"
        if brief.front.number
        else "",
    )
    width, height = PAPER[edition.audience.paper]
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            name = info.filename
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                text = content.decode("utf-8")
                text = text.replace(MARKING_PLACEHOLDER, escape(marking.label))
                text = text.replace(FOOTER_PLACEHOLDER, escape(furniture(edition)))
                text = text.replace(COLOUR_PLACEHOLDER, marking.colour.lstrip("#").upper())
                content = text.encode("utf-8")
            elif name == "word/settings.xml":
                # Word fills in the contents' page numbers (PAGEREF fields) when it opens it.
                text = content.decode("utf-8")
                if "<w:updateFields" not in text:
                    text = re.sub(
                        r"(<w:settings\b[^>]*>)",
                        r'\1<w:updateFields w:val="true" />',
                        text,
                        count=1,
                    )
                content = text.encode("utf-8")
            elif name == "word/styles.xml":
                content = _marking_styles(content.decode("utf-8"), edition).encode("utf-8")
            elif name == "docProps/core.xml":
                content = core.encode("utf-8")
            elif name == "word/document.xml":
                text = content.decode("utf-8")
                text = re.sub(r"<w:pgSz [^>]*/>", f'<w:pgSz w:w="{width}" w:h="{height}" />', text)
                # Number footnotes through the document (LibreOffice restarts them otherwise).
                text = re.sub(r"<w:footnotePr>\s*<w:numRestart [^>]*/>\s*</w:footnotePr>", "", text)
                content = _fit_tables(text, int(width)).encode("utf-8")
            entry = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _fit_tables(document: str, page_width: int) -> str:
    """Scale each table's column grid to the text's width (page less margins, in twips).

    pandoc sizes columns given as fractions against a text 7,920 twips (5.5 in) wide,
    whatever the reference document's page: wider than the full brief's measure.
    """
    section = re.search(r"<w:pgMar [^>]*>", document)
    margins = dict(re.findall(r'w:(left|right)="(\d+)"', section.group(0))) if section else {}
    if len(margins) != 2:
        return document
    text_width = page_width - int(margins["left"]) - int(margins["right"])

    def fit(grid: re.Match[str]) -> str:
        columns = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"', grid.group(0))]
        total = sum(columns)
        if not columns or total <= text_width:
            return grid.group(0)
        widths = iter(w * text_width // total for w in columns)
        return re.sub(
            r'(<w:gridCol w:w=")\d+', lambda m: m.group(1) + str(next(widths)), grid.group(0)
        )

    return re.sub(r"<w:tblGrid>.*?</w:tblGrid>", fit, document, flags=re.S)


def _marking_styles(styles: str, edition: Edition) -> str:
    """Draw each level's marking chip (ast.style_markings) as the pages do: bold, in the
    level's colour, on black. pandoc makes the styles; this gives them their look."""
    for level in edition.scheme.levels:
        name = escape(MARKING_STYLE.format(label=level.label), quote=True)
        look = (
            f'<w:rPr><w:b /><w:color w:val="{level.colour.lstrip("#").upper()}" />'
            '<w:sz w:val="17" /><w:shd w:val="clear" w:color="auto" w:fill="000000" /></w:rPr>'
        )
        pattern = re.compile(
            rf'(<w:style w:type="character"[^>]*>\s*<w:name w:val="{re.escape(name)}"\s*/>'
            r"(?:(?!</w:style>|<w:rPr>).)*?)(</w:style>)",
            re.S,
        )
        styles = pattern.sub(rf"\g<1>{look}\g<2>", styles, count=1)
    return styles
