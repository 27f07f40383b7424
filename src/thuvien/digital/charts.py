"""Inline SVG bar charts (no JavaScript): progress against the plan's target."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def progress_bars(rows, width=640, bar=16, label=18, gap=12):
    """One bar per row: its share digitised, with the target marked in red."""
    if not rows:
        return ""
    chart_width = width - 60
    step = label + bar + gap
    height = len(rows) * step + 24
    title = escape(_("Progress against the targets"))
    target_label = escape(_("target"))
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" '
              f'viewBox="0 0 {width} {height}" style="max-width:{width}px;width:100%" aria-label="{title}">')]
    for n, row in enumerate(rows):
        y = n * step
        done = min(100.0, row.percent) / 100 * chart_width
        target = row.target_percent / 100 * chart_width
        colour = "#2e7d32" if row.percent >= row.target_percent else "#1565c0"
        parts.append(f'<text x="0" y="{y + 13}" font-size="13">{escape(row.label)}</text>')
        parts.append(f'<rect x="0" y="{y + label}" width="{chart_width}" height="{bar}" fill="#e0e0e0"/>')
        parts.append(f'<rect x="0" y="{y + label}" width="{done:.1f}" height="{bar}" fill="{colour}">'
                     f'<title>{row.digitised}/{row.documents}</title></rect>')
        parts.append(f'<line x1="{target:.1f}" x2="{target:.1f}" y1="{y + label - 3}" y2="{y + label + bar + 3}" '
                     f'stroke="#c62828" stroke-width="2"/>')
        parts.append(f'<text x="{chart_width + 6}" y="{y + label + bar - 3}" font-size="13">{row.percent:g}%</text>')
    parts.append(f'<text x="0" y="{height - 6}" font-size="11" fill="#c62828">| {target_label}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
