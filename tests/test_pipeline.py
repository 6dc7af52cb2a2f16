"""pipeline: the facts verification workers read, and the scan's memory plumbing."""

from __future__ import annotations

from provenance.model import Article
from provenance.pipeline import _ArticleFacts


def test_article_facts_give_back_what_scoring_reads():
    articles = [
        Article(id="a/1.txt", text="Some text.", path="a/1.txt", published="2024-01-02"),
        Article(id="b/ünïcode \ud800.txt", text="", path="b", chars=1234),  # a lone surrogate survives
        Article(id="", text="xy", path="c"),
    ]
    facts = _ArticleFacts(articles)
    assert len(facts) == 3
    for got, want in zip(facts, articles):
        assert (got.id, got.published, got.length, got.text) == (want.id, want.published, want.length, "")
