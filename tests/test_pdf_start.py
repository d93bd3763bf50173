"""How PDF workers start, and PDFs whose bytes do not depend on when they are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO, fresh_python


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


# Renders one page as a machine without libharfbuzz-subset would, with fontTools'
# subsetter (which stamps each font it writes with the time), under the
# SOURCE_DATE_EPOCH it is given; prints a digest of the PDF and whether fontTools
# did the subsetting. (Setting WeasyPrint's handle on the library is the only way
# to stand for a machine without it; the warning it logs says that it took effect.)
WITHOUT_HARFBUZZ_SUBSET = """\
import hashlib, logging, os, sys
os.environ["SOURCE_DATE_EPOCH"] = sys.argv[1]
import weasyprint.pdf.fonts
weasyprint.pdf.fonts.harfbuzz_subset = None
warned = []
class Seen(logging.Handler):
    def emit(self, record):
        warned.append("fontTools instead of HarfBuzz" in record.getMessage())
logging.getLogger("weasyprint").addHandler(Seen())
from pathlib import Path
from briefwright.render import pdf
page = (
    '<html><head><meta name="dcterms.modified" content="2026-11-29T00:00:00Z"></head>'
    '<body><p>Assurances, <b>not</b> guarantees.</p></body></html>'
)
data, pages = pdf.render(page, pdf.font_faces(), Path(sys.argv[2]), "test")
assert os.environ["SOURCE_DATE_EPOCH"] == sys.argv[1], "the environment is given back"
print(hashlib.sha256(data).hexdigest(), any(warned))
"""


def test_pdfs_do_not_depend_on_when_fonttools_subsets_their_fonts() -> None:
    def render(epoch: str) -> str:
        code = "import sys; sys.argv[1:] = " + repr([epoch, str(REPO)]) + "\n"
        return fresh_python(code + WITHOUT_HARFBUZZ_SUBSET)

    first, second = render("1000000000"), render("1700000000")
    assert first.endswith(" True"), "fontTools did not subset the fonts"
    assert first == second
