"""Spark engine: the scan as a PySpark job, for corpora beyond one machine.

Owns the distributed plan and nothing algorithmic: every stage calls the same
library functions as the local pipeline, inside ``mapPartitions``, so the same
settings give the same signatures, the same candidate pairs and a
byte-identical JSON report. The plan:

1. read JSONL (``textFile``, one record per line, parsed by the JSONL reader's
   own ``parse_line``) and Parquet (``id``, ``text``, optional ``title``,
   ``published``, ``url`` columns); duplicates resolved as the local reader does
   (the first in path and line order wins);
2. sort by id and number the articles (``zipWithIndex``): the local engine's order;
   learn each site's boilerplate lines on the executors (``groupByKey`` by site) and
   broadcast them;
3. shingle per partition (cached); document frequencies by ``reduceByKey``,
   collected and broadcast as one ``Vocabulary`` (size: distinct stems); so are the
   stock sentences' keys (a sentence's exact stems held by ``STOCK_ARTICLES`` or more
   articles; counted by ``reduceByKey`` too, as the local engine counts them over the corpus);
4. window signatures and band keys per partition; shuffle on (band, key) with
   ``groupByKey``; buckets of at most ``max_bucket`` windows give window pairs, each
   weighing ``collision_weight`` of its bucket's size (integers: sums exact in any order),
   a larger bucket, in one band of four, its windows' pairs with its earliest article
   (``crowd_weight``; dates broadcast); article pairs with at least ``min_hits`` such pairs
   weighing at least ``min_weight`` are candidates;
5. join each pair with both articles, verify per partition (``verify_pairs``, the
   same code as the local engine);
6. collect the verified pairs, sort, and build matches, trees and stories on the driver; the
   trees' variant readings (``readings``) are counted on the executors, each (article, source,
   rival) row's three shingled articles joined to it.

The driver holds the article records without their texts (the report lists
every article; only the texts of matched articles, which the HTML report shows,
are fetched at the end), the learned boilerplate lines, the vocabulary and the
verified pairs; texts, shingles, windows and candidates stay on the executors. ``pyspark`` is an optional extra (``pip install 'provenance[spark]'``).

Entry point for ``spark-submit`` (or plain ``python``)::

    spark-submit --master spark://host:7077 -m provenance.engine_spark corpus/ --format json -o report.json
    python -m provenance.engine_spark corpus/ --master 'local[4]' --partitions 8 -o report.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

import numpy as np

from provenance.candidates import band_keys, collision_weight, crowd_weight, earliest_first, links_crowds, weight_threshold
from provenance.errors import InputError, ProvenanceError, SettingsError
from provenance.boilerplate import mask_article, site_boilerplate, site_of
from provenance.ingest import MAX_ARTICLE_CHARS, _walk
from provenance.ingest.base import check_size_limit, too_long
from provenance.ingest.jsonl import parse_line, parse_record
from provenance.model import Article, Report, Skipped
from provenance.pipeline import conclude, shingle_articles, signature_inputs
from provenance.readings import followed_readings
from provenance.sentences import STOCK_ARTICLES, held_sentence_keys
from provenance.verify import verify_pairs
from provenance.settings import Settings
from provenance.shingle import Shingled, Vocabulary
from provenance.signatures import sign_ranges

INSTALL_HINT = "the Spark engine needs pyspark; install it with: pip install 'provenance[spark]'"
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as error:
        raise ProvenanceError(INSTALL_HINT) from error
    return pyspark.sql


def session(master: Optional[str] = None, app_name: str = "provenance") -> Any:
    """A SparkSession: ``master`` if given, else spark-submit's, else ``$SPARK_MASTER``, else ``local[*]``."""
    sql = _pyspark()
    from pyspark import SparkConf

    # Executors must run the same Python (and so the same provenance) as the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = sql.SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    elif not SparkConf().contains("spark.master"):
        builder = builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _list_inputs(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[tuple[int, Path, str]], list[tuple[int, Skipped]]]:
    """Input files in the local reader's walk order, each with its rank; what the walk skipped."""
    files: list[tuple[int, Path, str]] = []
    skipped: list[tuple[int, Skipped]] = []
    rank = 0
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise InputError(f"{root}: no such file or folder")
        for entry in (_walk(root) if root.is_dir() else [(root, root.name)]):
            rank += 1
            if isinstance(entry, Skipped):
                skipped.append((rank, entry))
                continue
            path = entry[0]
            suffix = path.suffix.lower()
            if suffix in JSONL_SUFFIXES:
                files.append((rank, path, "jsonl"))
            elif suffix in PARQUET_SUFFIXES:
                files.append((rank, path, "parquet"))
            else:
                skipped.append((rank, Skipped(str(path), "the Spark engine reads .jsonl and .parquet files; convert it, or use --engine local")))
    return files, skipped


