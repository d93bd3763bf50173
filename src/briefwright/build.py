"""The pipeline end to end: plan every edition, render those out of date, write them.

Planning (load and select) finishes, and reports every problem, before any
output is written. Editions render in worker processes when ``jobs`` > 1;
the main process writes them, so the files on disk do not depend on ``jobs``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import layouts, write
from .assemble import Assembled, assemble, context
from .errors import BriefError, BuildError
from .models import Edition, Project
from .roots import output_dir
from .select import bar
from .stamp import tool_versions

log = logging.getLogger(__name__)

Progress = Callable[[str, "EditionResult | None", Edition], None]


@dataclass
class OutputInfo:
    path: Path
    format: str
    size: int
    pages: int | None


@dataclass
class EditionResult:
    edition: Edition
    status: str  # "built", "up to date" or "failed"
    outputs: list[OutputInfo] = field(default_factory=list)
    error: str | None = None
    fingerprint: str | None = None  # of what was built, or found up to date
    inputs: dict[str, str] = field(default_factory=dict)  # the hash of each file it read


def holds(result: EditionResult) -> bool:
    """Whether the edition's folder holds, now, exactly the outputs of ``result``."""
    return (
        result.fingerprint is not None
        and _up_to_date(result.edition, result.fingerprint) is not None
    )


CODE_SUFFIXES = {".py", ".lua"}  # the pandoc requests are served by a Lua script


