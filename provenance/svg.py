"""SVG drawings for the HTML report: derivation trees and the overlap histogram.

Owns layout (where each article of a tree sits, left to right by depth) and
drawing, as inline SVG strings with no external references. Takes the plain
dicts of the JSON contract (``provenance.report.report_dict``), never a
``Report``, so the picture shows exactly what the JSON says. Every string that
came from an article (ids, titles, dates) is escaped here; the only links drawn
are ``#fragment`` ids the caller generates. Nothing here computes a score.
"""

from __future__ import annotations

import html
import re
from typing import Any, Mapping, Sequence

from provenance.report import percent

# Edges below this confidence are drawn as weak (dotted), so a reader checks them first.
LOW_CONFIDENCE = 0.7

NODE_WIDTH = 220
NODE_HEIGHT = 44
COLUMN_GAP = 96  # room between columns for the edge and its overlap label
ROW_HEIGHT = 60
MARGIN = 8
LABEL_CHARS = 28  # longest id drawn in a node; the full id is in the node's tooltip


# Bidirectional embedding, override and isolate controls. Scraped text needs none of them to show
# Arabic or Hebrew, and an override reverses what follows it: an id "invoice\u202egnp.exe" reads as
# "invoiceexe.png", and one left open in a title runs on over the rest of its line. Each becomes one
# U+FFFD, so a reader sees that something was there and offsets into a text stay true.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def esc(value: object) -> str:
    """Escape any value for HTML/SVG text or a double-quoted attribute, bidi controls made visible."""
    return html.escape(_BIDI_CONTROLS.sub("\ufffd", str(value)), quote=True)


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def edge_classes(edge: Mapping[str, Any]) -> str:
    """CSS classes of an edge: ``conflict`` when the dates disagree, ``weak`` below ``LOW_CONFIDENCE``."""
    classes = ["edge"]
    if edge["date_conflict"]:
        classes.append("conflict")
    if edge["confidence"] < LOW_CONFIDENCE:
        classes.append("weak")
    return " ".join(classes)


def layout(tree: Mapping[str, Any]) -> dict[str, tuple[int, float]]:
    """Column (depth) and row (in leaf rows, parents centred on their children) of every article."""
    children: dict[str, list[str]] = {}
    for edge in tree["edges"]:
        children.setdefault(edge["source"], []).append(edge["derived"])
    places: dict[str, tuple[int, float]] = {}
    next_row = 0.0

    # Iterative post-order walk: a deep chain of copies must not hit the recursion limit.
    stack: list[tuple[str, int, bool]] = [(tree["root"], 0, False)]
    while stack:
        node, depth, expanded = stack.pop()
        kids = sorted(children.get(node, []))
        if not kids:
            places[node] = (depth, next_row)
            next_row += 1
        elif expanded:
            rows = [places[kid][1] for kid in kids]
            places[node] = (depth, (min(rows) + max(rows)) / 2)
        else:
            stack.append((node, depth, True))
            stack.extend((kid, depth + 1, False) for kid in reversed(kids))
    # An article the edges do not reach (not expected) still gets a row rather than vanishing.
    for article in tree["articles"]:
        if article not in places:
            places[article] = (0, next_row)
            next_row += 1
    return places


