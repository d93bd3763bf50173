"""Generate the OpenDocument reference document that gives every ODT output its styles.

Run ``make reference-odt`` (or ``python -m briefwright.reference_odt OUT``)
after changing this file. It starts from pandoc's own reference document, so
every style pandoc writes exists, then adds what the DOCX reference has: the
fonts and colours, A4 pages, the paragraph styles the layouts name
(``custom-style``), and a header and footer whose marking placeholder the
render stage fills in for each edition (render/odt.py).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from .render import pandoc
from .render.docx import COLOUR_PLACEHOLDER, FOOTER_PLACEHOLDER, MARKING_PLACEHOLDER
from .render.edition import CONTENTS_STYLE

ACCENT = "#1F3A5F"
MUTED = "#555555"
SERIF = "Cambria"
SANS = "Calibri"

FONTS = f"""
<style:font-face style:name="{SERIF}" svg:font-family="{SERIF}" style:font-family-generic="roman"/>
<style:font-face style:name="{SANS}" svg:font-family="{SANS}" style:font-family-generic="swiss"/>
"""

_SERIF = f'style:font-name="{SERIF}"'
# The full brief's measure: 11 pt on 134 mm, about 75 characters a line (Cambria, or Caladea).
_TEXT_WIDTH = "134mm"
_SANS = f'style:font-name="{SANS}"'

STYLES = f"""
<style:default-style style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0.08in"/>
  <style:text-properties {_SERIF} fo:font-size="11pt" fo:language="en" fo:country="GB"/>
</style:default-style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading">
  <style:paragraph-properties fo:margin-top="0in" fo:margin-bottom="0.05in"/>
  <style:text-properties {_SANS} fo:font-size="24pt" fo:font-weight="bold" fo:color="{ACCENT}"/>
</style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Heading">
  <style:text-properties {_SERIF} fo:font-size="13pt" fo:color="{MUTED}"/>
</style:style>
<style:style style:name="Block Text" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:background-color="#EEF2F7" fo:padding="0.06in"
    fo:border-left="2.5pt solid {ACCENT}" fo:margin-top="0.06in" fo:margin-bottom="0.1in"/>
</style:style>
<style:style style:name="Passage" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:padding-left="0.1in" fo:border-left="2.5pt solid #000000"
    style:join-border="false"/>
</style:style>
<style:style style:name="Audience Passage" style:family="paragraph"
  style:parent-style-name="Standard">
  <style:paragraph-properties fo:padding-left="0.1in" fo:border-left="1pt dashed {ACCENT}"
    fo:background-color="#F3F6FA" style:join-border="false"/>
</style:style>
<style:style style:name="Passage Label" style:family="paragraph"
  style:parent-style-name="Standard">
  <style:paragraph-properties fo:padding-left="0.1in" fo:border-left="2.5pt solid #000000"
    fo:border-top="0.5pt solid #000000" fo:margin-top="0.1in" fo:margin-bottom="0.02in"
    fo:keep-with-next="always" style:join-border="false"/>
  <style:text-properties {_SANS} fo:font-size="8.5pt" fo:font-weight="bold"/>
</style:style>
<style:style style:name="Section Marking" style:family="paragraph"
  style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-bottom="0.02in" fo:keep-with-next="always"/>
  <style:text-properties {_SANS} fo:font-size="8pt" fo:font-weight="bold"/>
</style:style>
<style:style style:name="{CONTENTS_STYLE}" style:family="paragraph"
  style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-bottom="0.03in" fo:padding-bottom="0.03in"
    fo:border-bottom="0.5pt solid #DDE1E7">
    <style:tab-stops>
      <style:tab-stop style:position="{_TEXT_WIDTH}" style:type="right" style:leader-style="dotted"
        style:leader-text="."/>
    </style:tab-stops>
  </style:paragraph-properties>
  <style:text-properties {_SANS}/>
</style:style>
<style:style style:name="Marking" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="end" fo:margin-bottom="0in"/>
</style:style>
<style:style style:name="Marking Label" style:family="text">
  <style:text-properties {_SANS} fo:font-size="12pt" fo:font-weight="bold"
    fo:color="#{COLOUR_PLACEHOLDER}" fo:background-color="#000000"/>
