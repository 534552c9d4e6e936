"""Render the model card (Markdown, HTML, JSON) and the dashboard from an assessment.

Two jinja2 environments over the ``report_templates`` package:

* HTML: ``autoescape`` on for every template, ``StrictUndefined``; charts come from
  ``rai.report._svg`` as escaped ``Markup``; CSS and JS are inlined from
  ``report_templates/static`` so each output is one file that opens offline.
* Markdown: every ``{{ ... }}`` output passes through ``md_escape`` (the ``finalize`` hook), so
  a column name or user text cannot inject HTML, links, emphasis or break a table.

The dashboard embeds the report context as JSON in ``<script type="application/json">``
with ``<``, ``>``, ``&`` and the JavaScript line separators escaped as ``\\uXXXX``, so no
value can close the script element; the dashboard script builds the page with
``textContent`` only.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from importlib import resources
from pathlib import Path
from typing import Any

from markupsafe import Markup

from rai._exceptions import ConfigError, InternalError
from rai.report import _svg
from rai.report._context import Limits, build_context
from rai.report._mct import model_card_json

__all__ = [
    "DASHBOARD_BUDGET",
    "OUTPUT_NAMES",
    "embed_json",
    "html_environment",
    "markdown_environment",
    "md_escape",
    "render_dashboard",
    "render_html_card",
    "render_markdown_card",
    "render_reports",
]

log = logging.getLogger(__name__)

#: Size budget of the dashboard (the issue's 5 MB for the demo), in bytes.
DASHBOARD_BUDGET = 5 * 1024 * 1024
#: Output key -> file name.
OUTPUT_NAMES = {
    "model_card_md": "model_card.md",
    "model_card_html": "model_card.html",
    "model_card_json": "model_card.json",
    "dashboard": "dashboard.html",
}

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def embed_json(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=False)
    return Markup(_JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(value: Any) -> str:
    """Text safe inside a Markdown line or table cell: HTML-escaped, Markdown syntax neutralised."""
    if value is None:
        return ""
    if isinstance(value, _MdRaw):
        return str(value)
    s = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"\s*[\r\n]+\s*", " ", s)


class _MdRaw(str):
    """Markdown produced by a trusted filter (not escaped again)."""


def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != 0 and (abs(v) < 1e-6 or abs(v) >= 1e6):
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}f}"


def _pct(x: Any, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * float(x):.{digits}f}%"


def _pval(x: Any) -> str:
    if x is None:
        return "–"
    v = float(x)
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def _ci(low: Any, high: Any, digits: int = 3) -> str:
    if low is None or high is None:
        return ""
    return f"{_num(low, digits)} – {_num(high, digits)}"


def _short_hash(h: Any) -> str:
    return "–" if not h else str(h)[:12] + "…"


def _static(name: str) -> Markup:
    text = resources.files("report_templates").joinpath("static", name).read_text(encoding="utf-8")
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise InternalError(f"report_templates/static/{name} contains a closing script/style tag.")
    return Markup(text)


def _common(env: Any) -> Any:
    env.filters.update(num=_num, pct=_pct, pval=_pval, ci=_ci, short_hash=_short_hash)
    return env


@functools.lru_cache(maxsize=1)
def html_environment() -> Any:
    """The jinja2 environment of the HTML outputs (autoescape on)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("report_templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static=_static, svg=_svg, embed_json=embed_json)
    return _common(env)


@functools.lru_cache(maxsize=1)
def markdown_environment() -> Any:
    """The jinja2 environment of the Markdown card (every output Markdown-escaped)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("report_templates", "."),
        autoescape=False,
        finalize=md_escape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["raw"] = _MdRaw  # output of the card's own macros, already escaped inside
    return _common(env)


def render_markdown_card(ctx: dict[str, Any]) -> str:
    text = markdown_environment().get_template("model_card.md.j2").render(**ctx)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def render_html_card(ctx: dict[str, Any]) -> str:
    return html_environment().get_template("model_card.html.j2").render(**ctx)


def render_dashboard(ctx: dict[str, Any]) -> str:
    data = {k: v for k, v in ctx.items() if k != "card_view"}
    return html_environment().get_template("dashboard.html.j2").render(data=data, **ctx)


def _load(assessment: Any) -> tuple[Any, dict[str, Any] | None]:
    """An Assessment or dict, and the signature status when it came from a file."""
    if isinstance(assessment, (str, Path)):
        from rai._assessment import Assessment
        from rai.report._signing import signature_status

        path = Path(assessment)
        return Assessment.load(path), signature_status(path)
    if isinstance(assessment, dict) or hasattr(assessment, "to_dict"):
        return assessment, None
    raise ConfigError(
        f"render_reports: 'assessment' must be an Assessment, its dict, or a path to assessment.json; "
        f"got {type(assessment).__name__}."
    )


def render_reports(
    assessment: Any,
    out_dir: str | Path,
    *,
    pdf: bool = False,
    signature: dict[str, Any] | None = None,
    limits: Limits | None = None,
    budget: int = DASHBOARD_BUDGET,
    policy: Any = None,
) -> dict[str, Path]:
    """Write ``model_card.md``, ``model_card.html``, ``model_card.json`` and ``dashboard.html``.

    Parameters
    ----------
    assessment:
        An ``rai.Assessment``, its dict form, or the path of an ``assessment.json`` (then its
        signature sidecar, if any, is checked when ``RAI_SIGNING_KEY`` is set and shown).
    out_dir:
        Folder to write into (created if needed).
    pdf:
        Also print ``model_card.pdf`` with headless Chromium (``UnsupportedError`` without one;
        the other files are written first).
    signature:
        Signature status to show (see ``rai.report.signature_status``); found automatically when
        ``assessment`` is a path.
    limits, budget:
        Caps of the summarised lists, and the dashboard's size budget in bytes; when the
        dashboard is larger, the caps are tightened until it fits, and the page says so.
    policy:
        The ``rai.gate.Policy`` that judges every check the reports list (default: the policy
        that ships with the package, as ``rai gate`` without ``--policy``).

    Returns
    -------
    dict
        Output key (``model_card_md``, ``model_card_html``, ``model_card_json``, ``dashboard``,
        and ``model_card_pdf`` when asked) -> path written.
    """
    assessment, found = _load(assessment)
    signature = signature if signature is not None else found
    limits = limits or Limits()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    ctx = build_context(assessment, signature=signature, limits=limits, policy=policy)
    dashboard = render_dashboard(ctx)
    rounds = 0
    while len(dashboard.encode("utf-8")) > budget and rounds < 6:
        rounds += 1
        size = len(dashboard.encode("utf-8"))
        limits = _tighter(limits)
        ctx = build_context(assessment, signature=signature, limits=limits, policy=policy)
        ctx["summaries"].append(
            f"The dashboard was summarised to stay within its {budget / 1e6:.1f} MB budget "
            f"({size / 1e6:.1f} MB before this pass)."
        )
        dashboard = render_dashboard(ctx)
    if len(dashboard.encode("utf-8")) > budget:
        log.warning("dashboard is %.1f MB, above the %.1f MB budget", len(dashboard.encode()) / 1e6, budget / 1e6)

    paths = {key: out / name for key, name in OUTPUT_NAMES.items()}
    paths["model_card_md"].write_text(render_markdown_card(ctx), encoding="utf-8")
    paths["model_card_html"].write_text(render_html_card(ctx), encoding="utf-8")
    paths["model_card_json"].write_text(
        json.dumps(model_card_json(ctx), indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    paths["dashboard"].write_text(dashboard, encoding="utf-8")
    for warning in ctx["card"]["warnings"]:
        log.warning("%s", warning)
    if pdf:
        from rai.report._pdf import html_to_pdf

        paths["model_card_pdf"] = html_to_pdf(paths["model_card_html"], out / "model_card.pdf")
    return paths


def _tighter(limits: Limits) -> Limits:
    half = {f: max(1, getattr(limits, f) // 2) for f in (
        "cohorts", "groups_per_feature", "drift_columns", "distributions", "quality_columns", "local_rows",
        "contributions_per_row", "importance", "shapes", "shape_points", "heatmap_cells", "categories",
    )}
    half["text"] = max(40, limits.text // 2)
    return limits.update(**half)