def _read(spark: Any, files: list[tuple[int, Path, str]], partitions: Optional[int]) -> Any:
    """An RDD of ``(rank, line, Article | Skipped)`` over all input files."""
    context = spark.sparkContext
    parts = []
    for rank, path, kind in files:
        where = str(path)
        if kind == "jsonl":
            lines = context.textFile(where, minPartitions=partitions or None).zipWithIndex()

            def parse(item: tuple[str, int], rank: int = rank, where: str = where) -> list[tuple[int, int, Any]]:
                line, number = item
                if number == 0:
                    line = line.lstrip("\ufeff")  # the local reader decodes a BOM away
                if not line.strip():
                    return []
                return [(rank, number + 1, parse_line(line, f"{where}:{number + 1}"))]

            parts.append(lines.flatMap(parse))
        else:
            rows = spark.read.parquet(where).rdd.zipWithIndex()
            parts.append(rows.map(lambda item, rank=rank, where=where: (rank, item[1] + 1, parse_record(item[0].asDict(), f"{where}:{item[1] + 1}"))))
    return context.union(parts) if parts else context.emptyRDD()


def _capped(item: Any, max_chars: int) -> Any:
    """An article over ``max_chars`` becomes the local readers' skip record (before duplicate ids are resolved)."""
    if isinstance(item, Article) and len(item.text) > max_chars:
        return too_long(item.path, len(item.text), max_chars)
    return item


def _first_of_each_id(group: tuple[str, Iterable[tuple[int, int, Article]]]) -> list[tuple[str, Any]]:
    """The first article with an id (path, line order) is kept; the rest are skipped, as locally."""
    _, items = group
    ordered = sorted(items, key=lambda item: (item[0], item[1]))
    first = ordered[0][2]
    out: list[tuple[str, Any]] = [("article", first)]
    for rank, line, article in ordered[1:]:
        out.append(("skipped", (rank, line, Skipped(article.path, f"duplicate id {article.id!r} (also in {first.path})"))))
    return out


def _shingle_partition(items: Iterator[tuple[Article, int]]) -> Iterator[tuple[int, tuple[Article, Shingled]]]:
    """The partition's articles shingled together (the compiled batch path, as locally)."""
    articles, numbers = [], []
    for article, number in items:
        articles.append(article)
        numbers.append(number)
    for number, article, item in zip(numbers, articles, shingle_articles(articles, workers=1)):
        yield number, (article, item)


def _band_partition(items: Iterator[tuple[int, tuple[Article, Shingled]]], vocabulary: Any, settings: Settings) -> Iterator[tuple[tuple[int, int], int]]:
    """((band, key), article) for every window and band of the partition's articles."""
    numbers, shingled = [], []
    for number, (_, item) in items:
        numbers.append(number)
        shingled.append(item)
    if not shingled:
        return
    values, ranges, owners = signature_inputs(shingled, vocabulary.value, settings)
    signatures = sign_ranges(values, ranges, settings.num_perm, settings.seed)
    if not len(signatures):
        return
    keys = band_keys(signatures, settings.lsh_rows)
    window_article = np.asarray(numbers, dtype=np.int64)[owners].tolist()
    for band in range(keys.shape[0]):
        for key, article in zip(keys[band].tolist(), window_article):
            yield (band, key), article