@cache
def code_digest(package: Path = Path(__file__).parent) -> str:
    """Hash briefwright's own code, so that a changed program never reuses old outputs."""
    digest = hashlib.sha256()
    code = [p for p in package.rglob("*") if p.suffix in CODE_SUFFIXES and p.is_file()]
    for path in sorted(code):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def edition_dir(edition: Edition) -> Path:
    folder = output_dir(edition.root) / edition.brief.id / edition.audience.name
    # A rough page lives apart, where nothing that releases or mails an edition looks.
    return folder / "rough" if edition.rough else folder


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def fingerprint(edition: Edition, assembled: Assembled) -> tuple[str, dict[str, str]]:
    """Return a hash of everything the edition's outputs depend on, and every input's hash.

    By construction: templates see only their context, which is plain data,
    and the text only through the trees the layout's slots hold; both are
    hashed whole, with every file of the layout, the files the edition reads
    (images, bibliography, style) and the tools. Sections count by what the
    edition receives of them, so an edit to a passage one audience never gets
    does not rebuild that audience's edition.
    """
    root = edition.root
    files = [*edition.inputs, *layouts.layout_files(root, edition.audience.layout)]
    inputs = {_rel(p, root): write.sha256(p.read_bytes()) for p in dict.fromkeys(files)}
    # Counted otherwise: definitions by the context, sections by the trees received.
    definitions = {edition.brief.path, root / "briefs" / "audiences.yaml"}
    definitions |= {s.path for s in edition.sections}
    state = {
        "text": assembled.digest(),
        "context": context(edition),
        "inputs": {_rel(p, root): inputs[_rel(p, root)] for p in files if p not in definitions},
        "marking": dataclasses.asdict(edition.marking),
        "scheme": [dataclasses.asdict(level) for level in edition.scheme.levels],
        "tools": tool_versions(),
        "code": code_digest(),
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()
    return digest, inputs


def _up_to_date(edition: Edition, digest: str) -> list[OutputInfo] | None:
    """Return the edition's outputs if its folder holds exactly them, as last built."""
    folder = edition_dir(edition)
    manifest = write.read_manifest(folder)
    if not manifest or manifest.get("fingerprint") != digest:
        return None
    outputs = manifest.get("outputs", {})
    present = set(write.edition_files(folder)) - {write.MANIFEST, f"{edition.name}.eml"}
    present -= set(redline_outputs(manifest))  # written after the edition, beside it
    if not isinstance(outputs, dict) or present != set(outputs):
        return None  # a file the last build did not write, or one it wrote is gone
    sizes: dict[str, int] = {}
    for name, entry in outputs.items():  # the formats, and the edition's Markdown beside them
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return None
        if not isinstance(entry, dict) or write.sha256(data) != entry.get("sha256"):
            return None
        sizes[name] = len(data)
    infos = []
    for fmt in edition.audience.formats:
        name = f"{edition.name}.{fmt}"
        if name not in sizes:
            return None
        infos.append(OutputInfo(folder / name, fmt, sizes[name], outputs[name].get("pages")))
    return infos


def redline_outputs(manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the redline files the manifest records beside the edition (see redlines.py)."""
    redline = manifest.get("redline")
    outputs = redline.get("outputs") if isinstance(redline, dict) else None
    return outputs if isinstance(outputs, dict) else {}


def current(edition: Edition) -> bool:
    """Whether the edition's folder holds its outputs as built from the current sources."""
    digest, _ = fingerprint(edition, assemble(edition))
    return _up_to_date(edition, digest) is not None


def _refresh_inputs(edition: Edition, inputs: dict[str, str]) -> None:
    """Record new input hashes of an up-to-date edition (an edit that changed nothing it gets)."""
    folder = edition_dir(edition)
    manifest = write.read_manifest(folder)
    if manifest is not None and manifest.get("inputs") != inputs:
        manifest["inputs"] = inputs
        write.write_edition(folder, {}, manifest, replace=False)


def _attempt(step: Callable[..., Any], *args: Any) -> tuple[Any, str | None]:
    """Run one rendering step; a fault in the content becomes this edition's failure."""
    try:
        return step(*args), None
    except BriefError as exc:
        return None, exc.format_message()
    except BrokenExecutor as exc:  # a PDF worker died (killed, out of memory)
        return None, f"a PDF worker stopped: {exc}"


def _store(
    edition: Edition, rendered: Any, digest: str, inputs: dict[str, str]
) -> list[OutputInfo]:
    folder = edition_dir(edition)
    files = {f"{edition.name}.{fmt}": data for fmt, data in rendered.outputs.items()}
    files[f"{edition.name}.md"] = rendered.markdown.encode("utf-8")
    outputs = {
        name: {
            "sha256": write.sha256(data),
            "bytes": len(data),
            **({"pages": rendered.pages} if name.endswith(".pdf") else {}),
        }
        for name, data in sorted(files.items())
    }
    manifest = {
        "brief": edition.brief.id,
        "audience": edition.audience.name,
        "title": edition.brief.title,
        "date": edition.brief.date.isoformat(),
        "layout": edition.audience.layout,
        "marking": edition.marking.label,
        "clearance": edition.audience.clearance,
        "sections": [s.id for s in edition.sections],
        "withheld_sections": len(edition.withheld),
        "withheld_passages": edition.withheld_passages,
        "pages": rendered.pages,
        "inputs": inputs,
        "outputs": outputs,
        "tools": tool_versions(),
        "fingerprint": digest,
        **({"rough": True} if edition.rough else {}),
    }
    write.write_edition(folder, files, manifest)
    return [
        OutputInfo(
            folder / f"{edition.name}.{fmt}",
            fmt,
            len(rendered.outputs[fmt]),
            rendered.pages if fmt == "pdf" else None,
        )
        for fmt in edition.audience.formats
        if fmt in rendered.outputs
    ]


def build(
    editions: list[Edition],
    jobs: int = 1,
    force: bool = False,
    progress: Progress | None = None,
) -> list[EditionResult]:
    """Build every edition that is out of date; return one result per edition, in order."""
    notify = progress or (lambda *_: None)
    results: dict[int, EditionResult] = {}
    todo: list[Job] = []
    for index, edition in enumerate(editions):
        assembled = assemble(edition)
        digest, inputs = fingerprint(edition, assembled)
        current = None if force else _up_to_date(edition, digest)
        if current is not None:
            _refresh_inputs(edition, inputs)
            results[index] = EditionResult(
                edition, "up to date", current, fingerprint=digest, inputs=inputs
            )
            notify("done", results[index], edition)
        else:
            todo.append((index, edition, assembled, digest, inputs))

    def finish(
        index: int,
        edition: Edition,
        rendered: Any,
        error: str | None,
        digest: str,
        inputs: dict[str, str],
    ) -> None:
        if error is None:
            try:
                stored = _store(edition, rendered, digest, inputs)
            except OSError as exc:
                folder = edition_dir(edition).relative_to(edition.root)
                error = f"cannot write {folder}/: {exc.strerror or exc} (check the folder and disk)"
            else:
                results[index] = EditionResult(
                    edition, "built", stored, fingerprint=digest, inputs=inputs
                )
        if error is not None:
            results[index] = EditionResult(edition, "failed", error=error)
        notify("done", results[index], edition)

    # Longest first, so that no worker is left with a big edition at the end.
    todo.sort(key=lambda item: item[2].size(), reverse=True)
    # With more than one job even a single edition is laid out by a PDF worker: pandoc
    # runs here while WeasyPrint loads there (or is loaded already, in a cold build).
    if jobs > 1 and todo:
        _build_in_parallel(todo, min(jobs, len(todo)), notify, finish)
    elif todo:
        from .render.edition import render  # heavy: pandoc and WeasyPrint load on first use

        for index, edition, assembled, digest, inputs in todo:
            notify("start", None, edition)
            rendered, error = _attempt(render, edition, assembled)
            finish(index, edition, rendered, error, digest, inputs)
    return [results[i] for i in range(len(editions))]


Job = tuple[int, Edition, Assembled, str, dict[str, str]]


def _build_in_parallel(
    todo: list[Job], workers: int, notify: Progress, finish: Callable[..., None]
) -> None:
    """Render editions with pandoc in threads here and WeasyPrint in worker processes.

    A thread runs one edition's pandoc calls, hands its print page to a PDF
    worker and moves on to the next edition without waiting; the edition is
    finished when its PDF comes back. At most a few editions per worker are
    in flight, which bounds the memory that waiting outputs take.
    """
    in_flight = 3 * workers
    queue = list(reversed(todo))
    from .render import edition as render_edition
    from .render import pdf, pdf_pool

    # pandoc and the Python around it cost a fraction of a PDF's layout: one
    # thread feeds two PDF workers, and fewer processes share the cores at the start.
    # Without PDFs, pandoc is all the work, and no WeasyPrint starts.
    pdfs = any(render_edition.lays_out_pdf(job[1]) for job in todo)
    threads_wanted = max(1, workers // 2) if pdfs else workers
    pool = pdf_pool.pool(workers) if pdfs else contextlib.nullcontext()
    with pool as processes, ThreadPoolExecutor(threads_wanted) as threads:

        def submit_pdf(*job: Any) -> Any:
            assert processes is not None  # only editions that lay out a PDF submit one
            return processes.submit(pdf.render, *job)

        # Each edition waits on one future: its beginning (tree, HTML, the PDF started),
        # its finish (the other formats), then its PDF. Every edition in flight begins
        # before any finishes, so that the PDF workers, which take longest, start soonest.
        waiting: dict[Future[Any], tuple[Job, str, Any]] = {}

        def start_more() -> None:
            while queue and len(waiting) < in_flight:
                job = queue.pop()
                notify("start", None, job[1])
                future = threads.submit(_attempt, render_edition.begin, job[1], job[2], submit_pdf)
                waiting[future] = (job, "begin", None)

        try:
            start_more()
            while waiting:
                done, _ = wait(waiting, return_when=FIRST_COMPLETED)
                for future in done:
                    job, stage, rendered = waiting.pop(future)
                    index, edition, _, digest, inputs = job
                    if stage == "begin":
                        begun, error = future.result()
                        if error is None:
                            later = threads.submit(_attempt, render_edition.finish, begun)
                            waiting[later] = (job, "finish", None)
                            continue
                    elif stage == "finish":
                        rendered, error = future.result()
                        if error is None and rendered.pdf_job is not None:
                            waiting[rendered.pdf_job] = (job, "pdf", rendered)
                            continue
                    else:  # the PDF is back
                        rendered, error = _attempt(render_edition.complete, edition, rendered)
                    finish(index, edition, rendered, error, digest, inputs)
                start_more()
        except BaseException:
            # Ctrl-C or a failure here: drop the queued work rather than wait for it.
            queue.clear()
            for executor in (processes, threads):
                if executor is not None:
                    executor.shutdown(wait=False, cancel_futures=True)
            raise


def prune(project: Project, editions: list[Edition], briefs: list[str] | None) -> list[Path]:
    """Remove the folders of editions that no longer exist; return those removed.

    An audience taken off a brief, or a brief deleted, leaves a folder of
    text it may no longer receive. ``briefs`` limits this to those briefs
    (None: the whole of build/). Only folders with a manifest are editions'.
    """
    base = output_dir(project.root)
    planned = {(e.brief.id, e.audience.name) for e in editions}
    removed: list[Path] = []
    for brief_folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        if brief_folder.name.startswith(".") or (briefs and brief_folder.name not in briefs):
            continue
        for folder in sorted(p for p in brief_folder.iterdir() if p.is_dir()):
            if (brief_folder.name, folder.name) in planned or not (
                folder / write.MANIFEST
            ).is_file():
                continue
            _remove_edition(folder)
            removed.append(folder)
            log.warning(
                "removed %s: the project no longer has that edition",
                folder.relative_to(project.root),
            )
        with contextlib.suppress(OSError):
            brief_folder.rmdir()  # only if nothing is left in it
    return removed


def withdraw(project: Project, briefs: list[str] | None) -> list[Path]:
    """Remove the files of every built edition that holds a section its audience may no
    longer receive at all (now marked above the clearance it was built for, or now for other
    audiences); return the folders emptied.

    Such a change can stop an edition from building (its audience may receive nothing at
    all): its old files, with the now-restricted text, must not wait beside it for someone
    to attach by hand. ``briefs`` limits this to those briefs. A passage re-marked inside a
    section is cut when the edition is built again.
    """
    base = output_dir(project.root)
    removed: list[Path] = []
    for brief in project.briefs.values():
        if briefs and brief.id not in briefs:
            continue
        collection = project.collections.get(brief.collection)
        brief_folder = base / brief.id
        if collection is None or not brief_folder.is_dir():
            continue
        for folder in sorted(p for p in brief_folder.iterdir() if p.is_dir()):
            manifest = write.read_manifest(folder)
            if manifest is None:
                continue
            clearance = project.scheme.get(str(manifest.get("clearance", "")))
            if clearance is None:
                continue
            barred = [
                (section, why)
                for section_id in manifest.get("sections", [])
                if (section := collection.sections.get(str(section_id))) is not None
                and (why := bar(section, brief, folder.name, clearance)) in WITHDRAWN
            ]
            if not barred:
                continue
            _remove_edition(folder)
            removed.append(folder)
            section, why = barred[0]
            now = (
                f"now only for {', '.join(section.audiences or ())}"
                if why == "audiences"
                else f"now marked {section.marking or brief.marking}, above the {clearance} "
                "it was built for"
            )
            log.warning(
                "withdrew %s: it held section '%s', %s; building it again writes what it may "
                "receive now",
                folder.relative_to(project.root),
                section.id,
                now,
            )
    return removed


# Why a section, once received, takes its edition's old files away (select.bar's reasons;
# a section left unmarked stops the load first).
WITHDRAWN = ("audiences", "marking")


def _remove_edition(folder: Path) -> None:
    """Remove an edition's folder: its files first, under its lock, then the rest."""
    with write.locked(folder):
        for name in write.edition_files(folder):
            (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def raise_failures(results: list[EditionResult]) -> None:
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines = [f"{r.edition.name}: {r.error}" for r in failed]
        raise BuildError(
            "\n".join(lines) + f"\n{len(failed)} edition(s) failed; "
            "their previous outputs were left as they were."
        )
