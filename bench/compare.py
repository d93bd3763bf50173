"""Time two versions of briefwright side by side, in one run, on the same projects.

Run with ``make bench-quick`` (the sample only) or ``make bench-compare``
(``python bench/compare.py --help``). Each version's ``src/`` is taken from
git (``--base``, default the commit this branch left ``main`` at; ``--head``,
default the working tree) and run with this environment's Python and
libraries, so that only briefwright's code differs. For each project (the
sample, and ``--sizes`` briefs generated as ``bench/run.py`` does) it times,
turn about, base then head in every round:

  cold    brief build with build/ removed, default -j (one worker per core)
  cold-j1 the same with -j 1, everything in one process
  no-op   brief build again, nothing changed
  cpu     the processor time (user and system) of the cold build's whole process
          tree, workers included, read from /proc while it runs: what the work
          cost, much less sensitive to a busy machine than wall time (PDF
          workers run at a lower priority, so other users' work delays them)
  cpu-j1  the same for the -j 1 build

and reports the best of ``--runs`` rounds (or the median, ``--stat median``;
always the median for processor time)
and head / base: below 1× the head is faster. Timings on a shared machine are
noisy, and a busy machine only ever adds time: the best of several rounds,
measured side by side, is what to read.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from run import REPO, PeakMemory, generate


class TreeTime(PeakMemory):
    """Poll the peak memory of a process tree, and the processor time of each process in it."""

    def __init__(self, pid: int) -> None:
        self.ticks: dict[tuple[int, str], int] = {}
        super().__init__(pid)

    def _poll(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    continue
                # utime and stime, keyed by pid and start time, which a reused pid differs in
                self.ticks[(pid, stat[19])] = int(stat[11]) + int(stat[12])
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def seconds(self) -> float:
        """Return the processor time seen, in seconds."""
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")


MAIN = "from briefwright.cli import main; main()"
MEASURES = {"cold": ["-q", "build"], "cold-j1": ["-q", "build", "-j", "1"], "noop": None}
EXTRA = ["cpu", "cpu-j1", "peak"]


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, check=True).stdout


def export(ref: str | None, into: Path, folders: tuple[str, ...] = ("src",)) -> Path:
    """Return a folder holding ``folders`` of ``ref`` (None: the working tree)."""
    if ref is None:
        return REPO
    with tarfile.open(fileobj=BytesIO(git("archive", ref, *folders))) as archive:
        # A tree from this repository's own history: the "data" filter, where Python has it.
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(into, **kwargs)  # type: ignore[arg-type]
    if "src" in folders:
        compileall.compile_dir(into / "src", quiet=1)  # as an installed package has it
    return into


def timed(src: Path, root: Path, args: list[str]) -> tuple[float, int, float]:
    """Run briefwright from ``src`` on ``root``; return wall seconds, peak memory, CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    tree = TreeTime(process.pid)
    _, err = process.communicate()
    peak = tree.stop()
    took = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{src}: brief {' '.join(args)} failed:\n{err.decode()}")
    return took, peak, tree.seconds()


def measure(versions: dict[str, Path], root: Path, runs: int) -> dict[str, dict[str, list[float]]]:
    """Time every measure of every version, turn about; return the seconds of each run."""
    seconds: dict[str, dict[str, list[float]]] = {
        name: {m: [] for m in [*MEASURES, *EXTRA]} for name in versions
    }
    for _ in range(runs):
        for name, src in versions.items():
            for measure_name, args in MEASURES.items():
                if args is not None:
                    shutil.rmtree(root / "build", ignore_errors=True)
                    took, peak, cpu = timed(src, root, args)
                    if measure_name == "cold":
                        seconds[name]["peak"].append(peak / 2**20)
                        seconds[name]["cpu"].append(cpu)
                    else:
                        seconds[name]["cpu-j1"].append(cpu)
                else:  # after cold-j1: everything is built
                    took, _, _ = timed(src, root, ["-q", "build"])
                seconds[name][measure_name].append(took)
    return seconds


def report(label: str, seconds: dict[str, dict[str, list[float]]], stat: str) -> list[str]:
    base, head = (seconds[n] for n in ("base", "head"))
    pick = min if stat == "min" else statistics.median
    lines = [f"| {label} | base | head | head / base |", "| --- | ---: | ---: | ---: |"]
    for name in [*MEASURES, *EXTRA]:
        # Processor time is read by polling, which can miss a process, never add one.
        stat = statistics.median if name.startswith("cpu") else pick
        b, h = stat(base[name]), stat(head[name])
        shown = [f"{v:.0f} MB" if name == "peak" else f"{v:.2f} s" for v in (b, h)]
        lines.append(f"| {name} | {shown[0]} | {shown[1]} | {h / b:.2f}× |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="git ref of the version to compare against")
    parser.add_argument("--head", help="git ref of the version measured (default: working tree)")
    parser.add_argument(
        "--sample",
        help="git ref whose briefs/ and sources/ the projects are made from (default: the "
        "working tree's); an older one times both versions on work the older can do",
    )
    parser.add_argument("--sizes", default="1,10", help="numbers of briefs (default 1,10)")
    parser.add_argument("--runs", type=int, default=5, help="rounds (default 5)")
    parser.add_argument(
        "--stat", choices=["min", "median"], default="min", help="which round to report"
    )
    parser.add_argument("--out", type=Path, help="also write the tables to this file")
    args = parser.parse_args()
    base = args.base or git("merge-base", "HEAD", "main").decode().strip()
    names = {"base": base, "head": args.head or "working tree"}
    lines = [
        f"base: {names['base']}; head: {names['head']}; sample: {args.sample or 'working tree'}; "
        f"{os.cpu_count()} cores; {'best' if args.stat == 'min' else 'median'} of "
        f"{args.runs} rounds, turn about; load average {os.getloadavg()[0]:.1f} at the start.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="briefwright-compare-") as scratch:
        work = Path(scratch)
        versions = {
            "base": export(base, work / "base") / "src",
            "head": export(args.head, work / "head") / "src",
        }
        sample = export(args.sample, work / "sample", ("briefs", "sources"))
        for size in (int(s) for s in args.sizes.split(",")):
            root = work / f"project-{size}"
            generate(root, size, sample)
            label = "sample (3 editions)" if size == 1 else f"{size} briefs ({3 * size} editions)"
            print(f"{label}: {args.runs} rounds", flush=True)
            lines += [*report(label, measure(versions, root, args.runs), args.stat), ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
