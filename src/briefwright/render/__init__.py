"""Render stage: one parse by pandoc, then HTML, DOCX and PDF from that parse."""