def draw_tree(
    tree: Mapping[str, Any],
    number: int,
    articles: Mapping[str, Mapping[str, Any]],
    anchors: Mapping[str, str],
    pair_anchors: Mapping[tuple[str, str], str],
) -> str:
    """One derivation tree as an inline SVG, root on the left, edges labelled with overlap %.

    Args:
        tree: A tree dict of the JSON contract.
        number: Position of the tree in the report, for a unique title id.
        articles: Article dicts of the JSON contract by id (for dates and titles).
        anchors: Generated fragment id of each article's row in the article table.
        pair_anchors: Generated fragment id of each pair section, by (source, derived).
    """
    places = layout(tree)
    columns = max(column for column, _ in places.values()) + 1
    rows = max(row for _, row in places.values()) + 1
    width = 2 * MARGIN + columns * NODE_WIDTH + (columns - 1) * COLUMN_GAP
    height = 2 * MARGIN + int(rows * ROW_HEIGHT)

    def corner(article: str) -> tuple[float, float]:
        column, row = places[article]
        return MARGIN + column * (NODE_WIDTH + COLUMN_GAP), MARGIN + row * ROW_HEIGHT

    parts = [
        f'<svg class="tree" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="tree-{number}-title">',
        f'<title id="tree-{number}-title">Derivation tree {number + 1}, root {esc(tree["root"])}</title>',
    ]
    for edge in tree["edges"]:
        x1, y1 = corner(edge["source"])
        x2, y2 = corner(edge["derived"])
        x1 += NODE_WIDTH
        y1 += NODE_HEIGHT / 2
        y2 += NODE_HEIGHT / 2
        middle = (x1 + x2) / 2
        notes = [f"overlap {percent(edge['overlap'])}%", f"confidence {edge['confidence']:.2f}"]
        if edge["date_conflict"]:
            notes.append("date conflict: the dates say the other direction")
        label = f"{percent(edge['overlap'])}%"
        target = pair_anchors.get((edge["source"], edge["derived"]))
        text = (
            f'<text class="edge-label" x="{x2 - 6:g}" y="{y2 - 6:g}" text-anchor="end">{esc(label)}</text>'
        )
        if target:
            text = f'<a href="#{target}">{text}</a>'
        parts.append(
            f'<g class="{edge_classes(edge)}">'
            f"<title>{esc(edge['source'])} → {esc(edge['derived'])}: {esc(', '.join(notes))}</title>"
            f'<path d="M{x1:g},{y1:g} C{middle:g},{y1:g} {middle:g},{y2:g} {x2:g},{y2:g}"/>'
            f"{text}</g>"
        )
    for article in sorted(places):
        x, y = corner(article)
        info = articles.get(article, {})
        date = info.get("published")
        date_line = f"{date} · {info.get('published_from') or 'date'}" if date else "date unknown"
        title = info.get("title")
        tooltip = article + (f"\n{title}" if title else "") + f"\n{date_line}"
        root = " root" if article == tree["root"] else ""
        parts.append(
            f'<a href="#{anchors[article]}" class="node{root}">'
            f"<title>{esc(tooltip)}</title>"
            f'<rect x="{x:g}" y="{y:g}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6"/>'
            f'<text class="node-id" x="{x + 8:g}" y="{y + 18:g}">{esc(_shorten(article))}</text>'
            f'<text class="node-date" x="{x + 8:g}" y="{y + 35:g}">{esc(date_line)}</text>'
            "</a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def draw_legend() -> str:
    """The key to edge styles: normal, date conflict, low confidence."""
    items = [
        ("edge", "derivation (label: overlap % of the derived article)"),
        ("edge conflict", "date conflict: the dates say the other direction"),
        ("edge weak", f"low confidence (below {LOW_CONFIDENCE:g})"),
    ]
    rows = []
    for number, (classes, label) in enumerate(items):
        y = 14 + number * 22
        rows.append(
            f'<g class="{classes}"><path d="M4,{y} L52,{y}"/></g>'
            f'<text class="legend-label" x="62" y="{y + 4}">{esc(label)}</text>'
        )
    height = 14 + len(items) * 22
    return (
        f'<svg class="legend" viewBox="0 0 420 {height}" width="420" height="{height}" role="img" '
        f'aria-label="Legend of edge styles">{"".join(rows)}</svg>'
    )


def draw_histogram(overlaps: Sequence[float], bins: int = 20) -> str:
    """Bars counting pairs per overlap band (``bins`` equal bands of [0, 1]; 100% falls in the last)."""
    counts = [0] * bins
    for overlap in overlaps:
        counts[min(int(overlap * bins), bins - 1)] += 1
    tallest = max(counts) or 1
    left, bottom, plot_width, plot_height = 34, 150, 400, 120
    bar = plot_width / bins
    parts = [
        f'<svg class="histogram" viewBox="0 0 {left + plot_width + 10} {bottom + 34}" role="img" '
        f'aria-labelledby="histogram-title">',
        '<title id="histogram-title">Pairs per overlap band</title>',
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{left + plot_width}" y2="{bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{bottom - plot_height}" x2="{left}" y2="{bottom}"/>',
        f'<text class="tick" x="{left - 4}" y="{bottom - plot_height + 4}" text-anchor="end">{tallest if max(counts) else 0}</text>',
        f'<text class="tick" x="{left - 4}" y="{bottom + 4}" text-anchor="end">0</text>',
    ]
    for band, count in enumerate(counts):
        low, high = 100 * band // bins, 100 * (band + 1) // bins
        if count:
            bar_height = plot_height * count / tallest
            x = left + band * bar
            parts.append(
                f'<rect class="bar" x="{x + 1:g}" y="{bottom - bar_height:g}" width="{bar - 2:g}" '
                f'height="{bar_height:g}"><title>{low}–{high}% overlap: {count} pairs</title></rect>'
                f'<text class="count" x="{x + bar / 2:g}" y="{bottom - bar_height - 3:g}" text-anchor="middle">{count}</text>'
            )
    for tick in range(0, 101, 10):
        x = left + plot_width * tick / 100
        parts.append(f'<text class="tick" x="{x:g}" y="{bottom + 16}" text-anchor="middle">{tick}</text>')
    parts.append(
        f'<text class="tick" x="{left + plot_width / 2:g}" y="{bottom + 31}" text-anchor="middle">'
        "overlap % of the derived article</text></svg>"
    )
    return "".join(parts)
