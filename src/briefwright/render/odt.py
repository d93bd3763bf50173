"""ODT: pandoc writes it with the layout's reference document; a post-pass marks it.

As for the DOCX (render/docx.py): the reference document's header and footer
carry a placeholder that becomes the edition's marking in its colour; the
document's properties (meta.xml) are written here, with the marking; the
paper size follows the audience; and the archive is repacked with fixed
timestamps, ``mimetype`` first and stored, so that the same inputs give the
same bytes and every OpenDocument reader takes it.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..models import Edition
from .ast import MARKING_STYLE
from .docx import COLOUR_PLACEHOLDER, FOOTER_PLACEHOLDER, MARKING_PLACEHOLDER, escape, furniture

PAPER = {"a4": ("210mm", "297mm"), "letter": ("8.5in", "11in")}

META = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3">\
<office:meta><meta:generator>briefwright</meta:generator><dc:title>{title}</dc:title>\
<dc:subject>{subject}</dc:subject><dc:description>{description}</dc:description>\
{keywords}<meta:initial-creator>{creator}</meta:initial-creator><dc:creator>{creator}</dc:creator>\
<meta:creation-date>{date}</meta:creation-date><dc:date>{date}</dc:date>\
<dc:language>{lang}</dc:language>\
<meta:user-defined meta:name="Marking">{marking}</meta:user-defined>\
<meta:user-defined meta:name="Version">{version}</meta:user-defined>{number}</office:meta>\
</office:document-meta>
"""


def finish(data: bytes, edition: Edition, keywords: list[str], description: str) -> bytes:
    """Return the ODT with markings, properties, paper size and fixed timestamps."""
    brief = edition.brief
    marking = edition.marking
    meta = META.format(
        title=escape(brief.title),
        subject=escape(f"{brief.subtitle or brief.title} ({edition.audience.label})"),
        description=escape(description),
        keywords="".join(f"<meta:keyword>{escape(k)}</meta:keyword>" for k in keywords),
        creator=escape("; ".join(brief.authors) or "briefwright"),
        date=f"{brief.date.isoformat()}T00:00:00",
        lang=escape(brief.lang),
        marking=escape(marking.label),
        number=(
            f'<meta:user-defined meta:name="Number">{escape(brief.front.number)}'
            "</meta:user-defined>"
            if brief.front.number
            else ""
        ),
        version=escape(edition.release.text),
    )
    width, height = PAPER[edition.audience.paper]
    stamp = (brief.date.year, brief.date.month, brief.date.day, 0, 0, 0)
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda name: name != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            content = source.read(name)
            if name == "styles.xml":
                text = content.decode("utf-8")
                text = text.replace(MARKING_PLACEHOLDER, escape(marking.label))
                text = text.replace(FOOTER_PLACEHOLDER, escape(furniture(edition)))
                text = text.replace(COLOUR_PLACEHOLDER, marking.colour.lstrip("#").upper())
                text = re.sub(r'fo:page-width="[^"]*"', f'fo:page-width="{width}"', text)
                text = re.sub(r'fo:page-height="[^"]*"', f'fo:page-height="{height}"', text)
                text = text.replace(
                    "</office:styles>", _marking_styles(edition) + "</office:styles>", 1
                )
                content = text.encode("utf-8")
            elif name == "meta.xml":
                content = meta.encode("utf-8")
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _marking_styles(edition: Edition) -> str:
    """Return a text style for each level's marking chip (ast.style_markings), drawn as
    the pages draw it: bold, in the level's colour, on black. pandoc names the styles
    each chip takes; their look comes from here."""
    return "".join(
        f'<style:style style:name="{escape(MARKING_STYLE.format(label=level.label), quote=True)}" '
        'style:family="text"><style:text-properties fo:font-weight="bold" '
        f'fo:color="{escape(level.colour, quote=True)}" fo:background-color="#000000" '
        'fo:font-size="8.5pt" /></style:style>'
        for level in edition.scheme.levels
    )
