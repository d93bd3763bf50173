"""Math on paper: the MathML pandoc writes, drawn as SVG for the print page.

Browsers show pandoc's MathML themselves, and pandoc writes Word's own
equations into the DOCX; WeasyPrint draws no MathML. For the print page each
``<math>`` element becomes an SVG image drawn by ziamath (pure Python, its own
STIX Two Math font, the glyphs as paths, nothing fetched), sitting on the
text's baseline, with the TeX the author wrote as its description.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from functools import lru_cache

log = logging.getLogger(__name__)

SIZE = 14  # px: the print page's body text (10.5 pt)
_MATH = re.compile(r"<math\b[^>]*>.*?</math>", re.S)
_TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
_ANNOTATIONS = re.compile(r"<annotation\b.*?</annotation>|</?semantics>", re.S)
_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')


def to_svg(body: str) -> str:
    """Return pandoc's HTML with each MathML element replaced by an SVG image of it."""
    if "<math" not in body:
        return body
    return _MATH.sub(lambda found: _image(found[0]), body)


@lru_cache(maxsize=512)
def _image(mathml: str) -> str:
    tex = html.unescape(found[1]) if (found := _TEX.search(mathml)) else "a formula"
    block = 'display="block"' in mathml.split(">", 1)[0]
    try:
        import ziamath  # noqa: PLC0415 - only pages with math pay for loading it

        svg = ziamath.Math(_ANNOTATIONS.sub("", mathml), size=SIZE).svg()
    except Exception:  # a construct ziamath cannot draw: WeasyPrint shows the text of it
        log.warning("math that cannot be drawn for print is shown as text: %s", tex[:80])
        return mathml
    box = _VIEWBOX.search(svg)
    below = float(box[2]) + float(box[4]) if box else 0.0  # how far it reaches below the line
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    image = (
        f'<img class="math" alt="{html.escape(tex, quote=True)}" role="math" '
        f'style="vertical-align: {-below:.2f}px" src="data:image/svg+xml;base64,{data}">'
    )
    return f'<span class="math-display">{image}</span>' if block else image
