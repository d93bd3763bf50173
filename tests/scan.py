"""Read every kind of output back as text, for leak and injection scans."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from pypdf import PdfReader


def squash(text: str) -> str:
    """Drop white space and hyphens, so line breaks and hyphenation cannot hide a phrase."""
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def file_text(path: Path) -> str:
    """Return everything readable in one output file: text, metadata, parts, attachments."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        reader = PdfReader(path)
        parts = [page.extract_text() or "" for page in reader.pages]
        parts += [str(value) for value in (reader.metadata or {}).values()]
        for name, contents in reader.attachments.items():
            parts.append(name)
            parts.extend(c.decode("utf-8", "replace") for c in contents)
        parts.append(data.decode("latin-1"))
        return "\n".join(parts)
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8", "replace")


def folder_text(folder: Path) -> dict[Path, str]:
    """Return the readable text of every file under a folder, hidden files included."""
    return {p: file_text(p) for p in sorted(folder.rglob("*")) if p.is_file()}
