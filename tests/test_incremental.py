"""Incremental and sharded builds: rebuild exactly what changed, never crash on old state."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import build_in_fresh_python, expect_error, run

EDITIONS = {"demo-analyst", "demo-executive", "demo-public"}


def statuses(output: str) -> dict[str, str]:
    return dict(
        (name, status) for status, name in re.findall(r"^(built|up to date): (\S+)$", output, re.M)
    )


@pytest.fixture
def built(project: Callable[..., Path]) -> Path:
    root = project()
    result = run(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert statuses(result.output) == dict.fromkeys(EDITIONS, "built")
    return root


def test_nothing_changed_means_nothing_rebuilt(built: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (built / "build").rglob("*.pdf")}
    result = run(built, "build")
    assert statuses(result.output) == dict.fromkeys(EDITIONS, "up to date")
    assert {p: p.stat().st_mtime_ns for p in (built / "build").rglob("*.pdf")} == before


def test_an_edit_rebuilds_exactly_the_editions_that_include_it(built: Path) -> None:
    section = built / "sources" / "demo" / "judgement.md"  # TLP:AMBER: not in the public edition
    section.write_text(section.read_text().replace("kept from the public", "kept back"))
    result = run(built, "build")
    assert statuses(result.output) == {
        "demo-analyst": "built",
        "demo-executive": "built",
        "demo-public": "up to date",
    }
    # A body edit leaves the summaries-only edition alone too.
    section.write_text(section.read_text() + "\nOne more sentence.\n")
    assert statuses(run(built, "build").output) == {
        "demo-analyst": "built",
        "demo-executive": "up to date",
        "demo-public": "up to date",
    }


def test_a_passage_edit_rebuilds_only_the_audiences_that_receive_it(built: Path) -> None:
    section = built / "sources" / "demo" / "intro.md"
    section.write_text(section.read_text().replace("Analyst-only advice.", "New advice."))
    result = run(built, "build")
    # Executive gets summaries only; public never gets the analyst-only passage.
    assert statuses(result.output) == {
        "demo-analyst": "built",
        "demo-executive": "up to date",
        "demo-public": "up to date",
    }


def test_a_layout_change_rebuilds_the_editions_that_use_it(built: Path) -> None:
    (built / "templates" / "one-pager").mkdir(parents=True)
    (built / "templates" / "one-pager" / "style.css").write_text(".bluf { color: navy; }\n")
    result = run(built, "build")
    assert statuses(result.output)["demo-executive"] == "built"
    assert statuses(result.output)["demo-public"] == "up to date"


@pytest.mark.parametrize(
    "manifest", ["{not json", "", '{"fingerprint": "someone else"}', "[1, 2]", "\x00\x01"]
)
def test_a_corrupt_or_foreign_manifest_means_rebuild(built: Path, manifest: str) -> None:
    (built / "build" / "demo" / "public" / "manifest.json").write_text(manifest)
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    assert statuses(result.output) == {
        "demo-analyst": "up to date",
        "demo-executive": "up to date",
        "demo-public": "built",
    }


def test_a_missing_output_means_rebuild(built: Path) -> None:
    (built / "build" / "demo" / "analyst" / "demo-analyst.docx").unlink()
    assert statuses(run(built, "build").output)["demo-analyst"] == "built"


def test_force_rebuilds_everything(built: Path) -> None:
    assert statuses(run(built, "build", "--force").output) == dict.fromkeys(EDITIONS, "built")


def test_a_no_op_build_starts_neither_weasyprint_nor_pandoc(built: Path) -> None:
    loaded = build_in_fresh_python(
        built,
        after="import sys\n"
        "heavy = ('weasyprint', 'pypandoc', 'docx', 'briefwright.render.pandoc')\n"
        "print(','.join(m for m in heavy if m in sys.modules) or 'none')\n",
    )
    assert loaded == "none"


# For build_in_fresh_python: says whether the build loaded WeasyPrint in its own process.
WEASYPRINT_HERE = (
    "import sys\n"
    "print('weasyprint loaded here' if 'weasyprint' in sys.modules else 'not loaded here')\n"
)

# For build_in_fresh_python: record(owner, name, label) makes each call of
# owner.name add label (or label(*args), if callable) to `events`; the project's
# loading is recorded as 'load'.
RECORD = (
    "from briefwright import load\n"
    "events = []\n"
    "def record(owner, name, label):\n"
    "    real = getattr(owner, name)\n"
    "    def recorded(*args, **kwargs):\n"
    "        events.append(label(*args, **kwargs) if callable(label) else label)\n"
    "        return real(*args, **kwargs)\n"
    "    setattr(owner, name, recorded)\n"
    "record(load, 'load_project', 'load')\n"
)


WARMING = (
    RECORD + "from pathlib import Path\n"
    "from briefwright.render import pandoc\n"
    "record(pandoc.Server, '__init__', 'pandoc')\n"
    "def warming(self):\n"
    "    return f'warm up on {Path(self.warm_up_bibliography or \"-\").name}'\n"
    "record(pandoc.Server, 'warm_up', warming)\n"
)


def test_pandoc_warms_up_only_where_loading_asks_it_nothing(
    project: Callable[..., Path],
) -> None:
    references = "references:\n- id: nato-1949\n  type: treaty\n  title: North Atlantic Treaty\n"
    root = project({"sources/demo/references.yaml": references})
    # A cold build: pandoc starts first and reads the sections while the project
    # loads, which warms it up where the editions need it; a warm-up would only
    # hold up the readings that follow.
    cold = build_in_fresh_python(root, "-j", "1", before=WARMING, after="print(events)\n")
    assert cold == "['pandoc', 'load']"
    # Every reading kept from that build: pandoc is asked nothing while the project
    # loads, and works through the warm-up, on the project's bibliography, instead.
    kept = build_in_fresh_python(
        root, "-j", "1", "--force", before=WARMING, after="print(events)\n"
    )
    assert kept == "['pandoc', 'load', 'warm up on references.yaml']"


def test_a_cold_parallel_build_starts_the_pdf_workers_while_the_project_loads(
    project: Callable[..., Path],
) -> None:
    root = project()
    events = build_in_fresh_python(
        root,
        *("-a", "analyst", "-j", "2"),
        before=RECORD + "from briefwright.render import pdf_pool\n"
        "record(pdf_pool, 'start_server', 'fork server')\n",
        after="print(*events, sep=', ')\n" + WEASYPRINT_HERE,
    )
    # The one edition is laid out by the fork server started first, not here.
    assert events.splitlines() == ["fork server, load, fork server", "not loaded here"]
    assert (root / "build" / "demo" / "analyst" / "demo-analyst.pdf").is_file()


def test_a_cold_build_in_one_process_loads_weasyprint_while_the_project_loads(
    project: Callable[..., Path],
) -> None:
    root = project()
    events = build_in_fresh_python(
        root,
        *("-a", "analyst", "-j", "1"),
        before=RECORD + "import threading\n"
        "from briefwright.render import pdf\n"
        "record(pdf, '_weasyprint', lambda: 'WeasyPrint in ' + threading.current_thread().name)\n",
        after="print(*sorted(set(events)), sep=', ')\n",
    )
    # Loaded first by a thread of its own, then used by the build (from the cache).
    assert events == "WeasyPrint in MainThread, WeasyPrint in load-weasyprint, load"
    assert (root / "build" / "demo" / "analyst" / "demo-analyst.pdf").is_file()


def test_a_parallel_build_starts_every_pdf_before_it_writes_the_other_formats(
    project: Callable[..., Path],
) -> None:
    root = project()
    events = build_in_fresh_python(
        root,
        *("-j", "2"),
        before=RECORD + "from briefwright.render import edition\n"
        "record(edition, 'begin', 'begin')\n"
        "record(edition, 'finish', 'finish')\n",
        after="print(*events, sep=', ')\n",
    )
    # The PDF workers take longest: each edition's PDF starts before any DOCX is written.
    assert events == "load, begin, begin, begin, finish, finish, finish"
    assert len(list((root / "build" / "demo").glob("*/demo-*.pdf"))) == 3


def test_a_parallel_build_without_pdfs_starts_no_weasyprint(
    project: Callable[..., Path],
) -> None:
    root = project()
    started = build_in_fresh_python(
        root,
        *("-a", "analyst", "-a", "public", "-f", "html", "-f", "docx", "-j", "2"),
        after="import sys\n"
        "print('fork server' if 'multiprocessing.forkserver' in sys.modules else 'none')\n",
    )
    assert started == "none"
    assert sorted(p.name for p in (root / "build" / "demo" / "public").glob("demo-*")) == [
        "demo-public.docx",
        "demo-public.html",
        "demo-public.md",
    ]


def test_a_parallel_build_lays_out_pdfs_outside_the_main_process(
    project: Callable[..., Path],
) -> None:
    root = project()
    assert build_in_fresh_python(root, "-j", "2", after=WEASYPRINT_HERE) == "not loaded here"
    assert len(list((root / "build").rglob("*.pdf"))) == 3  # one per edition, all built
    # One edition to rebuild, in a build that did not start the workers early: still there.
    shutil.rmtree(root / "build" / "demo" / "public")
    assert build_in_fresh_python(root, "-j", "2", after=WEASYPRINT_HERE) == "not loaded here"
    assert (root / "build" / "demo" / "public" / "demo-public.pdf").is_file()


def test_shards_partition_the_editions(built: Path) -> None:
    shards = [statuses(run(built, "build", "--force", "--shard", f"{k}/2").output) for k in (1, 2)]
    assert set(shards[0]) | set(shards[1]) == EDITIONS
    assert not set(shards[0]) & set(shards[1])
    assert statuses(run(built, "build", "--force", "--shard", "1/2").output) == shards[0]


@pytest.mark.parametrize("value", ["3/2", "0/2", "a/b", "1"])
def test_a_bad_shard_is_a_usage_error(built: Path, value: str) -> None:
    expect_error(run(built, "build", "--shard", value), "--shard", code=2)


def test_a_changed_image_or_tag_rebuilds_the_editions_that_show_it(
    project: Callable[..., Path],
) -> None:
    from io import BytesIO

    from PIL import Image

    from .conftest import section

    def png(colour: str) -> bytes:
        data = BytesIO()
        Image.new("RGB", (8, 8), colour).save(data, "PNG")
        return data.getvalue()

    root = project(
        {
            "sources/demo/intro.md": section(
                "What is this?", "An introduction.", "![A square](dot.png)", marking="TLP:CLEAR"
            ),
            "sources/demo/dot.png": png("navy"),
        }
    )
    assert run(root, "build", "-j", "1").exit_code == 0
    (root / "sources" / "demo" / "dot.png").write_bytes(png("red"))
    assert statuses(run(root, "build").output) == {
        "demo-analyst": "built",
        "demo-executive": "up to date",  # summaries only: no image
        "demo-public": "built",
    }
    judgement = root / "sources" / "demo" / "judgement.md"
    judgement.write_text(judgement.read_text().replace("marking:", "tags: [new]\nmarking:"))
    assert statuses(run(root, "build").output) == {
        "demo-analyst": "built",
        "demo-executive": "built",
        "demo-public": "up to date",
    }


def test_a_change_to_any_of_briefwrights_code_changes_every_fingerprint(tmp_path: Path) -> None:
    from briefwright import build

    package = Path(build.__file__).parent
    copy = tmp_path / "briefwright"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = build.code_digest(copy)
    assert before == build.code_digest.__wrapped__(package)
    for changed in ("render/pandoc_server.lua", "render/pdf.py"):
        path = copy / changed
        path.write_text(path.read_text() + "\n")
        assert build.code_digest.__wrapped__(copy) != before, changed
        before = build.code_digest.__wrapped__(copy)
