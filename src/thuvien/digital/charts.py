"""Inline SVG bar charts (no JavaScript): progress against the plan's target."""

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


def progress_bars(rows, width=640, bar=22, gap=14, label_width=260):
    """Horizontal bars of each row's percentage digitised, with its target marked."""
    if not rows:
        return ""
    chart_width = width - label_width - 60
    height = len(rows) * (bar + gap) + gap + 20
    title = escape(_("Progress against the targets"))
    target_label = escape(_("target"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="100%" aria-label="{title}">']
    for n, row in enumerate(rows):
        y = gap + n * (bar + gap)
        done = min(100.0, row.percent) / 100 * chart_width
        target = row.target_percent / 100 * chart_width + label_width
        colour = "#2e7d32" if row.percent >= row.target_percent else "#1565c0"
        parts.append(f'<text x="{label_width - 8}" y="{y + bar * 0.7}" text-anchor="end" font-size="13">'
                     f'{escape(row.label[:40])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{chart_width}" height="{bar}" fill="#e0e0e0"/>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{done:.1f}" height="{bar}" fill="{colour}">'
                     f'<title>{row.digitised}/{row.documents}</title></rect>')
        parts.append(f'<line x1="{target:.1f}" x2="{target:.1f}" y1="{y - 3}" y2="{y + bar + 3}" '
                     f'stroke="#c62828" stroke-width="2"/>')
        parts.append(f'<text x="{label_width + chart_width + 6}" y="{y + bar * 0.7}" font-size="13">'
                     f'{row.percent:g}%</text>')
    parts.append(f'<text x="{label_width}" y="{height - 4}" font-size="11" fill="#c62828">'
                 f'| {target_label}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
