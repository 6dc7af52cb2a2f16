"""HTML report: a ``Report`` in, one self-contained page out.

Owns the page people read: for an audit, its verdicts first (each audited article,
its sources, linked to their pairs); the overview (counts, settings, a histogram of pair
overlaps, each derivation tree drawn in SVG, the stories), a section per pair
with both texts side by side and the aligned passages highlighted in the
original text, and the article table. Everything is rendered from the JSON
contract (``provenance.report.report_dict``) plus the article texts, so the page
and the JSON never disagree. The page loads nothing: CSS and JS are inline and
allowed by hash in a strict Content-Security-Policy, and the only links are
``#fragment`` ids generated here. Scraped text is untrusted: every string from
an article is escaped, and none reaches a URL or a script. Drawing lives in
``provenance.svg``; the template, CSS and JS are package data in ``templates/``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
import string
from typing import Any, Mapping, Sequence

from provenance.model import Report
from provenance.report import percent, report_dict
from provenance.svg import LOW_CONFIDENCE, draw_histogram, draw_legend, draw_tree, edge_classes, esc

# Passage colours cycle through this many CSS classes (c0 … c7).
COLOURS = 8

# Characters a browser would not show faithfully (C0 controls but tab, newline and carriage return; DEL;
# lone surrogates, which cannot even be encoded as UTF-8). Each becomes one U+FFFD, so offsets stay true.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _template(name: str) -> str:
    return (importlib.resources.files("provenance") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """The page's policy: nothing loads from anywhere; only our own inline style and script run."""
    return (
        f"default-src 'none'; style-src {_csp_hash(style)}; script-src {_csp_hash(script)}; "
        "base-uri 'none'; form-action 'none'"
    )


def clean(text: str) -> str:
    """``text`` with unshowable characters replaced one for one by U+FFFD (offsets unchanged)."""
    return _UNSHOWABLE.sub("\ufffd", text)


def passage_id(pair: int, passage: int, side: str) -> str:
    """Fragment id of one end of a passage: ``p-<pair>-<passage>-<s|d>``."""
    return f"p-{pair}-{passage}-{side}"


def highlight(text: str, spans: Sequence[tuple[int, int]], pair: int, side: str) -> str:
    """``text`` as escaped HTML with each span wrapped in a link to its partner on the other side.

    Spans are half-open character offsets into ``text``, one per passage, in passage
    order. Spans may overlap: the text is cut at every span boundary and each piece is
    coloured by the first passage covering it and lists all of them in
    ``data-passages``. Every passage gets exactly one element with its id, on its first
    piece, or an empty focusable anchor where an earlier passage already owns that piece.
    """
    other = "d" if side == "s" else "s"
    length = len(text)
    clipped = [(min(max(start, 0), length), min(max(end, 0), length)) for start, end in spans]
    cuts = sorted({0, length, *(s for s, _ in clipped), *(e for _, e in clipped)})
    placed: set[int] = set()
    out: list[str] = []
    for number, cut in enumerate(cuts):
        end = cuts[number + 1] if number + 1 < len(cuts) else cut
        covering = [k for k, (s, e) in enumerate(clipped) if s <= cut < e] if end > cut else []
        owner = covering[0] if covering else None
        # Passages starting here that will not own this piece (covered by an earlier one, or empty).
        for k, (s, _) in enumerate(clipped):
            if s == cut and k != owner and k not in placed:
                placed.add(k)
                out.append(f'<span class="anchor" id="{passage_id(pair, k, side)}" tabindex="-1"></span>')
        if end == cut:
            continue
        piece = esc(clean(text[cut:end]))
        if owner is None:
            out.append(piece)
            continue
        classes = f"psg c{owner % COLOURS}" + (" multi" if len(covering) > 1 else "")
        attributes = f'href="#{passage_id(pair, owner, other)}" data-passages="{" ".join(map(str, covering))}"'
        if owner not in placed:
            placed.add(owner)
            classes += " start"
            attributes += f' id="{passage_id(pair, owner, side)}" data-n="{owner + 1}"'
        out.append(f'<a class="{classes}" {attributes}>{piece}</a>')
    return "".join(out)


def _article_link(article: str, anchors: Mapping[str, str]) -> str:
    target = anchors.get(article)
    return f'<a class="article-link" href="#{target}">{esc(article)}</a>' if target else esc(article)


def _date(info: Mapping[str, Any]) -> str:
    if not info.get("published"):
        return "date unknown"
    return f"{info['published']} (from {info.get('published_from') or 'unknown'})"


