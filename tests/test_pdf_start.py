"""WeasyPrint's start-up and font subsetting, without the costs it would pay unaided."""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

import pytest

from briefwright.render import pdf

from .conftest import REPO, fresh_python


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux loads sonames directly")
def test_weasyprint_starts_without_searching_for_its_libraries() -> None:
    code = (
        "import ctypes.util\n"
        "asked = []\n"
        "search = ctypes.util.find_library\n"
        "def counting(name):\n"
        "    asked.append(name)\n"
        "    return search(name)\n"
        "ctypes.util.find_library = counting\n"
        "from briefwright.render import pdf\n"
        "pdf._weasyprint()\n"
        "from weasyprint.text import ffi\n"
        "assert ffi.pango is not None and ffi.harfbuzz_subset is not None\n"
        "assert ctypes.util.find_library is counting  # given back\n"
        "print(len(asked))\n"
    )
    assert fresh_python(code) == "0"


def test_font_subsetting_parses_no_type_per_glyph_count() -> None:
    from weasyprint.text.ffi import ffi

    def sized() -> set[str]:
        return {k for k in ffi._parsed_types if re.fullmatch(r"hb_codepoint_t\[\d+\]", str(k))}

    before = sized()
    pages = []
    for text in ("Short.", "A longer line, with more glyphs: QZXJ 0123456789 & “quotes”."):
        data, count = pdf.render(f"<p>{text}</p>", pdf.font_faces(), REPO, "test")
        pages.append(count)
        assert data.startswith(b"%PDF")
    assert pages == [1, 1]
    assert sized() == before


def test_weasyprint_starts_without_the_font_tools_it_seldom_uses() -> None:
    code = (
        "import sys\n"
        "from briefwright.render import pdf\n"
        "pdf._weasyprint()\n"
        "print(sorted(m for m in pdf.DEFERRED if m in sys.modules))\n"
        "pdf.warm()  # a PDF with shipped fonts needs neither\n"
        "print(sorted(m for m in pdf.DEFERRED if m in sys.modules))\n"
        "from weasyprint.pdf import fonts\n"
        "import fontTools.subset\n"
        "print(fonts.subset.Subsetter is fontTools.subset.Subsetter)\n"
        "try:\n"
        "    fonts.instantiateVariableFont(None, {})  # imports the instancer, which refuses\n"
        "except Exception:\n"
        "    print('fontTools.varLib.instancer' in sys.modules)\n"
    )
    assert fresh_python(code).splitlines() == [
        "[]",
        "[]",
        "True",
        "True",
    ]


def test_a_stand_in_used_while_still_in_place_imports_the_real_module() -> None:
    code = (
        "import sys\n"
        "from briefwright.render import pdf\n"
        "with pdf._deferred({'colorsys': ()}):\n"
        "    import colorsys\n"
        "    print(type(colorsys).__name__, colorsys.rgb_to_hsv(1, 0, 0))\n"
        "print(type(sys.modules['colorsys']).__name__)\n"
    )
    assert fresh_python(code).splitlines() == ["_Deferred (0.0, 1.0, 1)", "module"]


def test_pdf_workers_collect_garbage_less_often_and_yield_the_cores() -> None:
    code = (
        "import gc, os\n"
        "before = gc.get_threshold()[0], os.nice(0)\n"
        "out = os.dup(1)  # the worker lets go of stdout\n"
        "import briefwright.render.pdf_worker\n"
        "after = before + (gc.get_threshold()[0], os.nice(0), gc.get_freeze_count() > 0)\n"
        "os.write(out, ' '.join(map(str, after)).encode())\n"
    )
    threshold, niceness, new_threshold, new_niceness, frozen = fresh_python(code).split()
    assert (threshold, new_threshold, frozen) == ("700", "2000", "True")
    assert int(new_niceness) == min(int(niceness) + 10, 19)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads Linux's /proc")
def test_a_pdf_worker_writes_nothing_to_the_output_it_was_given() -> None:
    code = (
        "import os, sys\n"
        "out = os.dup(1)\n"
        "import briefwright.render.pdf_worker\n"
        "print('to stdout', flush=True)\n"
        "print('to stderr', file=sys.stderr, flush=True)\n"
        "os.write(out, os.readlink('/proc/self/fd/1').encode())\n"
    )
    assert fresh_python(code) == "/dev/null"


def _deflate(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level)
    return compressor.compress(data) + compressor.flush()


def test_pdf_streams_are_compressed_at_zlibs_default_level_not_9() -> None:
    pdf._weasyprint()
    import pydyf

    content = b"".join(
        b"BT 72 %d Td (Line %d of a brief, repeated) Tj ET\n" % (i, i) for i in range(800)
    )
    assert _deflate(content, pdf.DEFLATE_LEVEL) != _deflate(content, 9)
    stream = pydyf.Stream([content], compress=True).data
    assert _deflate(content, pdf.DEFLATE_LEVEL) in stream
    assert b"/FlateDecode" in stream
