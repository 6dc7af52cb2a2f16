"""Tree: directed matches in, derivation trees (one parent per article) and stories out.

Owns the family structure. Matches form a directed graph; per connected family
we keep the maximum branching (each article's best edge when those close no
cycle, else Edmonds' algorithm, via networkx, in each strongly connected component) over edge
weights ``confidence × overlap × closeness`` (``_closeness``: how much of the article its
source's passages hold, less a little for what they hold beyond it): every article gets at
most one parent, the most convincing one, and no cycle survives. A source whose gap in dates is far
less usual, in the corpus's clear derivations, than that of another source that is a version
of the same text (``_atypical``: a copy and its own source, a light edit and the text it
edits) goes below every other, and so does, of an article's best source and a rival of nearly
its evidence, the one whose variant readings the article never follows where it follows the
other's (``_not_followed``, from ``readings``); equal evidence goes to the earliest.
Each resulting tree is reported with its root. Articles that were linked by shared material
too weak to be a derivation (same story, independent writing) are grouped as *stories*,
which are reported apart and never drawn as edges.
"""

from __future__ import annotations

import datetime
from collections import Counter
from itertools import takewhile
from typing import Callable, Iterable, Mapping, Optional, Sequence

import networkx as nx

from provenance.model import Edge, Match, Tree


