"""The Spark engine in local mode gives the local engine's report, byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from provenance.errors import ProvenanceError
from provenance.ingest import read_corpus
from provenance.pipeline import scan
from provenance.report import to_json
from tests.conftest import SEED_000, SEED_002, SEEDS, write_versions

pytestmark = pytest.mark.spark
pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from provenance.engine_spark import session

    spark = session("local[2]", app_name="provenance-tests")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seeds plus generated variants (a spin, a half copy, a merge), a bad line and a duplicate id."""
    articles, _ = read_corpus([SEEDS])
    folder = tmp_path_factory.mktemp("corpus")
    records = [{"id": a.id, "text": a.text, "title": a.title} for a in articles]
    records.append({"id": "v1-spin", "text": articles[1].text.replace(" the ", " a ").replace("said", "stated"), "published": "2023-10-02"})
    records.append({"id": "v2-half", "text": articles[3].text[: len(articles[3].text) // 2]})
    records.append({"id": "v3-merge", "text": articles[0].text[:1500] + "\n\n" + articles[4].text[-1500:]})
    lines = [json.dumps(r) for r in records[:4]] + ["{not json"] + [json.dumps(r) for r in records[4:]]
    lines.append(json.dumps({"id": "v1-spin", "text": "a duplicate id"}))
    (folder / "a.jsonl").write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    sub = folder / "more"
    sub.mkdir()
    (sub / "b.jsonl").write_text("\n".join(lines[5:]) + "\n", encoding="utf-8")
    return folder


def test_spark_report_is_byte_identical_to_local(spark, corpus):
    from provenance.engine_spark import scan_spark

    local = scan([corpus], workers=1)
    distributed = scan_spark([corpus], spark=spark, partitions=3)
    assert to_json(distributed) == to_json(local)
    assert len(local.matches) >= 2 and len(local.skipped) == 2  # the comparison is not vacuous


def test_spark_counts_stock_sentences_over_the_whole_corpus_as_locally(spark):
    # A reworded sentence stands in a long article beside its original's article, and in two
    # short ones: a stock phrase, which makes the long pair no passage in the local engine. A
    # partition that verifies the long pair alone would count one holder, not three, and find a
    # passage, unless told the stock sentences counted over the whole corpus.
    from types import SimpleNamespace

    import numpy as np

    from provenance.engine_spark import _stock_keys, _verify_partition
    from provenance.model import Article
    from provenance.pipeline import shingle_articles
    from provenance.sentences import SentenceIndex, _set_keys
    from provenance.settings import Settings
    from provenance.shingle import Vocabulary
    from provenance.verify import verify_pairs
    from tests.test_align import stock_phrase_texts

    articles = [Article(id=f"a{k}", text=text, path=f"a{k}.txt") for k, text in enumerate(stock_phrase_texts())]
    shingled = list(shingle_articles(articles))
    vocabulary = Vocabulary.build(shingled)
    whole = SentenceIndex.build(shingled, vocabulary)
    wanted = np.unique(_set_keys(vocabulary.stems, whole.hashes, whole.sentence_offsets)[whole.stock])
    rdd = spark.sparkContext.parallelize(list(enumerate(zip(articles, shingled))), 3)
    stock = _stock_keys(rdd, spark.sparkContext.broadcast(vocabulary), 3)
    assert np.array_equal(stock, wanted) and len(stock) == 1  # REWORDED's, counted across partitions

    settings = Settings()
    _, [(locally, _)] = verify_pairs(articles, shingled, vocabulary, np.array([[0, 1]]), settings)
    rows = [(1, ((0, articles[0], shingled[0]), (articles[1], shingled[1])))]
    told, = _verify_partition(iter(rows), SimpleNamespace(value=vocabulary), SimpleNamespace(value=stock), settings)
    alone, = _verify_partition(iter(rows), SimpleNamespace(value=vocabulary), SimpleNamespace(value=stock[:0]), settings)
    assert locally is None and told[2] is None  # as the whole corpus: no derivation
    assert alone[2] is not None  # counted in the partition alone, the stock phrase was evidence


def test_spark_links_a_crowd_of_copies_to_the_same_earliest_copy_as_locally(spark, tmp_path):
    # 70 copies of a seed put its windows in crowded buckets (more than max_bucket), which both
    # engines link to the earliest copy, found from the dates (broadcast to the executors).
    from provenance.engine_spark import scan_spark

    text = (SEEDS / SEED_000).read_text(encoding="utf-8")
    lines = [json.dumps({"id": f"site{k:02d}", "text": text, "published": f"2023-09-{10 + (k + 33) % 70 // 4:02d}"}) for k in range(70)]
    (tmp_path / "copies.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = scan([tmp_path], workers=1)
    distributed = scan_spark([tmp_path], spark=spark, partitions=3)
    assert to_json(distributed) == to_json(local)
    assert len(local.matches) == 69 and {m.source for m in local.matches} == {"site37"}  # the first of the earliest


def test_spark_reads_variant_readings_as_locally(spark, tmp_path):
    # d's parent is told from a light edit of it by the readings d follows, counted on the executors.
    from provenance.engine_spark import scan_spark

    folder = write_versions(tmp_path / "versions")
    local = scan([folder], workers=1)
    assert {e.derived: e.source for t in local.trees for e in t.edges}["d"] == "p"
    assert to_json(scan_spark([folder], spark=spark, partitions=3)) == to_json(local)


def test_spark_skips_over_long_articles_as_locally(spark, corpus):
    from provenance.engine_spark import scan_spark

    local = scan([corpus], workers=1, max_article_chars=2000)
    distributed = scan_spark([corpus], spark=spark, partitions=3, max_article_chars=2000)
    assert to_json(distributed) == to_json(local)
    assert any("over the limit of 2,000" in s.reason for s in local.skipped)


def test_spark_seeds_only_000_to_002(spark, tmp_path):
    from provenance.engine_spark import scan_spark

    articles, _ = read_corpus([SEEDS])
    path = tmp_path / "seeds.jsonl"
    path.write_text("".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in articles), encoding="utf-8")
    report = scan_spark([path], spark=spark)
    assert [(m.source, m.derived) for m in report.matches] == [(articles[0].id, articles[2].id)]
    assert to_json(report) == to_json(scan([path], workers=1))


def test_missing_pyspark_is_one_clear_line(tmp_path):
    """Without pyspark, --engine spark says how to install it (exit 3, one line)."""
    code = (
        "import sys; sys.modules['pyspark'] = None; sys.modules['pyspark.sql'] = None\n"
        "from provenance.cli import main; main(['scan', %r, '--engine', 'spark'])" % str(SEEDS)
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 3
    assert result.stderr.strip() == "error: the Spark engine needs pyspark; install it with: pip install 'provenance[spark]'"


def test_install_hint_raised_by_library(monkeypatch):
    import provenance.engine_spark as engine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ProvenanceError, match=r"pip install 'provenance\[spark\]'"):
        engine.session("local[1]")


def test_driver_keeps_only_matched_texts(spark, tmp_path):
    from provenance.engine_spark import scan_spark
    from provenance.ingest import read_corpus

    articles, _ = read_corpus([SEEDS])
    corpus = tmp_path / "seeds.jsonl"
    corpus.write_text("".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in articles), encoding="utf-8")
    report = scan_spark([corpus], spark=spark)
    matched = {name for m in report.matches for name in (m.source, m.derived)}
    assert matched == {SEED_000, SEED_002}
    full = {a.id: a.text for a in articles}
    for article in report.articles:
        assert article.length == len(full[article.id])
        assert article.text == (full[article.id] if article.id in matched else "")


def test_the_spark_submit_entry_point_writes_the_local_report(spark, corpus, tmp_path, capsys):
    """``python -m provenance.engine_spark`` (what ``spark-submit`` runs): the report file, or one line and exit 4."""
    from provenance.engine_spark import main as spark_main

    out = tmp_path / "report.json"
    assert spark_main([str(corpus), "--partitions", "3", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == to_json(scan([corpus], workers=1))
    assert capsys.readouterr().err.startswith("provenance: ")
    assert spark_main([str(corpus), "-o", str(tmp_path / "missing" / "report.json")]) == 4
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: cannot write the report {tmp_path}/missing/report.json: No such file or directory; "
        "check that its folder exists and can be written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    before = (corpus / "a.jsonl").read_bytes()
    with pytest.raises(SystemExit) as stopped:  # -o naming an input: a usage error before any work
        spark_main([str(corpus), "-o", str(corpus / "a.jsonl")])
    assert stopped.value.code == 2 and (corpus / "a.jsonl").read_bytes() == before
    assert "is one of the inputs" in capsys.readouterr().err
