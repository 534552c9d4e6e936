"""Static SVG charts for the printed model card (the dashboard draws its own in the browser).

Each helper takes plain numbers and labels from the report context and returns ``Markup``
holding one ``<svg>`` element; every label goes through ``markupsafe.escape``, so text from
column names or group values can never become markup. No scripts, no external references.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["PALETTE", "ci_bars", "forest_plot", "heatmap", "line_chart", "paired_bars", "series_chart", "tradeoff_chart"]

PALETTE = {
    "bar": "#3b6fb6",
    "ref": "#9aa5b1",
    "cur": "#3b6fb6",
    "bad": "#c2410c",
    "muted": "#b8c0c8",
    "axis": "#6b7280",
    "text": "#1f2937",
    "grid": "#e5e7eb",
}
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11"'


def _f(x: float) -> str:
    return f"{x:.1f}"


def _label(text: Any, limit: int = 28) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _domain(values: Sequence[float | None], lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    vals = [v for v in values if v is not None and math.isfinite(v)]
    a = min(vals + [0.0]) if lo is None else lo
    b = max(vals + [0.0]) if hi is None else hi
    if b - a < 1e-12:
        b = a + 1.0
    return a, b


def _svg_open(width: int, height: int, title: str = "", *, title_y: int = 14) -> list[str]:
    """The parts that open every chart: the SVG element and its title line (when there is a title)."""
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
              f'width="{width}" height="{height}" {_FONT}>')]
    if title:
        parts.append(f'<text x="0" y="{title_y}" font-weight="600" fill="{PALETTE["text"]}">{escape(title)}</text>')
    return parts


def _rows_frame(n: int, *, title: str, width: int, left: int, right: int, a: float, b: float
                ) -> tuple[list[str], Callable[[float], float], int, int]:
    """The opening of a chart with one row per item (22 px): the SVG element, its title, the vertical
    grid with its tick labels; the x scale over ``[a, b]``, and the rows' top and bottom."""
    row, top = 22, 24 if title else 8
    bottom = top + row * n
    height = bottom + 24
    plot = width - left - right

    def x(v: float) -> float:
        return left + (min(max(v, a), b) - a) / (b - a) * plot

    parts = _svg_open(width, height, title)
    for t in range(5):
        v = a + (b - a) * t / 4
        parts.append(f'<line x1="{_f(x(v))}" x2="{_f(x(v))}" y1="{top}" y2="{bottom}" stroke="{PALETTE["grid"]}"/>')
        parts.append(f'<text x="{_f(x(v))}" y="{bottom + 14}" text-anchor="middle" fill="{PALETTE["axis"]}">{v:.2g}</text>')
    return parts, x, top, bottom


def _row_label(parts: list[str], label: Any, shown: str, *, left: int, y: float, value: float | None) -> bool:
    """A row's label (its full text as a tooltip); "n/a" in the plot when it has no value. True when it has one."""
    parts.append(f'<text x="{left - 6}" y="{y}" text-anchor="end" fill="{PALETTE["text"]}">'
                 f'<title>{escape(label)}</title>{escape(shown)}</text>')
    if value is None:
        parts.append(f'<text x="{left + 4}" y="{y}" fill="{PALETTE["axis"]}">n/a</text>')
    return value is not None


