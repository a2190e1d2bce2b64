"""An Altair renderer for notebooks that needs no network: ``charts.offline()`` enables it.

Altair's default renderer writes HTML that loads Vega, Vega-Lite and Vega-Embed from a CDN, so
offline every chart shows ``Error loading script``; JupyterLab's own Vega renderer stops at
Vega-Lite 5 while Altair 6 writes Vega-Lite 6. This renderer (``"workbench"``) writes one
``text/html`` output per chart holding:

* the chart as a static SVG picture (``vl_convert``, an ``<img>`` with a ``data:`` address),
  shown wherever scripts do not run: a notebook file opened untrusted in JupyterLab (its HTML
  is sanitized), GitHub, an e-mail;
* a script that draws the interactive chart (tooltips) in place of the picture with Vega-Embed,
  where scripts run: the live JupyterLab session, a trusted notebook, ``jupyter nbconvert --to
  html``. The JavaScript is the report's inlined bundle (``report_html.vega_bundle``), written
  into the first chart output of each kernel session only (about 0.9 MB); later charts use the
  ``window.vegaEmbed`` it defines, and keep their picture if it is missing (e.g. that first
  output was cleared and the page reloaded).

No output references a remote script.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import altair as alt
import vl_convert

from workbench.report_html import _js_script, vega_bundle, vega_lite_version

NAME = "workbench"
"""The renderer's name in ``alt.renderers``."""

_EMBED_OPTIONS = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}

_state = {"bundle_sent": False}


def static_svg(spec: dict[str, Any]) -> str:
    """The chart as SVG text, drawn by ``vl_convert`` (no browser, no network)."""
    return vl_convert.vegalite_to_svg(spec, vl_version=vega_lite_version())


def chart_html(spec: dict[str, Any], with_bundle: bool) -> str:
    """One chart's HTML: its SVG picture, replaced by the interactive chart where scripts run
    and Vega-Embed is there (defined by the inlined bundle when ``with_bundle``)."""
    element = f"workbench-chart-{uuid.uuid4().hex}"
    picture = base64.b64encode(static_svg(spec).encode("utf-8")).decode("ascii")
    spec_json = json.dumps(spec, allow_nan=False).replace("<", "\\u003c")
    bundle = ""
    if with_bundle:
        bundle = (
            'if (typeof window.vegaEmbed !== "function") {\n'
            f"(function () {{\n{_js_script(vega_bundle())}\n}})();\n}}\n"
        )
    return (
        f'<div id="{element}" class="workbench-chart">'
        f'<img alt="chart" src="data:image/svg+xml;base64,{picture}"></div>\n'
        '<script type="text/javascript">\n'
        f"{bundle}"
        "(function (script) {\n"
        "  // the script's own output first (JupyterLab re-inserts scripts), then by id\n"
        "  var element = script && script.previousElementSibling;\n"
        f'  if (!element || element.id !== "{element}") {{\n'
        f'    element = document.getElementById("{element}");\n'
        "  }\n"
        '  if (!element || typeof window.vegaEmbed !== "function") { return; }\n'
        f"  var spec = {spec_json};\n"
        f"  window.vegaEmbed(element, spec, {json.dumps(_EMBED_OPTIONS)})\n"
        "    .then(function () {\n"
        '      var picture = element.querySelector("img");\n'
        "      if (picture) { picture.remove(); }\n"
        "    })\n"
        "    .catch(function (error) { console.error(error); });\n"
        "})(document.currentScript);\n"
        "</script>"
    )


def render(spec: dict[str, Any], **metadata: Any) -> dict[str, str]:
    """Altair renderer: the mimebundle of one chart (see the module docstring)."""
    with_bundle = not _state["bundle_sent"]
    bundle = {"text/html": chart_html(spec, with_bundle)}
    _state["bundle_sent"] = True
    return bundle


def enable() -> None:
    """Register the renderer (once) and make it Altair's active one for this kernel."""
    if NAME not in alt.renderers.names():
        alt.renderers.register(NAME, render)
    alt.renderers.enable(NAME)
    _state["bundle_sent"] = False