</style:style>
<style:style style:name="Page Number" style:family="paragraph" style:parent-style-name="Standard">
  <style:text-properties {_SANS} fo:font-size="8.5pt" fo:color="{MUTED}"/>
</style:style>
"""

_HEADINGS = "".join(
    f'<style:style style:name="Heading_20_{level}" style:display-name="Heading {level}" '
    f'style:family="paragraph" style:parent-style-name="Heading" '
    f'style:default-outline-level="{level}">'
    f'<style:text-properties {_SANS} fo:font-size="{size}pt" fo:font-weight="bold" '
    f'fo:color="{ACCENT}"/></style:style>'
    for level, size in ((1, 15), (2, 12.5), (3, 11), (4, 10.5), (5, 10.5), (6, 10.5))
)

_LABEL = f'<text:span text:style-name="Marking Label"> {MARKING_PLACEHOLDER} </text:span>'
MASTER = f"""<style:master-page style:name="Standard" style:page-layout-name="Mpm1">
<style:header><text:p text:style-name="Marking">{_LABEL}</text:p></style:header>
<style:footer><text:p text:style-name="Marking">{_LABEL}</text:p>
<text:p text:style-name="Page Number">Page <text:page-number text:select-page="current">1\
</text:page-number> of <text:page-count>1</text:page-count> · {FOOTER_PLACEHOLDER}</text:p>\
</style:footer>
</style:master-page>"""

PAGE = (
    'fo:page-width="210mm" fo:page-height="297mm" style:num-format="1" '
    'style:print-orientation="portrait" fo:margin-top="15mm" fo:margin-bottom="15mm" '
    'fo:margin-left="38mm" fo:margin-right="38mm"'
)


def _styles(xml: str, compact: bool = False) -> str:
    """Return pandoc's styles.xml with briefwright's styles, page and header and footer
    (``compact``: a smaller body and narrower margins, for the short products)."""
    styles, page = STYLES, PAGE
    if compact:
        body = 'fo:font-size="11pt" fo:language'
        assert body in styles
        styles = styles.replace(body, 'fo:font-size="10pt" fo:language', 1)
        styles = styles.replace(f'"{_TEXT_WIDTH}"', '"178mm"', 1)
        page = page.replace('"38mm"', '"16mm"')
    xml = xml.replace("<office:font-face-decls>", "<office:font-face-decls>" + FONTS, 1)
    # pandoc's own paragraph default (Times New Roman, 12 pt, en-US) would follow ours
    # and win: it goes.
    start = xml.index('<style:default-style style:family="paragraph">')
    xml = xml[:start] + xml[xml.index("</style:default-style>", start) + 22 :]
    for name in ("Title", "Subtitle") + tuple(f"Heading_20_{n}" for n in range(1, 7)):
        start = xml.find(f'<style:style style:name="{name}"')
        if start >= 0:
            xml = xml[:start] + xml[xml.index("</style:style>", start) + 14 :]
    xml = xml.replace("<office:styles>", "<office:styles>" + styles + _HEADINGS, 1)
    start = xml.index("<style:page-layout-properties ") + len("<style:page-layout-properties ")
    end = xml.index(' style:writing-mode="lr-tb"', start)
    xml = xml[:start] + page + xml[end:]
    xml = xml.replace(
        "<style:header-style />",
        '<style:header-style><style:header-footer-properties fo:min-height="0in" '
        'fo:margin-bottom="4mm"/></style:header-style>',
        1,
    )
    start = xml.index("<style:master-page ")
    end = xml.index("</style:master-page>") + len("</style:master-page>")
    return xml[:start] + MASTER + xml[end:]


def build(out: Path, compact: bool = False) -> None:
    """Write the reference document to ``out`` (``compact``: see :func:`_styles`)."""
    data = subprocess.run(
        [pandoc.binary(), "--print-default-data-file", "reference.odt"],
        capture_output=True,
        check=True,
    ).stdout
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():  # mimetype first and stored, as ODF requires
            content = source.read(info.filename)
            if info.filename == "styles.xml":
                content = _styles(content.decode("utf-8"), compact).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = (
                zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            )
            target.writestr(entry, content)
    out.write_bytes(buffer.getvalue())


if __name__ == "__main__":
    build(Path(sys.argv[1]), "--compact" in sys.argv[2:])
