"""readings: the variant readings an article follows, against a plain Python reading of the rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from provenance.pipeline import scan
from provenance.readings import MATCHING_SHARE, VERSION_JACCARD, followed_readings
from provenance.shingle import shingle_text
from provenance.tree import build_trees
from tests.conftest import VERSIONS, write_versions


def _reference(article: list[set[int]], source: list[set[int]], rival: list[set[int]]) -> tuple[int, int]:
    """The rule as the module docstring says it, sentence by sentence."""
    follows_source = follows_rival = 0
    for x in source:
        scored = [(len(x & y) / len(x | y), -k) for k, y in enumerate(rival) if x & y]
        if not scored:
            continue
        jaccard, k = max(scored)
        y = rival[-k]
        if jaccard < VERSION_JACCARD or x == y:
            continue
        held = [(len(d & (x | y)), -k) for k, d in enumerate(article)]
        most, k = max(held, default=(0, 0))
        if most == 0 or most < MATCHING_SHARE * len(x | y):
            continue
        d = article[-k]
        follows_source += len(d & (x - y))
        follows_rival += len(d & (y - x))
    return follows_source, follows_rival


def _sentences(text: str) -> list[set[int]]:
    s = shingle_text(text)
    bounds, stems = s.sentence_starts.tolist(), s.hashes.tolist()
    return [set(stems[a:b]) for a, b in zip(bounds, bounds[1:])]


def test_an_article_follows_its_parents_readings_where_a_light_edit_replaced_them():
    kept = [s for k, s in enumerate(VERSIONS) if k not in (3, 7, 11)]
    parent = ". ".join(VERSIONS) + "."
    edit = (". ".join(kept) + ".").replace("portable floodlights", "temporary lamps").replace("grain shipments", "cereal cargo")
    article = (". ".join(kept) + ".").replace("restored", "repaired")
    texts = [article, edit, parent]
    shingled = [shingle_text(t) for t in texts]
    got = followed_readings(np.array([[0, 1, 2], [0, 2, 1], [2, 0, 0]]), shingled.__getitem__).tolist()
    # Two phrases of two stems each: the article follows the parent's four readings, none of the edit's.
    assert got[:2] == [[0, 4], [4, 0]]
    assert got[2] == [0, 0]  # a text against itself has no variants


words = st.sampled_from("bridge railway grain farmers span vibration concert ticket hall season flood train lamp crew".split())
sentences = st.lists(words, min_size=3, max_size=8).map(lambda ws: " ".join(ws).capitalize() + ".")
texts = st.lists(sentences, min_size=1, max_size=8).map(" ".join)


@settings(derandomize=True, max_examples=120, deadline=None)
@given(texts, texts, texts)
def test_followed_readings_equal_the_reference(article, source, rival):
    shingled = [shingle_text(t) for t in (article, source, rival)]
    (got,) = followed_readings(np.array([[0, 1, 2]]), shingled.__getitem__).tolist()
    assert tuple(got) == _reference(*(_sentences(t) for t in (article, source, rival)))


def test_a_scan_credits_the_parent_whose_readings_the_article_follows(tmp_path):
    report = scan([write_versions(tmp_path / "corpus")], workers=1)
    edges = {e.derived: e.source for t in report.trees for e in t.edges}
    assert edges["d"] == "p" and edges["c"] == "p"
    # Without the readings, the light edit, which dropped what d dropped, is the closer source.
    dates = {a.id: a.published for a in report.articles}
    assert {e.derived: e.source for t in build_trees(report.matches, dates) for e in t.edges}["d"] == "c"
