"""The preview's own page: one edition framed under a bar with its marking and switchers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from markupsafe import escape

from ..formats import FORMATS

if TYPE_CHECKING:
    from . import State

SHOWN = tuple(f.name for f in FORMATS.values() if f.preview)  # what a browser can show


def page(state: State, audience: str, fmt: str) -> str:
    """Return the preview page that frames one edition."""
    marking = state.markings.get(audience, {"label": "", "colour": "#FFFFFF"})
    tabs = "".join(
        f'<a href="/?a={a}&amp;f={fmt}" {"aria-current=page" if a == audience else ""}>{a}</a>'
        for a in state.audiences
    )
    formats = "".join(
        f'<a href="/?a={audience}&amp;f={f}" {"aria-current=page" if f == fmt else ""}>'
        f"{f.upper()}</a>"
        for f in sorted(SHOWN, key=lambda name: name != "html")
    )
    name = f"{state.brief}-{audience}.{fmt}"
    return PAGE.format(
        brief=escape(state.brief),
        tabs=tabs,
        formats=formats,
        label=escape(marking["label"]),
        colour=escape(marking["colour"]),
        src=f"/files/{audience}/{name}",
        state=json.dumps(state.snapshot()).replace("<", "\\u003c"),
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview · {brief}</title>
<style>
  html, body {{ margin: 0; height: 100%; font-family: "Source Sans Pro", Calibri, sans-serif; }}
  body {{ display: flex; flex-direction: column; background: #e9ecf1; }}
  header {{ display: flex; gap: 1.2em; align-items: center; flex-wrap: wrap;
           padding: 0.4em 1em; background: #1f3a5f; color: #fff; }}
  header strong {{ font-size: 1.05em; }}
  nav {{ display: flex; gap: 0.3em; }}
  nav a {{ color: #fff; text-decoration: none; padding: 0.2em 0.6em; border-radius: 3px; }}
  nav a[aria-current] {{ background: #fff; color: #1f3a5f; font-weight: 700; }}
  .marking {{ margin-left: auto; background: #000; font-weight: 700; padding: 0.15em 0.6em;
              letter-spacing: 0.04em; }}
  .status {{ font-size: 0.85em; opacity: 0.85; }}
  main {{ position: relative; flex: 1; }}
  iframe {{ border: 0; width: 100%; height: 100%; background: #fff; }}
  #problem {{ position: absolute; inset: 1em 1em auto 1em; padding: 1em 1.2em;
              background: #fff4f4; border: 2px solid #b00020; color: #5c0011;
              box-shadow: 0 4px 16px rgba(0,0,0,.2); white-space: pre-wrap;
              font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }}
  #problem[hidden] {{ display: none; }}
  #problem h2 {{ margin: 0 0 0.4em; font-family: "Source Sans Pro", sans-serif; }}
</style>
</head>
<body>
<header>
  <strong>{brief}</strong>
  <nav aria-label="Audience">{tabs}</nav>
  <nav aria-label="Format">{formats}</nav>
  <span class="status" id="status" aria-live="polite">Watching for changes</span>
  <span class="marking" id="marking" style="color: {colour}">{label}</span>
</header>
<main>
  <div id="problem" role="alert" hidden><h2>The last save did not build</h2>
  <div id="problem-text"></div>
  <p>Showing the last good version below. Fix the file and save again.</p></div>
  <iframe id="edition" title="The edition" src="{src}"></iframe>
</main>
<script type="application/json" id="state">{state}</script>
<script>
  const state = JSON.parse(document.getElementById("state").textContent);
  const frame = document.getElementById("edition");
  const problem = document.getElementById("problem");
  const status = document.getElementById("status");
  const audience = new URLSearchParams(location.search).get("a") || state.audiences[0];
  function showProblem(text) {{
    document.getElementById("problem-text").textContent = text;
    problem.hidden = false;
    status.textContent = "Error in the last save";
  }}
  if (state.error) showProblem(state.error);
  const events = new EventSource("/events");
  events.onopen = () => {{ status.dataset.connected = "true"; }};
  events.onerror = () => {{
    status.dataset.connected = "false";
    // The browser retries a dropped stream by itself; a refused one (the preview
    // stopped, or too many pages are open) it gives up on.
    if (events.readyState === EventSource.CLOSED) {{
      status.textContent = "Not updating: reload the page once brief preview runs";
    }}
  }};
  events.addEventListener("reload", (event) => {{
    const data = JSON.parse(event.data);
    problem.hidden = true;
    const marking = data.markings[audience];
    if (marking) {{
      const badge = document.getElementById("marking");
      badge.textContent = marking.label;
      badge.style.color = marking.colour;
    }}
    status.textContent = (data.fixed ? "Fixed: builds again" : "Updated") +
      " (version " + data.version + ")";
    const src = frame.src.split("?")[0];
    frame.src = src + "?v=" + data.version;
  }});
  events.addEventListener("problem", (event) => showProblem(JSON.parse(event.data).error));
</script>
</body>
</html>
"""