def _bucket_pairs(bucket: tuple[tuple[int, int], Iterable[int]], max_bucket: int, priority: np.ndarray, bands: int
                  ) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Pairs of distinct articles in one bucket, each with one collision and its weight; a crowded bucket's
    windows pair with its centre only, its article of least ``priority``, in the bands that link crowds
    (as ``find_candidates``)."""
    members = list(bucket[1])
    if len(members) > max_bucket:
        if not links_crowds(bucket[0][0]):
            return []
        centre = min(members, key=lambda article: priority[article])
        weight = crowd_weight(max_bucket, bands)
        return [((min(centre, j), max(centre, j)), (1, weight)) for j in members if j != centre]
    if len(members) < 2:
        return []
    weight = collision_weight(len(members))
    return [((min(i, j), max(i, j)), (1, weight)) for x, i in enumerate(members) for j in members[x + 1 :] if i != j]


def _held_keys_partition(items: Iterator[tuple[int, tuple[Article, Shingled]]], vocabulary: Any) -> Iterator[int]:
    """The partition's articles' sentence keys, each article's distinct ones (``held_sentence_keys``)."""
    shingled = [value[1] for _, value in items]
    if shingled:
        yield from held_sentence_keys(shingled, vocabulary.value).tolist()


def _stock_keys(shingled: Any, vocabulary: Any, shuffle: Optional[int]) -> np.ndarray:
    """The keys of the stock sentences of the whole corpus (``STOCK_ARTICLES`` or more articles hold a
    sentence of those exact stems), sorted: what the local engine's sentence index counts."""
    stock = (
        shingled.mapPartitions(lambda items: _held_keys_partition(items, vocabulary))
        .map(lambda key: (key, 1))
        .reduceByKey(lambda a, b: a + b, shuffle)
        .filter(lambda item: item[1] >= STOCK_ARTICLES)
        .keys()
        .collect()
    )
    return np.array(sorted(stock), dtype=np.uint64)


def _verify_partition(items: Iterator[Any], vocabulary: Any, stock: Any, settings: Settings) -> Iterator[tuple[int, int, Any, bool]]:
    """Verify the partition's pairs with the same code as the local engine, weights and stock sentences from the whole corpus."""
    rows = list(items)
    if not rows:
        return
    data: dict[int, tuple[Article, Shingled]] = {}
    pairs = []
    for j, ((i, article_i, shingled_i), (article_j, shingled_j)) in rows:
        data[i] = (article_i, shingled_i)
        data[j] = (article_j, shingled_j)
        pairs.append((i, j))
    numbers = sorted(data)  # global numbers follow id order, so local positions do too
    position = {n: k for k, n in enumerate(numbers)}
    local = np.array(sorted((position[i], position[j]) for i, j in pairs), dtype=np.int64).reshape(-1, 2)
    articles = [data[n][0] for n in numbers]
    shingled = [data[n][1] for n in numbers]
    verified_pairs, verified = verify_pairs(articles, shingled, vocabulary.value, local, settings, workers=1, stock_keys=stock.value)
    for (a, b), (match, aligned) in zip(verified_pairs.tolist(), verified):
        yield numbers[a], numbers[b], match, aligned


def _followed_readings(triples: np.ndarray, context: Any, by_number: Any, shuffle: int) -> np.ndarray:
    """``readings.followed_readings`` of the rows ``(article, source, rival)``, each row's three
    articles' shingles brought together on an executor (joined by number, grouped by row)."""
    roles = context.parallelize([(article, (row, role)) for row, three in enumerate(triples.tolist())
                                 for role, article in enumerate(three)], shuffle)
    counted = (
        roles.join(by_number.mapValues(lambda value: value[1]), shuffle)  # (article, ((row, role), shingled))
        .map(lambda r: (r[1][0][0], (r[1][0][1], r[1][1])))
        .groupByKey(shuffle)
        .map(lambda r: (r[0], _followed_row(r[1])))
        .collect()
    )
    out = np.zeros((len(triples), 2), dtype=np.int64)
    for row, counts in counted:
        out[row] = counts
    return out


def _followed_row(three: Iterable[tuple[int, Shingled]]) -> tuple[int, int]:
    """``followed_readings`` of one row, from its three articles' shingles (by role: article, source, rival)."""
    shingled = [s for _, s in sorted(three, key=lambda item: item[0])]
    (counts,) = followed_readings(np.array([[0, 1, 2]], dtype=np.int64), shingled.__getitem__).tolist()
    return counts[0], counts[1]


