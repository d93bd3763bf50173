"""Benchmark briefwright against the by-hand way, side by side in one run.

Run with ``make bench`` (or ``python bench/run.py --help``). It generates
synthetic projects deterministically from the sample sections (1, 10 and 100
briefs, three audiences each, three formats) and, on this machine and in this
run, times:

  cold    brief build with build/ removed
  no-op   brief build again, nothing changed
  edit    brief build after editing one section
  by hand for each edition, its Markdown converted by one pandoc call per
          format: pandoc -s to HTML, pandoc to DOCX, pandoc --pdf-engine=weasyprint
          to PDF, one after another as a shell loop would

Each figure is the median of --runs runs. Results go to stdout and to
bench/results.md. This is a script, not a test: timings on shared machines are
noisy, so only ratios measured side by side are reported as results.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE_BRIEF = "ukraine-security-guarantees"
COLLECTION = "ukraine-security-guarantees"
EDITED = "paris-meeting"
BIN = Path(sys.executable).parent


def generate(root: Path, briefs: int, sample_root: Path = REPO) -> None:
    """Write a project with ``briefs`` briefs drawn deterministically from the sample.

    The sample is read from ``sample_root`` (its briefs/ and sources/): this
    repository's, or an older one's, to time two versions on the same work.
    """
    if root.exists():
        shutil.rmtree(root)
    (root / "briefs").mkdir(parents=True)
    shutil.copytree(sample_root / "sources", root / "sources")
    shutil.copy(sample_root / "briefs" / "audiences.yaml", root / "briefs" / "audiences.yaml")
    sample_path = sample_root / "briefs" / f"{SAMPLE_BRIEF}.yaml"
    sample = yaml.safe_load(sample_path.read_text())
    if briefs == 1:
        shutil.copy(sample_path, root / "briefs" / "sample.yaml")
        return
    ids = sample["sections"]
    for number in range(briefs):
        # Each brief takes 8 of the 16 sections, rotated, so one edit touches some briefs only.
        chosen = [ids[(number * 3 + step * 2) % len(ids)] for step in range(8)]
        brief = dict(sample)
        brief["title"] = f"{sample['title']} (No. {number + 1})"
        brief["sections"] = chosen
        brief["audiences"] = {"executive": {"sections": chosen[:5]}, "analyst": {}, "public": {}}
        text = yaml.safe_dump(brief, sort_keys=False, allow_unicode=True)
        (root / "briefs" / f"brief-{number + 1:03d}.yaml").write_text(text)


def affected(root: Path) -> list[Path]:
    """Return the output folders of the editions that include the edited section."""
    folders = []
    for path in sorted((root / "briefs").glob("*.yaml")):
        if path.name == "audiences.yaml":
            continue
        brief = yaml.safe_load(path.read_text())
        for name, entry in brief["audiences"].items():
            sections = (entry or {}).get("sections") or brief["sections"]
            if EDITED in sections:
                folders.append(root / "build" / path.stem / name)
    return folders


class PeakMemory:
    """Poll the resident memory of a process tree (Linux /proc) while it runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            # Each thread's children: pandoc is started from the build's threads too.
            try:
                tasks = list(Path(f"/proc/{pid}/task").iterdir())
            except OSError:  # the process ended since its parent listed it
                continue
            for task in tasks:
                try:
                    todo.extend(int(c) for c in (task / "children").read_text().split())
                except OSError:
                    continue
        return pids

    def _poll(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Run a command; return wall seconds and peak memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = PeakMemory(process.pid)
    _, err = process.communicate()
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()}")
    return time.perf_counter() - started, peak


