"""briefwright: policy briefs for several audiences, as PDF, DOCX and HTML."""

from __future__ import annotations

__version__ = "0.1.0"