def _summary(data: Mapping[str, Any]) -> str:
    counts = [
        ("articles", len(data["articles"])),
        ("pairs", len(data["pairs"])),
        ("trees", len(data["trees"])),
        ("stories", len(data["stories"])),
        ("skipped", len(data["skipped"])),
    ]
    return "".join(
        f'<div class="tally" id="count-{name}"><span class="number">{value}</span> <span class="name">{name}</span></div>'
        for name, value in counts
    )


def _settings(data: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>" for name, value in data["settings"].items())
    return f'<table class="settings"><tr><th>settings_key</th><td><code>{esc(data["settings_key"])}</code></td></tr>{rows}</table>'


def _alternatives(edge: Mapping[str, Any], anchors: Mapping[str, str]) -> str:
    if not edge.get("alternatives"):
        return ""
    others = ", ".join(_article_link(other, anchors) for other in edge["alternatives"])
    return f'; <span class="flag">as much evidence from {others}</span>'


def _trees(data: Mapping[str, Any], articles: Mapping[str, Any], anchors: Mapping[str, str],
           pair_anchors: Mapping[tuple[str, str], str]) -> str:
    if not data["trees"]:
        return '<p class="empty">No derivations found.</p>'
    figures = []
    for number, tree in enumerate(data["trees"]):
        edges = "".join(
            f'<li class="{edge_classes(edge)}">{_article_link(edge["source"], anchors)} → '
            f'{_article_link(edge["derived"], anchors)}: overlap {percent(edge["overlap"])}%, '
            f'confidence {edge["confidence"]:.2f}{", date conflict" if edge["date_conflict"] else ""}'
            f'{_alternatives(edge, anchors)}</li>'
            for edge in tree["edges"]
        )
        figures.append(
            f'<figure class="tree-figure" id="tree-{number}"><div class="scroll">'
            f"{draw_tree(tree, number, articles, anchors, pair_anchors)}</div>"
            f"<figcaption>Tree {number + 1}: root {_article_link(tree['root'], anchors)}, "
            f"{len(tree['articles'])} articles<ul class=\"edges\">{edges}</ul></figcaption></figure>"
        )
    return "".join(figures)


def _stories(data: Mapping[str, Any], anchors: Mapping[str, str]) -> str:
    if not data["stories"]:
        return '<p class="empty">None.</p>'
    items = "".join(
        "<li>" + "".join(f'<span class="chip">{_article_link(a, anchors)}</span>' for a in story["articles"]) + "</li>"
        for story in data["stories"]
    )
    return f'<ul class="stories">{items}</ul>'


def _pair(number: int, pair: Mapping[str, Any], articles: Mapping[str, Any], texts: Mapping[str, str],
          anchors: Mapping[str, str]) -> str:
    numbers = [
        ("relation", esc(pair["relation"])),
        ("overlap", f"{percent(pair['overlap'])}% of the derived article"),
        ("source reused", f"{percent(pair['source_overlap'])}% of the source"),
        ("jaccard", f"{pair['jaccard']:.3f}"),
        ("confidence", f"{pair['confidence']:.2f}" + (" (low)" if pair["confidence"] < LOW_CONFIDENCE else "")),
        ("direction from", esc(pair["direction_from"])),
        ("date conflict", "yes" if pair["date_conflict"] else "no"),
        ("passages", str(len(pair["passages"]))),
    ]
    facts = "".join(f'<div class="fact"><dt>{name}</dt><dd class="{name.replace(" ", "-")}">{value}</dd></div>'
                    for name, value in numbers)
    sides = []
    for side, role in (("s", "source"), ("d", "derived")):
        article = pair[role]
        info = articles.get(article, {})
        spans = [(p[f"{role}_start"], p[f"{role}_end"]) for p in pair["passages"]]
        title = f'<p class="title">{esc(info["title"])}</p>' if info.get("title") else ""
        sides.append(
            f'<article class="side {role}"><h4>{role} · {_article_link(article, anchors)}</h4>{title}'
            f'<p class="meta">{esc(_date(info))} · {esc(info.get("chars", 0))} characters</p>'
            f'<div class="text">{highlight(texts.get(article, ""), spans, number, side)}</div></article>'
        )
    conflict = ' <span class="flag conflict">date conflict</span>' if pair["date_conflict"] else ""
    weak = ' <span class="flag weak">low confidence</span>' if pair["confidence"] < LOW_CONFIDENCE else ""
    return (
        f'<section class="pair" id="pair-{number}"><h3>{_article_link(pair["derived"], anchors)} is derived from '
        f'{_article_link(pair["source"], anchors)}{conflict}{weak}</h3><dl class="facts">{facts}</dl>'
        f'<div class="sides">{"".join(sides)}</div></section>'
    )


def _articles(data: Mapping[str, Any], anchors: Mapping[str, str]) -> str:
    rows = "".join(
        f'<tr id="{anchors[a["id"]]}"><td>{esc(a["id"])}</td><td>{esc(a["title"] or "")}</td>'
        f"<td>{esc(_date(a))}</td><td>{a['chars']}</td><td>{esc(a['path'])}</td></tr>"
        for a in data["articles"]
    )
    return (
        '<div class="scroll"><table class="articles"><thead><tr><th>id</th><th>title</th><th>published</th>'
        f"<th>characters</th><th>path</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _skipped(data: Mapping[str, Any]) -> str:
    if not data["skipped"]:
        return '<p class="empty">Nothing was skipped.</p>'
    items = "".join(f"<li><code>{esc(s['path'])}</code>: {esc(s['reason'])}</li>" for s in data["skipped"])
    return f'<ul class="skipped">{items}</ul>'


def _audit(rows: Sequence[Mapping[str, Any]], anchors: Mapping[str, str], pair_anchors: Mapping[tuple[str, str], str]) -> str:
    """The audit's verdicts, one row per (audited article, source), each linked to its pair section."""
    if not rows:
        return ""
    body = []
    for row in rows:
        pair = pair_anchors.get((row["source"], row["article"])) if row["source"] else None
        verdict = f'<a href="#{pair}">{esc(row["status"])}</a>' if pair else esc(row["status"])
        source = _article_link(row["source"], anchors) if row["source"] else ""
        overlap, confidence = (percent(row["overlap"]), f"{row['confidence']:.2f}") if row["source"] else ("", "")
        body.append(
            f'<tr><td>{_article_link(row["article"], anchors)}</td><td>{verdict}</td><td>{source}</td>'
            f'<td>{esc(row["source_kind"] or "")}</td><td>{overlap}</td><td>{esc(row["relation"] or "")}</td><td>{confidence}</td></tr>'
        )
    return (
        '\n<section id="audit">\n<h2>Audit</h2>\n<p class="note">Each audited article, and where it was taken from: '
        "its best source first, further sources after it.</p>\n"
        '<div class="scroll"><table class="audit"><thead><tr><th>audited article</th><th>status</th><th>source</th>'
        f'<th>source is</th><th>overlap %</th><th>relation</th><th>confidence</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>\n'
        "</section>"
    )


def render_html(report: Report, audit: Sequence[Mapping[str, Any]] = ()) -> str:
    """The report as one self-contained HTML page (no network, works from ``file://``).

    Args:
        report: A scan's result; ``report.articles`` must carry the full texts the
            passages' offsets point into.
        audit: An audit's rows (``audit_report``'s JSON rows: ``article``, ``status``, ``source``,
            ``source_kind``, ``overlap``, ``relation``, ``confidence``), shown first; none for a scan.

    Returns:
        The page as text (UTF-8 when written), deterministic for a given report.
    """
    data = report_dict(report)
    texts = {article.id: article.text for article in report.articles}
    articles = {a["id"]: a for a in data["articles"]}
    anchors = {a["id"]: f"a-{number}" for number, a in enumerate(data["articles"])}
    pair_anchors = {(p["source"], p["derived"]): f"pair-{number}" for number, p in enumerate(data["pairs"])}
    style, script = _template("report.css"), _template("report.js")
    pairs = "".join(_pair(number, pair, articles, texts, anchors) for number, pair in enumerate(data["pairs"]))
    return string.Template(_template("report.html")).substitute(
        audit=_audit(audit, anchors, pair_anchors),
        csp=esc(content_security_policy(style, script)),
        style=style,
        script=script,
        version=esc(data["provenance_version"]),
        settings_key=esc(data["settings_key"]),
        summary=_summary(data),
        settings=_settings(data),
        histogram=draw_histogram([p["overlap"] for p in data["pairs"]]),
        legend=draw_legend(),
        trees=_trees(data, articles, anchors, pair_anchors),
        stories=_stories(data, anchors),
        pairs=pairs or '<p class="empty">No derivations found.</p>',
        articles=_articles(data, anchors),
        skipped=_skipped(data),
    )