def scan_spark(
    paths: Sequence[str | os.PathLike[str]],
    settings: Optional[Settings] = None,
    master: Optional[str] = None,
    partitions: Optional[int] = None,
    input_format: Optional[str] = None,
    spark: Any = None,
    max_article_chars: int = MAX_ARTICLE_CHARS,
) -> Report:
    """Scan JSONL and Parquet inputs on Spark; the same ``Report`` as ``pipeline.scan`` on them.

    Args:
        paths: Files and folders (walked as the local engine walks them; on a cluster, use
            paths every executor can read: a shared file system).
        settings: Pipeline settings; defaults if ``None``.
        master: Spark master URL (``local[4]``, ``spark://host:7077``, ``yarn``).
        partitions: Partitions for reading and for the shuffles (default: Spark's parallelism).
        input_format: ``jsonl`` to read every file as JSONL; other values are refused.
        max_article_chars: Longest article kept; longer ones are skipped, as the local readers do.
        spark: An existing SparkSession (tests); otherwise one is made from ``master``.

    Raises:
        ProvenanceError: pyspark is not installed (the message names the fix).
        InputError: a path is missing, or no readable article remains.
        SettingsError: ``settings.bigram_windows`` is on (the local engine's alone).
    """
    settings = settings or Settings()
    if settings.bigram_windows:
        raise SettingsError("bigram_windows is for the local engine only: the Spark engine signs passage windows alone; "
                            "leave it off, or scan with --engine local")
    if input_format not in (None, "jsonl"):
        raise InputError(f"the Spark engine reads JSONL and Parquet; --input-format {input_format} needs --engine local")
    spark = spark or session(master)
    context = spark.sparkContext
    shuffle = partitions or context.defaultParallelism
    timings: list[tuple[str, float]] = []
    began = time.perf_counter()
    files, walk_skipped = _list_inputs(paths)
    if input_format == "jsonl":
        files = [(rank, path, "jsonl") for rank, path, _ in files]
    records = _read(spark, files, partitions)
    check_size_limit(max_article_chars)
    parsed = records.map(lambda r: (r[0], r[1], _capped(r[2], max_article_chars))).persist()
    bad = parsed.filter(lambda r: isinstance(r[2], Skipped)).collect()
    grouped = (
        parsed.filter(lambda r: isinstance(r[2], Article))
        .map(lambda r: (r[2].id, r))
        .groupByKey(shuffle)
        .flatMap(_first_of_each_id)
        .persist()
    )
    duplicates = grouped.filter(lambda r: r[0] == "skipped").map(lambda r: r[1]).collect()
    articles_rdd = grouped.filter(lambda r: r[0] == "article").map(lambda r: r[1]).sortBy(lambda a: a.id, numPartitions=shuffle)
    numbered = articles_rdd.zipWithIndex().persist()
    # The local reader reports skips in walk order, then line order: sort on (rank, line).
    ordered_skips = [((rank, 0), s) for rank, s in walk_skipped] + [((r[0], r[1]), r[2]) for r in bad] + [((d[0], d[1]), d[2]) for d in duplicates]
    skipped = [s for _, s in sorted(ordered_skips, key=lambda item: item[0])]
    timings.append(("ingest", round(time.perf_counter() - began, 4)))
    if numbered.isEmpty():
        detail = f" ({len(skipped)} input(s) skipped)" if skipped else ""
        raise InputError(f"no readable article in {', '.join(map(str, paths))}{detail}; give .jsonl or .parquet files")

    began = time.perf_counter()
    # Per-site boilerplate is learned on the executors, a site at a time (in id order, as the
    # local engine learns it); only the learned lines come back, and are broadcast.
    learned = context.broadcast(dict(
        numbered.map(lambda item: (site_of(item[0]), item[0]))
        .groupByKey(shuffle)
        .flatMap(lambda site: site_boilerplate(sorted(site[1], key=lambda a: a.id)).items())
        .collect()
    ))
    masked = numbered.map(lambda item: (mask_article(item[0], learned.value), item[1]))
    # The driver keeps every article's record for the report, but not its text (tens of
    # millions of texts would not fit): only the texts of matched articles come back, below.
    articles: list[Article] = [a for _, a in sorted(masked.map(lambda item: (item[1], item[0].without_text())).collect(), key=lambda r: r[0])]
    shingled = masked.mapPartitions(_shingle_partition).persist()
    counts = (
        shingled.flatMap(lambda item: ((int(stem), 1) for stem in item[1][1].stems.tolist()))
        .reduceByKey(lambda a, b: a + b, shuffle)
        .collect()
    )
    counts.sort()
    vocabulary = Vocabulary(
        stems=np.array([s for s, _ in counts], dtype=np.uint64),
        df=np.array([c for _, c in counts], dtype=np.int64),
        articles=len(articles),
    )
    shared_vocabulary = context.broadcast(vocabulary)
    shared_stock = context.broadcast(_stock_keys(shingled, shared_vocabulary, shuffle))
    timings.append(("shingle", round(time.perf_counter() - began, 4)))

    began = time.perf_counter()
    max_bucket, min_hits, threshold = settings.max_bucket, settings.min_hits, weight_threshold(settings.min_weight)
    priority = context.broadcast(earliest_first([a.published for a in articles]))
    pairs = (
        shingled.mapPartitions(lambda items: _band_partition(items, shared_vocabulary, settings))
        .groupByKey(shuffle)
        .flatMap(lambda bucket: _bucket_pairs(bucket, max_bucket, priority.value, settings.bands))
        # Collisions and their weight per pair, as find_candidates counts and sums them.
        .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]), shuffle)
        .filter(lambda item: item[1][0] >= min_hits and item[1][1] >= threshold)
        .keys()
    )
    timings.append(("candidates", round(time.perf_counter() - began, 4)))

    began = time.perf_counter()
    by_number = shingled.mapValues(lambda value: value)
    joined = (
        pairs.join(by_number, shuffle)  # (i, (j, (article_i, shingled_i)))
        .map(lambda r: (r[1][0], (r[0], r[1][1][0], r[1][1][1])))
        .join(by_number, shuffle)  # (j, ((i, article_i, shingled_i), (article_j, shingled_j)))
    )
    results = joined.mapPartitions(lambda items: _verify_partition(items, shared_vocabulary, shared_stock, settings)).collect()
    results.sort(key=lambda r: (r[0], r[1]))
    verified_pairs = np.array([(r[0], r[1]) for r in results], dtype=np.int64).reshape(-1, 2)
    matches, trees, stories = conclude([a.id for a in articles], [a.published for a in articles], verified_pairs,
                                       [(r[2], r[3]) for r in results],
                                       lambda triples: _followed_readings(triples, context, by_number, shuffle))
    shown = context.broadcast({number for r in results if r[2] is not None for number in r[:2]})
    texts = dict(numbered.filter(lambda item: item[1] in shown.value).map(lambda item: (item[1], item[0].text)).collect())
    articles = [a.with_text(texts[n]) if n in texts else a for n, a in enumerate(articles)]
    timings.append(("verify", round(time.perf_counter() - began, 4)))
    parsed.unpersist()
    grouped.unpersist()
    numbered.unpersist()
    shingled.unpersist()
    return Report.assemble(settings, articles, matches, trees, stories, skipped, timings)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m provenance.engine_spark`` / ``spark-submit``: scan and write a report."""
    from provenance.report import output_clash, summary_line, to_csv, to_json, write_file

    parser = argparse.ArgumentParser(prog="provenance.engine_spark", description="Scan a JSONL/Parquet corpus on Spark.")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument("-o", "--output", help="write here (atomically) instead of stdout")
    parser.add_argument("--master", help="Spark master URL [spark-submit's, $SPARK_MASTER, or local[*]]")
    parser.add_argument("--partitions", type=int)
    parser.add_argument("--max-article-chars", type=int, default=MAX_ARTICLE_CHARS, help="longest article kept; longer ones are skipped")
    for field, default in Settings().as_dict().items():
        if field == "bigram_windows":  # the local engine's alone (scan_spark refuses it)
            continue
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(default), default=None)
    args = parser.parse_args(argv)
    clash = output_clash(args.output, args.paths)
    if clash:
        parser.error(clash)  # (exit 2, as every usage error)
    try:
        settings = Settings().replace(**{f: getattr(args, f, None) for f in Settings().as_dict()})
        report = scan_spark(args.paths, settings, master=args.master, partitions=args.partitions,
                            max_article_chars=args.max_article_chars)
        text = to_json(report) if args.format == "json" else to_csv(report)
        if args.output:
            write_file([text], args.output)
        else:
            sys.stdout.write(text)
    except ProvenanceError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(error.exit_code)
    print(summary_line(report), file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