def ci_bars(
    items: Sequence[dict[str, Any]],
    *,
    title: str = "",
    lo: float | None = None,
    hi: float | None = None,
    width: int = 560,
    reference: float | None = None,
) -> Markup:
    """Horizontal bars with confidence-interval whiskers.

    ``items``: ``{label, value, low, high, insufficient}``; insufficient items are drawn grey
    and marked. ``reference`` draws a dashed vertical line (e.g. the overall value).
    """
    items = list(items)
    if not items:
        return Markup("")
    left, right = 170, 70
    a, b = _domain([v for it in items for v in (it.get("value"), it.get("low"), it.get("high"))], lo, hi)
    parts, x, top, bottom = _rows_frame(len(items), title=title, width=width, left=left, right=right, a=a, b=b)
    for i, it in enumerate(items):
        y = top + i * 22
        insufficient = bool(it.get("insufficient"))
        color = PALETTE["muted"] if insufficient else (PALETTE["bad"] if it.get("highlight") else PALETTE["bar"])
        name = _label(it.get("label")) + (" (insufficient)" if insufficient else "")
        value = it.get("value")
        if not _row_label(parts, it.get("label"), name, left=left, y=y + 15, value=value):
            continue
        x0, x1 = x(max(a, min(0.0, b))), x(value)
        parts.append(f'<rect x="{_f(min(x0, x1))}" y="{y + 5}" width="{_f(max(abs(x1 - x0), 1))}" height="12" fill="{color}" rx="2"/>')
        low, high = it.get("low"), it.get("high")
        if low is not None and high is not None:
            parts.append(f'<line x1="{_f(x(low))}" x2="{_f(x(high))}" y1="{y + 11}" y2="{y + 11}" stroke="{PALETTE["text"]}" stroke-width="1.4"/>')
            for v in (low, high):
                parts.append(f'<line x1="{_f(x(v))}" x2="{_f(x(v))}" y1="{y + 6}" y2="{y + 16}" stroke="{PALETTE["text"]}" stroke-width="1.4"/>')
        text = f"{value:.3f}"
        parts.append(f'<text x="{width - right + 6}" y="{y + 15}" fill="{PALETTE["text"]}">{escape(text)}</text>')
    if reference is not None:
        parts.append(f'<line x1="{_f(x(reference))}" x2="{_f(x(reference))}" y1="{top - 4}" y2="{bottom}" '
                     f'stroke="{PALETTE["axis"]}" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def forest_plot(items: Sequence[dict[str, Any]], *, title: str = "", width: int = 560) -> Markup:
    """Point estimates with interval whiskers around a dashed zero line (a forest plot).

    ``items``: ``{label, value, low, high, insufficient, refuted}``; refuted items are drawn in the
    warning colour and marked, insufficient ones grey and marked.
    """
    items = list(items)
    if not items:
        return Markup("")
    left, right = 200, 70
    a, b = _domain([v for it in items for v in (it.get("value"), it.get("low"), it.get("high"))])
    pad = 0.05 * (b - a)
    a, b = a - pad, b + pad
    parts, x, top, bottom = _rows_frame(len(items), title=title, width=width, left=left, right=right, a=a, b=b)
    parts.append(f'<line x1="{_f(x(0.0))}" x2="{_f(x(0.0))}" y1="{top - 4}" y2="{bottom}" stroke="{PALETTE["axis"]}" '
                 'stroke-dasharray="4 3"/>')
    for i, it in enumerate(items):
        y = top + i * 22 + 11
        mark = " (insufficient)" if it.get("insufficient") else (" (refuted)" if it.get("refuted") else "")
        color = PALETTE["muted"] if it.get("insufficient") else (PALETTE["bad"] if it.get("refuted") else PALETTE["bar"])
        value, low, high = it.get("value"), it.get("low"), it.get("high")
        if not _row_label(parts, it.get("label"), _label(it.get("label"), 24) + mark, left=left, y=y + 4, value=value):
            continue
        if low is not None and high is not None:
            parts.append(f'<line x1="{_f(x(low))}" x2="{_f(x(high))}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="1.6"/>')
            for v in (low, high):
                parts.append(f'<line x1="{_f(x(v))}" x2="{_f(x(v))}" y1="{y - 5}" y2="{y + 5}" stroke="{color}" stroke-width="1.6"/>')
        parts.append(f'<rect x="{_f(x(value) - 4)}" y="{y - 4}" width="8" height="8" fill="{color}"/>')
        parts.append(f'<text x="{width - right + 6}" y="{y + 4}" fill="{PALETTE["text"]}">{escape(f"{value:.3g}")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def paired_bars(labels: Sequence[Any], reference: Sequence[float], current: Sequence[float], *,
                title: str = "", width: int = 560, height: int = 170) -> Markup:
    """Reference vs current shares per bin / category (grouped vertical bars)."""
    n = min(len(labels), len(reference), len(current))
    if n == 0:
        return Markup("")
    left, right, top, bottom = 40, 10, 26 if title else 10, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(list(reference[:n]) + list(current[:n]) + [1e-9])
    slot = plot_w / n
    bw = max(slot * 0.38, 0.8)
    parts = _svg_open(width, height, title)
    for t in range(3):
        v = peak * t / 2
        y = top + plot_h - v / peak * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_f(y)}" y2="{_f(y)}" stroke="{PALETTE["grid"]}"/>')
        parts.append(f'<text x="{left - 4}" y="{_f(y + 4)}" text-anchor="end" fill="{PALETTE["axis"]}">{v:.0%}</text>')
    every = max(1, math.ceil(n / 12))
    for i in range(n):
        x = left + i * slot + slot * 0.1
        for j, (series, color) in enumerate(((reference, PALETTE["ref"]), (current, PALETTE["cur"]))):
            h = series[i] / peak * plot_h
            parts.append(f'<rect x="{_f(x + j * bw)}" y="{_f(top + plot_h - h)}" width="{_f(bw)}" height="{_f(h)}" fill="{color}">'
                         f'<title>{escape(labels[i])}: {series[i]:.1%}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{_f(x + bw)}" y="{top + plot_h + 14}" text-anchor="middle" fill="{PALETTE["axis"]}">'
                         f'{escape(_label(labels[i], 14))}</text>')
    ly = height - 8
    parts.append(f'<rect x="{left}" y="{ly - 9}" width="10" height="10" fill="{PALETTE["ref"]}"/>'
                 f'<text x="{left + 14}" y="{ly}" fill="{PALETTE["text"]}">reference</text>'
                 f'<rect x="{left + 90}" y="{ly - 9}" width="10" height="10" fill="{PALETTE["cur"]}"/>'
                 f'<text x="{left + 104}" y="{ly}" fill="{PALETTE["text"]}">current</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(x_labels: Sequence[Any], y_labels: Sequence[Any], values: Sequence[Sequence[float | None]], *,
            title: str = "", width: int = 560) -> Markup:
    """A heat map of values in [0, 1] (error rates): white to dark orange, with the value printed."""
    if not values or not x_labels:
        return Markup("")
    nx, ny = len(x_labels), len(values)
    left, top = 120, 26 if title else 8
    cell_w = max(min((width - left - 10) / nx, 80), 14)
    cell_h = 22
    height = top + ny * cell_h + 40
    vals = [v for row in values for v in row if v is not None]
    peak = max(vals + [1e-9])
    parts = _svg_open(width, height, title)
    for j, row in enumerate(values):
        y = top + j * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" fill="{PALETTE["text"]}">'
                     f'{escape(_label(y_labels[j] if j < len(y_labels) else "", 18))}</text>')
        for i, v in enumerate(row[:nx]):
            x = left + i * cell_w
            if v is None:
                fill, txt = "#f3f4f6", ""
            else:
                t = v / peak
                r, g, b = int(255 - t * (255 - 194)), int(255 - t * (255 - 65)), int(255 - t * (255 - 12))
                fill, txt = f"rgb({r},{g},{b})", f"{v:.2f}"
            parts.append(f'<rect x="{_f(x)}" y="{y}" width="{_f(cell_w - 1)}" height="{cell_h - 1}" fill="{fill}">'
                         f'<title>{escape(x_labels[i])} / {escape(y_labels[j] if j < len(y_labels) else "")}: {escape(txt or "n/a")}</title></rect>')
            if txt and cell_w >= 30:
                color = "#ffffff" if v / peak > 0.6 else PALETTE["text"]
                parts.append(f'<text x="{_f(x + cell_w / 2)}" y="{y + 15}" text-anchor="middle" fill="{color}">{txt}</text>')
    every = max(1, math.ceil(nx / 10))
    for i in range(0, nx, every):
        parts.append(f'<text x="{_f(left + i * cell_w + cell_w / 2)}" y="{top + ny * cell_h + 14}" text-anchor="middle" '
                     f'fill="{PALETTE["axis"]}">{escape(_label(x_labels[i], 12))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(x: Sequence[Any], y: Sequence[float | None], *, title: str = "", width: int = 270, height: int = 150) -> Markup:
    """A shape function: a line over numeric x, bars over categories."""
    pts = [(a, b) for a, b in zip(x, y) if b is not None]
    if not pts:
        return Markup("")
    left, right, top, bottom = 46, 8, 22 if title else 8, 24
    pw, ph = width - left - right, height - top - bottom
    lo, hi = _domain([b for _, b in pts])
    numeric = all(isinstance(a, (int, float)) and not isinstance(a, bool) for a, _ in pts)

    def yy(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = _svg_open(width, height, _label(title, 40), title_y=13)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_f(yy(0.0) if lo <= 0 <= hi else top + ph)}" '
                 f'y2="{_f(yy(0.0) if lo <= 0 <= hi else top + ph)}" stroke="{PALETTE["grid"]}"/>')
    parts.append(f'<text x="{left - 4}" y="{_f(top + 8)}" text-anchor="end" fill="{PALETTE["axis"]}">{hi:.2g}</text>'
                 f'<text x="{left - 4}" y="{_f(top + ph)}" text-anchor="end" fill="{PALETTE["axis"]}">{lo:.2g}</text>')
    if numeric:
        xs = [float(a) for a, _ in pts]
        x0, x1 = min(xs), max(xs)
        span = (x1 - x0) or 1.0
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(left + (float(a) - x0) / span * pw)},{_f(yy(b))}" for i, (a, b) in enumerate(pts))
        parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE["bar"]}" stroke-width="1.8"/>')
        parts.append(f'<text x="{left}" y="{height - 6}" fill="{PALETTE["axis"]}">{x0:.3g}</text>'
                     f'<text x="{width - right}" y="{height - 6}" text-anchor="end" fill="{PALETTE["axis"]}">{x1:.3g}</text>')
    else:
        slot = pw / len(pts)
        base = yy(0.0) if lo <= 0 <= hi else top + ph
        for i, (a, b) in enumerate(pts):
            yb = yy(b)
            parts.append(f'<rect x="{_f(left + i * slot + 1)}" y="{_f(min(yb, base))}" width="{_f(max(slot - 2, 1))}" '
                         f'height="{_f(max(abs(base - yb), 0.5))}" fill="{PALETTE["bar"]}"><title>{escape(a)}: {b:.3g}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def tradeoff_chart(points: Sequence[dict[str, Any]], *, x_label: str, y_label: str, width: int = 560,
                   height: int = 300) -> Markup:
    """Accuracy against disparity for every candidate: the Pareto front joined, the chosen one ringed.

    ``points``: ``{label, difference, accuracy, chosen, original, pareto}``; points without a
    difference are left out.
    """
    pts = [p for p in points if p.get("difference") is not None and p.get("accuracy") is not None]
    if not pts:
        return Markup("")
    left, right, top, bottom = 52, 12, 12, 40
    pw, ph = width - left - right, height - top - bottom
    x0, x1 = _domain([p["difference"] for p in pts], lo=0.0)
    y0, y1 = _domain([p["accuracy"] for p in pts], lo=min(p["accuracy"] for p in pts) - 0.01)

    def xx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def yy(v: float) -> float:
        return top + ph - (v - y0) / (y1 - y0) * ph

    parts = _svg_open(width, height)
    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="{PALETTE["grid"]}"/>')
    for v, anchor in ((x0, "start"), (x1, "end")):
        parts.append(f'<text x="{_f(xx(v))}" y="{top + ph + 14}" text-anchor="{anchor}" fill="{PALETTE["axis"]}">{v:.3g}</text>')
    for v, dy in ((y0, 0), (y1, 8)):
        parts.append(f'<text x="{left - 4}" y="{_f(yy(v) + dy)}" text-anchor="end" fill="{PALETTE["axis"]}">{v:.3g}</text>')
    parts.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="{PALETTE["text"]}">'
                 f'{escape(_label(x_label, 70))}</text>')
    parts.append(f'<text x="12" y="{top + ph / 2:.1f}" text-anchor="middle" transform="rotate(-90 12 {top + ph / 2:.1f})" '
                 f'fill="{PALETTE["text"]}">{escape(_label(y_label, 40))}</text>')
    front = sorted((p for p in pts if p.get("pareto")), key=lambda p: p["difference"])
    if len(front) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(xx(p['difference']))},{_f(yy(p['accuracy']))}" for i, p in enumerate(front))
        parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE["ref"]}" stroke-dasharray="4 3"/>')
    for p in sorted(pts, key=lambda p: (p.get("chosen", False), p.get("original", False))):
        cx, cy = _f(xx(p["difference"])), _f(yy(p["accuracy"]))
        colour = PALETTE["bar"] if p.get("chosen") else PALETTE["bad"] if p.get("original") else PALETTE["muted"]
        radius = 7 if p.get("chosen") or p.get("original") else 4
        tip = f'{p.get("label")}: accuracy {p["accuracy"]:.3f}, difference {p["difference"]:.3f}'
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{colour}" fill-opacity="0.85">'
                     f'<title>{escape(tip)}</title></circle>')
        if p.get("chosen") or p.get("original"):
            name = "chosen" if p.get("chosen") else "original"
            parts.append(f'<text x="{_f(xx(p["difference"]) + 10)}" y="{_f(yy(p["accuracy"]) + 4)}" '
                         f'fill="{PALETTE["text"]}">{name}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


#: Colours of the series of one time chart, in order.
SERIES_COLORS = ("#3b6fb6", "#c2410c", "#15803d", "#7c3aed", "#0e7490", "#a16207")


def series_chart(x_labels: Sequence[Any], series: Sequence[dict[str, Any]], *, title: str = "",
                 lines: Sequence[dict[str, Any]] = (), lo: float | None = None, hi: float | None = None,
                 width: int = 560, height: int = 190) -> Markup:
    """Values over time windows: one line per series, a shaded interval band, dashed reference lines.

    ``series``: ``{name, values, low?, high?}`` (lists aligned with ``x_labels``; ``None`` is a
    gap). ``lines``: ``{label, values}`` drawn dashed (a threshold per window) or ``{label, value}``.
    """
    n = len(x_labels)
    series = [s for s in series if any(v is not None for v in s.get("values", []))]
    if n == 0 or not series:
        return Markup("")
    left, right, top, bottom = 50, 10, 24 if title else 8, 40
    pw, ph = width - left - right, height - top - bottom
    every_value = [v for s in series for key in ("values", "low", "high") for v in (s.get(key) or [])]
    every_value += [v for ln in lines for v in (ln.get("values") or [ln.get("value")])]
    a, b = _domain(every_value, lo, hi) if lo is not None or hi is not None else _domain(
        every_value, min([v for v in every_value if v is not None and math.isfinite(v)] or [0.0]), None)
    if b - a < 1e-9:
        a, b = a - 0.5, b + 0.5
    pad = (b - a) * 0.05
    a, b = (a if lo is not None else a - pad), (b if hi is not None else b + pad)

    def xx(i: int) -> float:
        return left + (pw / 2 if n == 1 else i / (n - 1) * pw)

    def yy(v: float) -> float:
        return top + ph - (min(max(v, a), b) - a) / (b - a) * ph

    def path(values: Sequence[float | None]) -> str:
        out, pen = [], "M"
        for i, v in enumerate(values[:n]):
            if v is None or not math.isfinite(v):
                pen = "M"
                continue
            out.append(f"{pen}{_f(xx(i))},{_f(yy(v))}")
            pen = "L"
        return " ".join(out)

    parts = _svg_open(width, height, _label(title, 80))
    for k in range(3):
        v = a + (b - a) * k / 2
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_f(yy(v))}" y2="{_f(yy(v))}" stroke="{PALETTE["grid"]}"/>'
                     f'<text x="{left - 4}" y="{_f(yy(v) + 4)}" text-anchor="end" fill="{PALETTE["axis"]}">{v:.3g}</text>')
    every = max(1, math.ceil(n / 8))
    for i in range(0, n, every):
        parts.append(f'<text x="{_f(xx(i))}" y="{top + ph + 14}" text-anchor="middle" fill="{PALETTE["axis"]}">'
                     f'<title>{escape(x_labels[i])}</title>{escape(_label(x_labels[i], 16))}</text>')
    for j, s in enumerate(series):
        color = SERIES_COLORS[j % len(SERIES_COLORS)]
        low, high = s.get("low"), s.get("high")
        if low and high:
            spans = [(i, lw, hg) for i, (lw, hg) in enumerate(zip(low[:n], high[:n])) if lw is not None and hg is not None]
            if len(spans) >= 2:
                ring = [f"{_f(xx(i))},{_f(yy(hg))}" for i, _, hg in spans] + [f"{_f(xx(i))},{_f(yy(lw))}" for i, lw, _ in reversed(spans)]
                parts.append(f'<polygon points="{" ".join(ring)}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
            for i, lw, hg in spans:
                parts.append(f'<line x1="{_f(xx(i))}" x2="{_f(xx(i))}" y1="{_f(yy(lw))}" y2="{_f(yy(hg))}" stroke="{color}" stroke-opacity="0.6"/>')
        d = path(s["values"])
        if d.count("L"):
            dash = ' stroke-dasharray="5 3"' if s.get("dashed") else ""
            parts.append(f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>')
        for i, v in enumerate(s["values"][:n]):
            if v is None or not math.isfinite(v):
                continue
            tip = f"{s.get('name', '')} {x_labels[i]}: {v:.4g}"
            if low and high and low[i] is not None and high[i] is not None:
                tip += f" [{low[i]:.4g}, {high[i]:.4g}]"
            parts.append(f'<circle cx="{_f(xx(i))}" cy="{_f(yy(v))}" r="3" fill="{color}"><title>{escape(tip)}</title></circle>')
    for ln in lines:
        values = ln.get("values") or [ln.get("value")] * n
        d = path(values)
        if d:
            parts.append(f'<path d="{d if d.count("L") else d + " h1"}" fill="none" stroke="{PALETTE["axis"]}" '
                         f'stroke-dasharray="4 3"><title>{escape(ln.get("label", ""))}</title></path>')
    lx = left
    for j, s in enumerate(list(series) + [{"name": ln.get("label", ""), "line": True} for ln in lines]):
        color = PALETTE["axis"] if s.get("line") else SERIES_COLORS[j % len(SERIES_COLORS)]
        name = _label(s.get("name", ""), 30)
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="3" fill="{color}"/>'
                     f'<text x="{lx + 14}" y="{height - 9}" fill="{PALETTE["text"]}">{escape(name)}</text>')
        lx += 24 + 6 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))
