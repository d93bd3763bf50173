"""A build with nothing to do says so from its stamp; any change at all means a full build."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from briefwright import stamp

from .conftest import build_in_fresh_python, expect_error, run, section
from .test_bibliography import STYLE, with_style
from .test_incremental import EDITIONS, statuses

RAW = section(
    "What is this?",
    "An introduction that states the bottom line.",
    "Plain public text.\n\n<center>\nCentred.\n</center>\n",
    marking="TLP:CLEAR",
)


def png(red: int) -> bytes:
    """Return a one-pixel PNG of the given red."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def timeless(output: str) -> str:
    return re.sub(r"in \d+\.\d s\.", "in N s.", output)


@pytest.fixture
def built(project: Callable[..., Path]) -> Path:
    root = project({"sources/demo/intro.md": RAW})
    result = run(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert statuses(result.output) == dict.fromkeys(EDITIONS, "built")
    return root


def test_a_build_with_nothing_to_do_says_what_a_full_one_says(built: Path) -> None:
    stamped = run(built, "build")
    assert statuses(stamped.output) == dict.fromkeys(EDITIONS, "up to date")
    assert "sources/demo/intro.md:8: removed raw HTML (<center>)" in stamped.output
    assert "withheld from public: 1 section(s) (judgement)" in stamped.output
    shutil.rmtree(built / "build" / ".cache" / "stamps")
    full = run(built, "build")
    assert timeless(full.output) == timeless(stamped.output)
    assert "0 edition(s) built, 3 up to date" in full.output


def test_a_build_with_nothing_to_do_loads_nothing_of_the_project(built: Path) -> None:
    run(built, "-q", "build")  # the stamp of a quiet build, as the one below is
    loaded = build_in_fresh_python(
        built,
        after="import sys\n"
        "heavy = ('briefwright.load', 'briefwright.sources', 'jinja2', 'yaml')\n"
        "print(','.join(m for m in heavy if m in sys.modules) or 'none')\n",
    )
    assert loaded == "none"


def same_size_edit(path: Path, old: str, new: str) -> None:
    """Change a file's text, keeping its size and its modification time."""
    assert len(old) == len(new)
    times = path.stat()
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_an_edit_that_keeps_size_and_modification_time_is_seen(built: Path) -> None:
    same_size_edit(built / "sources" / "demo" / "judgement.md", "things", "THINGS")
    assert statuses(run(built, "build").output) == {
        "demo-analyst": "built",  # the one edition that receives the body
        "demo-executive": "up to date",
        "demo-public": "up to date",
    }


def test_a_file_added_to_the_sources_is_read(built: Path) -> None:
    (built / "sources" / "demo" / "Bad Name.md").write_text("---\ntitle: x\n---\n")
    expect_error(run(built, "build"), "section id 'Bad Name' is not allowed")


def test_a_file_added_to_the_layouts_is_read(built: Path) -> None:
    (built / "templates" / "one-pager").mkdir(parents=True)
    (built / "templates" / "one-pager" / "style.css").write_text(".bluf { color: navy; }\n")
    assert statuses(run(built, "build").output)["demo-executive"] == "built"


@pytest.mark.parametrize("ext", ["html", "md"])
def test_an_output_changed_in_place_is_built_again(built: Path, ext: str) -> None:
    page = built / "build" / "demo" / "public" / f"demo-public.{ext}"
    text = page.read_text()
    times = page.stat()
    page.write_text(text.replace("Plain public text.", "Plain PUBLIC text."))
    os.utime(page, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert statuses(run(built, "build").output)["demo-public"] == "built"
    assert "Plain public text." in page.read_text()


def test_a_file_an_edition_reads_outside_the_usual_folders_is_watched(
    project: Callable[..., Path],
) -> None:
    root = project(with_style(STYLE))
    only = ("-a", "analyst", "-f", "html")
    assert run(root, "build", *only).exit_code == 0
    assert statuses(run(root, "build", *only).output) == {"demo-analyst": "up to date"}
    same_size_edit(root / "styles" / "house.csl", 'class="in-text"', 'class="in-TEXT"')
    result = run(root, "build", *only)
    assert statuses(result.output) == {"demo-analyst": "built"}, result.output


def test_other_options_or_force_mean_a_full_build(built: Path) -> None:
    assert statuses(run(built, "build").output) == dict.fromkeys(EDITIONS, "up to date")
    result = run(built, "build", "-a", "public")
    assert statuses(result.output) == {"demo-public": "up to date"}
    assert "withheld from analyst" not in result.output
    assert statuses(run(built, "build", "--force").output) == dict.fromkeys(EDITIONS, "built")


def test_a_change_file_times_cannot_show_is_seen_by_its_content(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a file system whose times are seconds apart: an edit within the same second."""
    real, frozen = stamp._state_of, stamp.clock()

    def coarse(path: str, entry: os.DirEntry[str] | None = None) -> list[int]:
        state = real(path, entry)
        return [frozen, frozen, *state[2:]] if state else state

    monkeypatch.setattr(stamp, "_state_of", coarse)
    assert statuses(run(built, "build").output) == dict.fromkeys(EDITIONS, "up to date")
    assert statuses(run(built, "build").output) == dict.fromkeys(EDITIONS, "up to date")
    same_size_edit(built / "sources" / "demo" / "judgement.md", "things", "THINGS")
    assert statuses(run(built, "build").output)["demo-analyst"] == "built"


def stamped(root: Path, *args: str) -> bool:
    """Whether a build with nothing to do was told so by its stamp (as ``-v`` says)."""
    return "nothing to do" in run(root, "-v", "build", *args).output


def test_the_stamp_is_used_after_a_build_and_not_after_another(built: Path) -> None:
    assert stamped(built)
    assert not stamped(built, "-a", "public")
    assert stamped(built, "-a", "public")
    assert stamped(built)  # each build with nothing to do leaves the others' stamps good


def test_a_project_read_through_a_link_keeps_no_stamp(built: Path) -> None:
    shared = built / "shared" / "demo"
    shared.parent.mkdir()
    shutil.move(built / "sources" / "demo", shared)
    (built / "sources" / "demo").symlink_to(Path("..") / "shared" / "demo")
    result = run(built, "build")
    assert result.exit_code == 0, result.output
    assert not stamped(built)
    # An edit in place, on the far side of the link, is seen.
    same_size_edit(shared / "judgement.md", "things", "THINGS")
    assert statuses(run(built, "build").output)["demo-analyst"] == "built"


def test_a_link_at_the_top_of_the_project_keeps_no_stamp(built: Path) -> None:
    (built / "assets").symlink_to(built / "sources")
    run(built, "build")
    assert not stamped(built)


def test_a_folder_named_pycache_in_the_layouts_is_watched(built: Path) -> None:
    folder = built / "templates" / "one-pager" / "__pycache__"
    folder.mkdir(parents=True)
    (folder / "note.txt").write_text("one\n")
    run(built, "build")
    assert stamped(built)
    (folder / "note.txt").write_text("two\n")
    assert not stamped(built)


def test_an_edition_written_by_another_build_meanwhile_keeps_no_stamp(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefwright import build

    page = built / "build" / "demo" / "public" / "demo-public.html"
    real = build.prune

    def prune_and_meddle(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        page.write_text(page.read_text().replace("Plain public text.", "Old public text."))

    monkeypatch.setattr(build, "prune", prune_and_meddle)
    run(built, "build", "--force")
    monkeypatch.undo()
    assert not stamped(built)
    assert "Plain public text." in page.read_text()


def test_a_build_that_runs_past_midnight_is_stamped_for_the_day_it_began(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = iter(["2026-12-01", "2026-12-02", "2026-12-02"])
    monkeypatch.setattr(stamp, "_today", lambda: next(days))
    run(built, "build", "--force")  # begins on the 1st; its editions are dated the 2nd
    assert not stamped(built)  # on the 2nd: the stamp is the 1st's


def test_an_image_at_the_top_of_the_project_is_watched(built: Path) -> None:
    image = built / "map.png"
    image.write_bytes(png(10))
    intro = built / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("Plain public text.", "![A map](../../map.png)"))
    run(built, "build")
    assert stamped(built)
    same_size = png(20)
    times = image.stat()
    image.write_bytes(same_size)
    os.utime(image, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert not stamped(built)


def test_an_image_reached_through_a_link_keeps_no_stamp(built: Path) -> None:
    (built / "pictures" / "one").mkdir(parents=True)
    (built / "pictures" / "one" / "map.png").write_bytes(png(10))
    (built / "other").mkdir()
    (built / "other" / "current").symlink_to(built / "pictures" / "one")
    intro = built / "sources" / "demo" / "intro.md"
    text = intro.read_text().replace("Plain public text.", "![A map](../../other/current/map.png)")
    intro.write_text(text)
    assert run(built, "build").exit_code == 0
    assert not stamped(built)


def test_an_edition_folder_that_is_a_link_keeps_no_stamp(built: Path, tmp_path: Path) -> None:
    folder = built / "build" / "demo" / "public"
    shutil.move(folder, tmp_path / "public")
    folder.symlink_to(tmp_path / "public")
    run(built, "build")
    assert not stamped(built)


def test_a_quiet_build_s_stamp_is_not_said_again_aloud(built: Path) -> None:
    run(built, "-q", "build")
    assert run(built, "-q", "-v", "build").exit_code == 0
    result = run(built, "build")
    assert "withheld from public: 1 section(s) (judgement)" in result.output


def test_an_image_named_with_escapes_is_the_file_it_names(built: Path) -> None:
    image = built / "sources" / "demo" / "a map.png"
    image.write_bytes(png(10))
    intro = built / "sources" / "demo" / "intro.md"
    intro.write_text(intro.read_text().replace("Plain public text.", "![A map](a%20map.png)"))
    assert statuses(run(built, "build").output)["demo-public"] == "built"
    run(built, "build")
    image.write_bytes(png(20))
    assert statuses(run(built, "build").output)["demo-public"] == "built"


@pytest.mark.parametrize("target", ["missing/../map.png", "intro.md/../map.png"])
def test_an_image_whose_way_cannot_be_followed_is_an_error(
    project: Callable[..., Path], target: str
) -> None:
    root = project(
        {
            "sources/demo/map.png": png(10),
            "sources/demo/intro.md": section(
                "What is this?", "The bottom line.", f"![A map]({target})", marking="TLP:CLEAR"
            ),
        }
    )
    expect_error(
        run(root, "build"),
        f"sources/demo/intro.md:6: image '{target}' cannot be opened as written",
        "write the way to the file itself: map.png",
    )
