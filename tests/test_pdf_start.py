"""How PDF workers start."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import fresh_python


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