def by_hand(root: Path, limit: int | None) -> tuple[float, int]:
    """Convert each edition's Markdown with one pandoc call per format; return time, count."""
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    bibliography = root / "sources" / COLLECTION / "references.yaml"
    sources = sorted((root / "build").glob("*/*/*.md"))
    if limit is not None:
        briefs = sorted({p.parent.parent.name for p in sources})[:limit]
        sources = [p for p in sources if p.parent.parent.name in briefs]
    out = root / "by-hand"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    common = ["--citeproc", "--bibliography", str(bibliography)]
    started = time.perf_counter()
    for source in sources:
        stem = out / source.stem
        for args in (
            ["-s", "-o", f"{stem}.html", "--metadata", f"title={source.stem}"],
            ["-o", f"{stem}.docx"],
            ["--pdf-engine=weasyprint", "-o", f"{stem}.pdf", "--metadata", f"title={source.stem}"],
        ):
            subprocess.run(
                [pandoc, str(source), *common, *args],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    return time.perf_counter() - started, len(sources)


def measure(size: int, runs: int, hand_briefs: int, work: Path) -> dict[str, float]:
    root = work / f"project-{size}"
    generate(root, size)
    brief = [str(BIN / "brief"), "-q", "build"]
    edited = root / "sources" / COLLECTION / f"{EDITED}.md"
    original = edited.read_text()
    results: dict[str, list[float]] = {
        "cold": [],
        "noop": [],
        "edit": [],
        "edit_cold": [],
        "hand": [],
        "peak": [],
    }
    touched = affected(root)
    hand_scale = 1.0
    for run in range(runs):
        shutil.rmtree(root / "build", ignore_errors=True)
        edited.write_text(original)
        seconds, peak = timed(brief, root)
        results["cold"].append(seconds)
        results["peak"].append(peak / 2**20)
        results["noop"].append(timed(brief, root)[0])
        edited.write_text(original + f"\nA sentence added in run {run + 1}.\n")
        results["edit"].append(timed(brief, root)[0])
        for folder in touched:  # the same editions again, from nothing
            shutil.rmtree(folder)
        results["edit_cold"].append(timed(brief, root)[0])
        edited.write_text(original)
        limit = None if size <= hand_briefs else hand_briefs
        seconds, editions = by_hand(root, limit)
        hand_scale = size / hand_briefs if limit else 1.0
        results["hand"].append(seconds * hand_scale)
        print(
            f"  {size} brief(s), run {run + 1}: cold {results['cold'][-1]:.2f} s, "
            f"no-op {results['noop'][-1]:.2f} s, edit {results['edit'][-1]:.2f} s, "
            f"by hand {results['hand'][-1]:.2f} s",
            flush=True,
        )
    row = {key: statistics.median(values) for key, values in results.items()}
    row["editions"] = 3 * size
    row["affected"] = len(touched)
    row["hand_scaled"] = hand_scale
    return row


def report(rows: dict[int, dict[str, float]], runs: int) -> str:
    cores = os.cpu_count()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {cores} cores, {platform.machine()}, Python {platform.python_version()}. "
        f"Medians of {runs} runs, measured side by side in one run of `make bench`.",
        "",
        "| Briefs | Editions | Cold | No-op | One-section edit (editions affected) "
        "| Those editions cold | By hand | Cold / by hand | Edit / those cold "
        "| Edit / cold share | Peak memory |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, row in rows.items():
        share = row["cold"] * row["affected"] / row["editions"]
        hand = f"{row['hand']:.1f} s" + (" *" if row["hand_scaled"] != 1 else "")
        lines.append(
            f"| {size} | {row['editions']:.0f} | {row['cold']:.2f} s | {row['noop']:.2f} s "
            f"| {row['edit']:.2f} s ({row['affected']:.0f}) | {row['edit_cold']:.2f} s | {hand} "
            f"| {row['cold'] / row['hand']:.2f}× | {row['edit'] / row['edit_cold']:.2f}× "
            f"| {row['edit'] / share:.2f}× | {row['peak']:.0f} MB |"
        )
    lines += [
        "",
        "- *Cold*: `brief build` with `build/` removed, default `-j` (one worker per core).",
        "- *No-op*: the same build again with nothing changed.",
        f"- *One-section edit*: after appending a sentence to `{EDITED}.md`. *Those editions "
        "cold*: the editions that include that section built again from nothing (their "
        "folders removed), the others up to date; *Edit / those cold* at most 1× means the "
        "edit costs no more than building those editions cold. *Edit / cold share* compares "
        "the edit with their share of the full cold build (cold × affected / editions), which "
        "spreads the fixed start-up over every edition and so favours the cold build.",
        "- *By hand*: each edition's Markdown through one pandoc call per format (`pandoc -s` to "
        "HTML, `pandoc` to DOCX, `pandoc --pdf-engine=weasyprint` to PDF), in sequence.",
        "- \\* By hand at 100 briefs is measured on the first 10 briefs and multiplied by 10: "
        "it is linear by construction, one fixed set of calls per edition.",
        "- *Peak memory*: the largest resident memory of the whole process tree during a cold "
        "build. It includes the pandoc that stays running for the build (about 190 MB "
        "resident, half of it pandoc's executable mapped from disk).",
    ]
    if len(rows) > 1:
        sizes = sorted(rows)
        per = [rows[s]["cold"] / rows[s]["editions"] for s in sizes]
        lines.append(
            "- Seconds per edition, cold: "
            + ", ".join(f"{s} brief(s) {p:.2f} s" for s, p in zip(sizes, per, strict=True))
            + " (flat means time grows linearly with the number of editions)."
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="numbers of briefs (default 1,10,100)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; medians are reported")
    parser.add_argument(
        "--hand-briefs",
        type=int,
        default=10,
        help="measure by hand on at most this many briefs and scale up",
    )
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.md")
    args = parser.parse_args()
    rows = {}
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{size} brief(s):", flush=True)
            rows[size] = measure(size, args.runs, args.hand_briefs, args.work)
            # Written after each size: a run stopped half way keeps what it measured.
            keep_report(args.out, report(rows, args.runs))
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print(report(rows, args.runs))


def keep_report(out: Path, text: str) -> None:
    """Write the measured table at the top of ``out``, keeping the sections after it
    (from its first "## " heading: comparisons and analyses written by hand)."""
    try:
        old = out.read_text()
    except FileNotFoundError:
        old = ""
    kept = old[old.index("\n## ") :] if "\n## " in old else ""
    out.write_text(text + kept)


if __name__ == "__main__":
    main()
