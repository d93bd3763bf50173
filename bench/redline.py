"""Time a redline against the edition it marks, side by side in one run.

Run with ``make bench-redline`` (or ``python bench/redline.py --help``). On a
copy of the sample project (its sixteen sections, released as version 1 in
``releases/`` and edited since), for one audience, it times in fresh processes:

  edition  brief build -a AUDIENCE --force      the edition, every format, from nothing
  redline  brief build -a AUDIENCE --redline    with the edition up to date: its redline
                                                 alone, every format (the old version read
                                                 back, both trees compared, written out)

Each figure is the median of --runs runs; results go to stdout and to
bench/redline.md. This is a script, not a test: timings on shared machines are
noisy, so only the ratio measured side by side is the result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BRIEF = "ukraine-security-guarantees"
BIN = Path(sys.executable).parent


def brief(root: Path, *args: str) -> float:
    """Run the brief command on ``root``; return its wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "brief"), "--root", str(root), "-q", "build", BRIEF, *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audience", default="analyst", help="default: analyst (16 sections)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work" / "redline")
    options = parser.parse_args()
    root = options.work
    if root.exists():
        shutil.rmtree(root)
    for folder in ("briefs", "sources", "releases"):
        shutil.copytree(REPO / folder, root / folder)
    audience = ["-a", options.audience, "-j", "1"]
    brief(root, *audience)  # a first build, so that neither side pays for anything once
    editions, redlines = [], []
    for _ in range(options.runs):
        editions.append(brief(root, *audience, "--force"))
        redlines.append(brief(root, *audience, "--redline"))
    manifest = json.loads(
        (root / "build" / BRIEF / options.audience / "manifest.json").read_text("utf-8")
    )
    sections = len(manifest["sections"])
    files = ", ".join(sorted(manifest["redline"]["outputs"]))
    edition, redline = statistics.median(editions), statistics.median(redlines)
    lines = [
        "# Redline benchmark",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}. Medians of {options.runs} runs, side by side in one run "
        "of `make bench-redline`.",
        "",
        "| Edition | Sections | Edition, cold | Its redline | Redline / edition |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| {BRIEF}-{options.audience} | {sections} | {edition:.2f} s | {redline:.2f} s | "
        f"{redline / edition:.2f}× |",
        "",
        f"- *Edition, cold*: `brief build {BRIEF} -a {options.audience} -j 1 --force`, PDF, DOCX "
        "and HTML, in a fresh process.",
        f"- *Its redline*: `brief build {BRIEF} -a {options.audience} -j 1 --redline` with the "
        f"edition up to date, in a fresh process: {files}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (REPO / "bench" / "redline.md").write_text(text, "utf-8")


if __name__ == "__main__":
    main()
