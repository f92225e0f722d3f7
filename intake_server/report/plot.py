"""The share of people reached within the promise, week by week, as an inline SVG drawn on the
server: no script, no request to anyone. The table below it on the page holds the same figures
as text; a week with fewer than 5 people due a call has no bar, and says so."""

from __future__ import annotations

from markupsafe import Markup

from .figures import Figures
from .table import SMALL

WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 48, 40, 16
INK, BAR, GRID = "#1b1b1b", "#1d4f91", "#767676"


def promise_plot(weeks: list[Figures], urgent: bool = False) -> Markup:
    """Bars of the share kept within the promise per week (routine, or urgent). Every value
    goes in through Markup.format, which escapes it."""
    which = "urgent" if urgent else "routine"
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - TOP - BOTTOM
    step = plot_width / max(1, len(weeks))
    parts = [
        Markup(
            '<svg class="staff-plot" viewBox="0 0 {} {}" role="img" aria-labelledby="{}" '
            'xmlns="http://www.w3.org/2000/svg"><title id="{}">Share of {} requests reached '
            "within the promise, by week; the table below gives each figure.</title>"
        ).format(WIDTH, HEIGHT, f"plot-{which}", f"plot-{which}", which)
    ]
    for percent in (0, 50, 100):
        y = TOP + plot_height * (1 - percent / 100)
        parts.append(
            Markup(
                '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{:.1f}" text-anchor="end" font-size="12" fill="{}">{}%</text>'
            ).format(LEFT, WIDTH - 8, y, y, GRID, LEFT - 6, y + 4, INK, percent)
        )
    for n, week in enumerate(weeks):
        x = LEFT + n * step
        promise = week.promise[urgent]
        label = f"{week.start:%b} {week.start.day}"
        if promise.due >= SMALL:
            share = promise.kept / promise.due
            height = plot_height * share
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}">'
                    "<title>{}: {}%</title></rect>"
                ).format(
                    x + step * 0.15,
                    TOP + plot_height - height,
                    step * 0.7,
                    height,
                    BAR,
                    label,
                    round(100 * share),
                )
            )
        else:
            parts.append(
                Markup(
                    '<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="10" '
                    'fill="{}">&lt;5</text>'
                ).format(x + step / 2, TOP + plot_height - 4, INK)
            )
        if n % 2 == 0 or len(weeks) <= 8:
            parts.append(
                Markup(
                    '<text x="{:.1f}" y="{}" text-anchor="middle" font-size="11" fill="{}">'
                    "{}</text>"
                ).format(x + step / 2, HEIGHT - BOTTOM + 16, INK, label)
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
