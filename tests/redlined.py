"""Reading redlines back: accept or reject every change, in a tree, a DOCX or an HTML page."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from briefwright import redline, tree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


# --- trees -------------------------------------------------------------------------------


def settle(blocks: list[Any], keep: str) -> list[Any]:
    """Return blocks with every change accepted (``keep`` insertion) or rejected (deletion)."""
    drop = redline.DELETION if keep == redline.INSERTION else redline.INSERTION
    out = copy.deepcopy(blocks)

    def walk(items: list[Any]) -> list[Any]:
        result: list[Any] = []
        for item in items:
            if isinstance(item, dict) and item.get("t") == "Span":
                kinds = set(item["c"][0][1])
                if drop in kinds:
                    continue
                if keep in kinds:
                    result.extend(item["c"][1])
                    continue
            result.append(item)
        return result

    for _ in range(3):  # unwrapping can reveal nested changes (inside notes)
        tree.filter_lists(out, walk)
    return out


def words(blocks: list[Any]) -> list[str]:
    return tree.stringify(blocks, notes=True).split()


# --- Word ---------------------------------------------------------------------------------


def docx_xml(path: Path, part: str = "word/document.xml") -> Any:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(part))


def tracked(path: Path, kind: str) -> list[str]:
    """Return the text of each w:ins or w:del (``kind``) of a DOCX's body, in order."""
    root = docx_xml(path)
    tag = "t" if kind == "ins" else "delText"
    return [
        "".join(el.itertext())
        for el in root.iter(f"{{{W}}}{kind}")
        if el.find(f".//w:{tag}", NS) is not None
    ]


def settle_docx(path: Path, keep: str) -> list[str]:
    """Return the paragraphs' text after accepting (``keep`` 'ins') or rejecting every change.

    As Word does: the changes of the other kind go, with any paragraph whose
    mark they hold, and the text of the kept ones stays.
    """
    drop = "del" if keep == "ins" else "ins"
    root = docx_xml(path)
    paragraphs = []
    for p in root.iter(f"{{{W}}}p"):
        mark = p.find("w:pPr/w:rPr/w:" + drop, NS)
        texts = []
        for node in p.iter(f"{{{W}}}t", f"{{{W}}}delText"):
            inside = {
                a.tag.split("}")[1]
                for a in node.iterancestors()
                if a.tag in (f"{{{W}}}ins", f"{{{W}}}del")
            }
            if drop in inside:
                continue
            texts.append(node.text or "")
        text = "".join(texts)
        if mark is not None and not text.strip():
            continue  # its mark went with the change: the paragraph is gone
        paragraphs.append(text)
    return paragraphs


def libreoffice(path: Path, mode: str, out: Path) -> list[str] | None:
    """Accept or reject every change in LibreOffice, headless; None where it cannot run."""
    python = Path("/usr/bin/python3")
    soffice = shutil.which("soffice")
    if soffice is None or not python.is_file():
        return None
    check = subprocess.run([python, "-c", "import uno"], capture_output=True)
    if check.returncode:
        return None
    script = Path(__file__).with_name("lo_changes.py")
    profile = out.parent / "lo-profile"
    done = subprocess.run(
        [python, script, str(path), mode, str(out), profile.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(out.parent)},
    )
    assert done.returncode == 0, done.stderr
    return [line for line in out.read_text("utf-8-sig").splitlines() if line.strip()]


# --- HTML --------------------------------------------------------------------------------


def html_text(page: str, drop: str) -> str:
    """Return the words of a redline page's body without its ``drop`` elements ('ins' or 'del')."""
    body = page.split('<div class="brief-body">', 1)[1]
    body = re.sub(r'(?s)<div id="redline-summary".*?</section>\s*</div>', "", body, count=1)
    body = re.sub(rf"(?s)<{drop}\b[^>]*>.*?</{drop}>", "", body)
    body = re.sub(r'(?s)<span class="rl-note">.*?</span>', "", body)
    text = re.sub(r"<[^>]+>", " ", body)
    return " ".join(text.split())


def docx_text(path: Path) -> list[str]:
    """Return the text of each paragraph of a DOCX (table cells too), in document order."""
    root = docx_xml(path)
    return ["".join(t.text or "" for t in p.iter(f"{{{W}}}t")) for p in root.iter(f"{{{W}}}p")]