def _components(links: Iterable[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The articles that ``links`` connect, ignoring direction, in groups: each sorted, the list sorted.

    Union-find with path halving: at a million articles, building a networkx graph only to
    ask for its components took seconds.
    """
    up: dict[str, str] = {}

    def root(node: str) -> str:
        while up[node] != node:
            up[node] = up[up[node]]
            node = up[node]
        return node

    for a, b in links:
        up.setdefault(a, a)
        up.setdefault(b, b)
        ra, rb = root(a), root(b)
        if ra != rb:
            up[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in sorted(up):
        groups.setdefault(root(node), []).append(node)
    return sorted(tuple(group) for group in groups.values())


def _similarity(match: Match) -> float:
    """Mean passage similarity, weighted by the derived article's characters in each passage:
    ``_closeness``'s stand-in for a match that does not say what its passages hold."""
    weighted, total = 0.0, 0
    for passage in match.passages:
        n = max(1, passage.derived_end - passage.derived_start)
        weighted += passage.similarity * n
        total += n
    return weighted / total if total else 1.0


# Among sources of exactly equal evidence, one whose publication gap before the derived article
# is this many times less typical of the corpus's clear derivations than another's is passed
# over (a Bayes factor of 10: "strong" evidence on Jeffreys' scale) ...
ATYPICAL_GAP_FACTOR = 10
# ... each gap's typicality being its count among the clear derivations' gaps (in days) plus
# this (Jeffreys' prior for a histogram's bins), so a handful of derivations never decides.
GAP_PRIOR = 0.5


def _day(date: Optional[str]) -> Optional[int]:
    """A ``YYYY-MM-DD`` date as a day number, or ``None`` when there is none to read."""
    try:
        return datetime.date.fromisoformat(date).toordinal() if date else None
    except ValueError:
        return None


def _atypical(into: Mapping[str, Mapping[str, tuple[Match, int, int]]], published: Mapping[str, Optional[str]]) -> set[tuple[str, str]]:
    """The (source, derived) edges passed over for their gap in dates, beside a version of their source dated as usual.

    ``into``: each derived article's sources, with their matches and evidence (``_evidence``) first.
    A copy and its own source give the articles derived from them the same evidence, and a light
    edit and the text it edits nearly the same: the text cannot say which version was used, as its
    small differences in evidence come from what the article dropped, not from what it took. Their
    dates can, where the corpus shows how long after its source a derivation comes: a content farm
    republishes within days, so a version published long before that, beside one published within
    the usual gap, is the less likely source. The usual gaps are counted on the derivations whose
    source the text decides alone (one source of most evidence, dated no later than the article).
    A source is passed over when its gap is ``ATYPICAL_GAP_FACTOR`` times rarer there than the gap
    of another source of the article that is a version of it: of equal evidence, or a match of
    the two in either direction. A small corpus, an undated one, or gaps as common as each other
    leave the choice to the evidence, then to the earliest date.
    """
    days: dict[str, Optional[int]] = {}

    def day(article: str) -> Optional[int]:
        if article not in days:
            days[article] = _day(published.get(article))
        return days[article]

    gaps: Counter[int] = Counter()
    for derived, sources in into.items():
        if len(sources) == 1:
            best: Optional[str] = next(iter(sources))
        else:
            most = max(evidence for _, evidence, _ in sources.values())
            best_sources = [source for source, (_, evidence, _) in sources.items() if evidence == most]
            best = best_sources[0] if len(best_sources) == 1 else None
        if best is not None and (derived_day := day(derived)) is not None:
            source_day = day(best)
            if source_day is not None and source_day <= derived_day:
                gaps[derived_day - source_day] += 1

    def versions(a: str, b: str, derived: str) -> bool:
        return into[derived][a][1] == into[derived][b][1] or a in into.get(b, {}) or b in into.get(a, {})

    passed_over = set()
    for derived, sources in into.items():
        derived_day = day(derived)
        if len(sources) < 2 or derived_day is None:
            continue
        typical = sorted(((gaps.get(derived_day - source_day, 0) + GAP_PRIOR, source) for source in sources
                          if (source_day := day(source)) is not None), reverse=True)
        for value, source in typical:
            # The sources far more typical than this one come first: only those can pass it over.
            far_more_typical = takewhile(lambda item: item[0] > value * ATYPICAL_GAP_FACTOR, typical)
            if any(versions(source, other, derived) for _, other in far_more_typical):
                passed_over.add((source, derived))
    return passed_over


# An article's best source and a rival within this share of its evidence are versions of one text
# as far as the evidence can tell: their variant readings decide between them (``_not_followed``).
READINGS_MARGIN = 0.05
# Readings: (article, source, rival) ids in; per row, how many of the source's readings the article
# follows and how many of the rival's (``readings.followed_readings``) out.
Readings = Callable[[list[tuple[str, str, str]]], Sequence[tuple[int, int]]]


def _not_followed(into: Mapping[str, Mapping[str, tuple[Match, int, int]]], readings: Readings) -> set[tuple[str, str]]:
    """The (source, derived) edges passed over for their variant readings: of an article's best
    source and a rival within ``READINGS_MARGIN`` of its evidence (not equal: copies have no
    variants), the one whose readings the article never follows where it follows the other's.

    A light edit of the parent that dropped a sentence the article also dropped is the closer
    of the two, or as close; but the article keeps the parent's words where the edit replaced
    them. Between sources further apart, the evidence speaks louder than a word: a spinner makes
    the same synonym swaps in two spins of one text, so siblings share readings neither took from
    the other (bench/README, Quality notes, session 26).
    """
    triples = []
    for derived, sources in into.items():
        if len(sources) < 2:
            continue
        best, (_, most, _) = max(sources.items(), key=lambda item: (item[1][1], item[0]))
        triples += [(derived, best, rival) for rival, (_, evidence, _) in sorted(sources.items())
                    if evidence != most and most <= (1 + READINGS_MARGIN) * evidence]
    passed_over = set()
    for (derived, best, rival), (for_best, for_rival) in zip(triples, readings(triples) if triples else ()):
        if for_rival and not for_best:
            passed_over.add((best, derived))
        elif for_best and not for_rival:
            passed_over.add((rival, derived))
    return passed_over


# How much a source's words that the article lacks count against the source, against 1 for the
# article's words that the source lacks (``_closeness``).
DROPPED_WEIGHT = 0.25


def _closeness(match: Match) -> float:
    """How closely the source's passages explain the derived article's: the Tversky index of their
    stems (each weighing its rarity, ``SentenceIndex.rarity``) with weight 1 on the article's
    stems the source lacks and ``DROPPED_WEIGHT`` on the source's stems the article lacks; the
    passages' similarity (Dice) where the match does not say what its passages hold.

    A derivation drops freely (sentences, words) but cannot take what its source lacks: a light
    edit of the parent that happens to drop what the article dropped is as close by Dice as the
    parent itself, or closer, but it lacks what the article took from the parent.
    """
    if match.held <= 0 or match.used <= 0:
        return _similarity(match)
    return 1.0 / (1.0 / match.held + DROPPED_WEIGHT * (1.0 / match.used - 1.0))


def _evidence(match: Match) -> int:
    """An edge's weight in integer micro-units (so that equal evidence compares equal)."""
    return round(match.confidence * match.overlap * _closeness(match) * 1_000_000)


def _best_parents(edges: Iterable[tuple[str, str, int]]) -> Optional[dict[str, str]]:
    """Each article's source by its best incoming edge (positive weights only), when those edges close no cycle; else ``None``.

    Those edges are then a maximum branching, the one Edmonds' algorithm returns, at a
    fraction of its cost (it copies the graph at every step: two thirds of the trees stage at
    100k articles). In a dated family edges run from earlier to later, so they seldom close one.
    """
    best: dict[str, tuple[str, int]] = {}
    for source, derived, weight in edges:
        if weight > 0 and (derived not in best or weight > best[derived][1]):
            best[derived] = (source, weight)
    parent = {derived: source for derived, (source, _) in best.items()}
    walked: dict[str, str] = {}  # article -> the walk up from which it was first reached
    for start in parent:
        node = start
        while node in parent and node not in walked:
            walked[node] = start
            node = parent[node]
        if walked.get(node) == start:  # this walk came back to an article it passed: a cycle
            return None
    return parent


# Stands for every source outside a strongly connected component in ``_branching_by_component``
# (a tuple: never an article id).
_OUTSIDE = ("outside",)


def _branching_by_component(graph: nx.DiGraph) -> dict[str, str]:
    """A maximum branching of a family whose best parents close a cycle: Edmonds' algorithm inside
    each strongly connected component alone, as ``{derived: source}``.

    A cycle lies inside one component, and a source outside an article's component can never
    close one through it; so each component is a problem of its own, where its articles' best
    sources outside it are one extra root (``_OUTSIDE``), and an article alone in its component
    takes its best source. On one family's whole graph, networkx's Edmonds copies the graph at
    every step: seconds for a family of thousands of articles with one cycle in it.
    """
    parent: dict[str, str] = {}
    for component in nx.strongly_connected_components(graph):
        outside: dict[str, tuple[int, str]] = {}  # article -> (weight, source) of its best source outside
        inside = nx.DiGraph()
        for derived in component:
            for source, _, weight in graph.in_edges(derived, data="weight"):
                if source in component:
                    inside.add_edge(source, derived, weight=weight)
                elif weight > 0 and (derived not in outside or (weight, source) > outside[derived]):
                    outside[derived] = (weight, source)
        if len(component) == 1:
            parent.update((derived, source) for derived, (_, source) in outside.items())
            continue
        inside.add_weighted_edges_from((_OUTSIDE, derived, weight) for derived, (weight, _) in outside.items())
        for source, derived in nx.maximum_branching(inside, attr="weight").edges():
            parent[derived] = outside[derived][1] if source == _OUTSIDE else source
    return parent


def build_trees(matches: Iterable[Match], published: Optional[Mapping[str, Optional[str]]] = None,
                readings: Optional[Readings] = None) -> list[Tree]:
    """The derivation forest of the given matches.

    Args:
        matches: Verified, directed matches.
        published: Publication date (``YYYY-MM-DD``) of articles, where known. Of two sources
            that are versions of one text (a copy and its own source, a light edit and the text
            it edits), the text can hardly tell which one an article took: one whose gap in
            dates is far less typical than the other's goes below every other (``_atypical``).
            When several sources give an article exactly the same evidence (the others are the
            edge's ``alternatives``), the earliest published gets the edge, for the first
            publisher wrote it.
        readings: What the articles' variant readings say, where the caller can read their
            sentences: of an article's best source and a rival of nearly its evidence, one whose
            readings the article never follows where it follows the other's goes below every
            other (``_not_followed``).

    Returns:
        Trees sorted by root id; in each, ``articles`` lists the root first then the
        others sorted, and ``edges`` are sorted by (source, derived).
    """
    published = published or {}

    def preference(match: Match) -> tuple[bool, str, str, str]:
        date = published.get(match.source)
        return (date is None, date or "", match.source, match.derived)

    # An edge's weight: its evidence first, then its rank in order of preference, so that equal
    # evidence is never broken by set order, which changes with string hashing.
    matches = sorted(matches, key=preference, reverse=True)
    n = len(matches)
    into: dict[str, dict[str, tuple[Match, int, int]]] = {}  # article -> its sources -> (match, evidence, weight)
    for rank, match in enumerate(matches):
        evidence = _evidence(match)
        into.setdefault(match.derived, {})[match.source] = (match, evidence, evidence * (2 * n + 1) + n + rank)
    # A source passed over, for its gap in dates or its readings, goes below every other source of
    # the article (whose weights are at least 2n + 1), in order of preference.
    passed_over = _atypical(into, published) | (_not_followed(into, readings) if readings else set())
    for source, derived in passed_over:
        match, evidence, weight = into[derived][source]
        into[derived][source] = (match, evidence, weight % (2 * n + 1) + 1)
    trees = []
    # One branching per family: many small graphs, not one large one.
    for family in _components((m.source, m.derived) for m in matches):
        edges = [(source, derived, weight) for derived in family for source, (_, _, weight) in into.get(derived, {}).items()]
        parent = _best_parents(edges)
        if parent is None:  # a cycle: Edmonds' algorithm, where the cycles are
            graph = nx.DiGraph()
            graph.add_weighted_edges_from(edges)
            parent = _branching_by_component(graph)
        # A branching is a forest: each tree is the articles that walk up to one root.
        tree_of: dict[str, list[str]] = {}
        for node in family:  # sorted, and so each tree's articles
            root = node
            while root in parent:
                root = parent[root]
            tree_of.setdefault(root, []).append(node)
        for root, tree_nodes in sorted(tree_of.items(), key=lambda item: item[1]):
            edges = sorted((into[node][parent[node]][0] for node in tree_nodes if node in parent), key=lambda m: (m.source, m.derived))
            if not edges:
                continue
            tied = {
                m.derived: tuple(sorted(
                    other for other, (_, evidence, _) in into[m.derived].items()
                    if other != m.source and evidence == into[m.derived][m.source][1]
                ))
                for m in edges
            }
            trees.append(
                Tree(
                    root=root,
                    articles=(root, *[node for node in tree_nodes if node != root]),
                    edges=tuple(Edge(m.source, m.derived, m.overlap, m.confidence, m.date_conflict, tied[m.derived]) for m in edges),
                )
            )
    return sorted(trees, key=lambda t: t.root)


def build_stories(links: Iterable[tuple[str, str]], matches: Iterable[Match]) -> list[tuple[str, ...]]:
    """Groups of articles on one story: linked by some aligned material, derivation or not.

    Args:
        links: Pairs that shared aligned passages but were not asserted as derivations.
        matches: The asserted derivations (their families belong to the story too).

    Returns:
        Stories of two or more articles that hold at least one non-derivation link,
        each sorted, the list sorted.
    """
    links = list(links)
    if not links:
        return []
    weak = {node for pair in links for node in pair}
    stories = _components(links + [(m.source, m.derived) for m in matches])
    return [story for story in stories if len(story) > 1 and not weak.isdisjoint(story)]
