"""The persistent index: round trips, settings stamps, incremental adds, scans against it, crash safety."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from provenance.cli import main
from provenance.errors import ProvenanceError, SettingsError, WriteError
from provenance import segments
from provenance.candidates import band_keys
from provenance.index import Index, content_hash
from provenance.index_store import IndexStoreError, bands_folder
from provenance.ingest import read_corpus
from provenance.model import Article
from provenance.settings import ALGORITHM_VERSION, INDEX_READABLE_SINCE, Settings
from provenance.shingle import shingle_text
from tests.conftest import SEED_000, SEED_002, SEEDS, write_versions

ROOT = Path(__file__).resolve().parent.parent


def synthetic(count: int, seed: int = 7) -> list[Article]:
    """Short articles of made-up words, deterministic."""
    rng = random.Random(seed)
    words = [f"w{k}x" for k in range(3000)]
    out = []
    for n in range(count):
        sentences = [" ".join(rng.choice(words) for _ in range(9)).capitalize() + "." for _ in range(6)]
        out.append(Article(id=f"a{n:04d}", text=" ".join(sentences), path=f"gen/{n}"))
    return out


def band_entries(path: Path, connection: sqlite3.Connection) -> np.ndarray:
    """Every (band, key, article) entry of the index's registered segments, sorted (int64 view of keys)."""
    parts = [np.zeros((0, 3), dtype=np.int64)]
    for name, entries in connection.execute("SELECT name, entries FROM segments"):
        found = [np.stack([np.full(len(k), b), k.view(np.int64), a], axis=1) for b, k, a in segments.entries(bands_folder(path) / name)]
        assert sum(len(f) for f in found) == entries
        parts.extend(found)
    rows = np.concatenate(parts)
    return rows[np.lexsort(rows.T[::-1])]


def check_consistent(path: Path) -> list[str]:
    """Integrity, per-article rows, band-key entries and df counts agree with the stored texts; returns the ids."""
    connection = sqlite3.connect(str(path))
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    settings = Settings().replace(**json.loads(connection.execute("SELECT value FROM meta WHERE key='settings'").fetchone()[0]))
    ids, counts = [], {}
    expected = [np.zeros((0, 3), dtype=np.int64)]
    for number, article_id, windows, masked in connection.execute("SELECT article, id, windows, masked FROM articles ORDER BY id"):
        ids.append(article_id)
        text_block, start, size = connection.execute("SELECT block, start, bytes FROM texts WHERE article=?", (number,)).fetchone()
        text_name = connection.execute("SELECT name FROM blocks WHERE block=?", (text_block,)).fetchone()[0]
        text = (bands_folder(path) / text_name).read_bytes()[start : start + size].decode("utf-8", "surrogatepass")
        block, row = connection.execute("SELECT block, row FROM signatures WHERE article=?", (number,)).fetchone()
        name = connection.execute("SELECT name FROM blocks WHERE block=?", (block,)).fetchone()[0]
        stored = np.fromfile(bands_folder(path) / name, dtype=np.uint32, count=windows * settings.num_perm, offset=row * settings.num_perm * 4)
        assert len(stored) == windows * settings.num_perm
        keys = band_keys(stored.reshape(-1, settings.num_perm), settings.lsh_rows)
        band = np.repeat(np.arange(keys.shape[0]), keys.shape[1])
        expected.append(np.stack([band, keys.ravel().view(np.int64), np.full(keys.size, number)], axis=1))
        for stem in shingle_text(text, tuple(tuple(s) for s in json.loads(masked))).stems.view(np.int64).tolist():
            counts[stem] = counts.get(stem, 0) + 1
    assert dict(connection.execute("SELECT stem, df FROM df").fetchall()) == counts
    assert int(connection.execute("SELECT value FROM meta WHERE key='articles'").fetchone()[0]) == len(ids)
    # The segments hold exactly one entry per (live window, band), plus entries of removed
    # articles that a tombstone still covers.
    stored = band_entries(path, connection)
    dead = [r[0] for r in connection.execute("SELECT article FROM dead")]
    assert not connection.execute("SELECT 1 FROM dead d JOIN articles a ON a.article = d.article").fetchone()
    live = stored[~np.isin(stored[:, 2], dead)]
    want = np.concatenate(expected)
    assert np.array_equal(live, want[np.lexsort(want.T[::-1])])
    connection.close()
    return ids


def test_build_add_info_round_trip(tmp_path):
    runner = CliRunner()
    db = tmp_path / "news.db"
    ref, new = tmp_path / "ref", tmp_path / "new"
    ref.mkdir(), new.mkdir()
    for name in sorted(os.listdir(SEEDS)):
        (new if name == SEED_002 else ref).joinpath(name).write_bytes((SEEDS / name).read_bytes())
    result = runner.invoke(main, ["index", "build", str(ref), "--index", str(db), "--batch-size", "2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "4 added, 0 updated, 0 with new metadata, 0 unchanged in 2 batches; 4 articles" in result.output
    result = runner.invoke(main, ["index", "add", str(new), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0 and "1 added" in result.output
    result = runner.invoke(main, ["index", "info", "--index", str(db)])
    assert result.exit_code == 0
    assert "articles: 5\n" in result.output and f"settings_key: {Settings().key()}\n" in result.output
    # build refuses an existing file
    result = runner.invoke(main, ["index", "build", str(ref), "--index", str(db)])
    assert result.exit_code == 3 and "already exists" in result.output
    assert check_consistent(db) == sorted(os.listdir(SEEDS))
    with Index.open(db) as index:
        number = index.numbers([SEED_000])[SEED_000]
        (article,) = index.articles([number])
        assert article.text == (SEEDS / SEED_000).read_text(encoding="utf-8")
        assert index.info().articles == 5


def test_texts_come_back_exactly_from_their_blocks_and_a_lost_block_is_reported(tmp_path):
    texts = ["Plain words of a first article about the harbour.", "Café owners in Zürich — “quoted” — said so.",
             "Ελληνικά and 日本語 survive the trip, \u2028 and all.", "x" * 5000]
    articles = [Article(id=f"t{k}", text=text, path=f"t{k}") for k, text in enumerate(texts)]
    db = tmp_path / "t.db"
    with Index.open(db, create=True) as index:
        index.add(articles, batch_size=3)  # two batches: two text blocks
        numbers = index.numbers([a.id for a in articles])
        assert [a.text for a in index.articles([numbers[f"t{k}"] for k in (3, 0, 2, 1)])] == [texts[k] for k in (3, 0, 2, 1)]
        (name,) = [row[0] for row in index.connection.execute(
            "SELECT b.name FROM texts t JOIN blocks b ON b.block = t.block WHERE t.article = ?", (numbers["t3"],))]
    assert name.startswith("texts-") and len(list(bands_folder(db).glob("texts-*"))) == 2
    (bands_folder(db) / name).unlink()
    with Index.open(db) as index:
        assert index.articles([numbers["t0"]])[0].text == texts[0]
        with pytest.raises(IndexStoreError, match=f"{name} is missing; the index is damaged, rebuild it"):
            index.articles([numbers["t3"]])


def test_settings_mismatch_refused_with_fix(tmp_path):
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    with pytest.raises(ProvenanceError) as caught:
        Index.open(db, options={"num_perm": 128})
    message = str(caught.value)
    assert "num_perm=128 (index: 64)" in message and "--num-perm 64" in message and "rebuild" in message
    with pytest.raises(IndexStoreError):
        Index.open(db, settings=Settings(num_perm=128))
    result = CliRunner().invoke(main, ["index", "add", str(SEEDS), "--index", str(db), "--num-perm", "128"])
    assert result.exit_code == 3 and "--num-perm 64" in result.output
    # Leaving settings out, or repeating the index's, is fine.
    Index.open(db, options={"num_perm": 64}).close()
    # An index built with other settings keeps them when none are given.
    other = tmp_path / "o.db"
    Index.open(other, create=True, options={"num_perm": 128}).close()
    with Index.open(other) as index:
        assert index.settings.num_perm == 128


@pytest.mark.parametrize("version", [7, 8, ALGORITHM_VERSION])
def test_an_index_stamped_by_an_older_version_is_refused_where_what_it_stores_changed(tmp_path, version):
    # Version 8 changed the words of every text with an accented letter (and so their stored band
    # keys): a version-7 index is refused with how to rebuild it; one of version 8 (9 and 10 changed
    # only how trees are drawn) or of this version is read.
    db = tmp_path / "i.db"
    with Index.open(db, create=True) as index:
        index.add(read_corpus([SEEDS])[0])
    connection = sqlite3.connect(str(db))
    connection.execute("UPDATE meta SET value = ? WHERE key = 'settings_key'", (Settings().key(version),))
    connection.commit()
    connection.close()
    result = CliRunner().invoke(main, ["scan", str(SEEDS), "--index", str(db), "--format", "json", "--workers", "1"])
    if version >= INDEX_READABLE_SINCE:
        assert result.exit_code == 0 and [(p["source"], p["derived"]) for p in json.loads(result.stdout)["pairs"]] == [(SEED_000, SEED_002)]
        assert json.loads(result.stdout)["settings_key"] == Settings().key()
    else:
        assert result.exit_code == 3 and f"built by an older provenance (key p{version}-" in result.output and "index build" in result.output
        assert "Traceback" not in result.output


def test_missing_index_says_how_to_create(tmp_path):
    with pytest.raises(IndexStoreError, match="provenance index build"):
        Index.open(tmp_path / "none.db")


def test_readd_is_noop_and_changed_article_is_updated(tmp_path):
    db = tmp_path / "i.db"
    articles = synthetic(12)
    with Index.open(db, create=True) as index:
        first = index.add(articles, batch_size=5)
        assert len(first.added) == 12 and first.batches == 3
    before = (db.read_bytes(), check_consistent(db))
    with Index.open(db) as index:
        again = index.add(articles, batch_size=5)
    assert again.added == () and again.updated == () and len(again.unchanged) == 12
    assert check_consistent(db) == before[1]
    changed = Article(id="a0003", text=articles[3].text + " Fresh zzqa zzqb zzqc zzqd zzqe zzqf zzqg zzqh.", path="gen/3b")
    with Index.open(db) as index:
        result = index.add([changed])
        assert result.updated == ("a0003",)
        number = index.numbers(["a0003"])["a0003"]
        (stored,) = index.articles([number])
        assert stored.text == changed.text and stored.path == "gen/3b"
    check_consistent(db)
    connection = sqlite3.connect(str(db))
    assert connection.execute("SELECT sha256 FROM articles WHERE id='a0003'").fetchone()[0] == content_hash(changed.text)
    assert connection.execute("SELECT count(*) FROM articles").fetchone()[0] == 12


def test_new_metadata_of_an_unchanged_text_is_stored_and_ranks_the_article(tmp_path):
    # Only id and text were compared: a corrected date and title, and records moved to another
    # file, kept their old values, and the old date still decided the pair's direction.
    folder = tmp_path / "d"
    folder.mkdir()
    texts = [(SEEDS / name).read_text(encoding="utf-8") for name in sorted(os.listdir(SEEDS))]

    def export(name: str, first_date: str, title: str) -> None:
        with open(folder / name, "w", encoding="utf-8") as file:
            for n, text in enumerate(texts):
                published = first_date if n == 0 else f"2023-09-{10 + n:02d}"
                file.write(json.dumps({"id": f"a{n}", "text": text, "published": published, "title": title if n == 0 else "t"}) + "\n")

    db = tmp_path / "i.db"
    export("f1.jsonl", "2023-09-20", "old")
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", str(folder), "--index", str(db), "--workers", "1"]).exit_code == 0
    before = check_consistent(db)
    (folder / "f1.jsonl").unlink()
    export("f2.jsonl", "2023-09-01", "new")  # a0 is now the earliest; every record moved to f2.jsonl
    result = runner.invoke(main, ["index", "add", str(folder), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0 and "0 added, 0 updated, 5 with new metadata, 0 unchanged in 1 batch;" in result.stderr, result.output
    assert check_consistent(db) == before
    indexed = json.loads(runner.invoke(main, ["scan", str(folder), "--index", str(db), "--format", "json", "--workers", "1"]).stdout)
    plain = json.loads(runner.invoke(main, ["scan", str(folder), "--format", "json", "--workers", "1"]).stdout)
    (a0,) = [a for a in indexed["articles"] if a["id"] == "a0"]
    assert (a0["published"], a0["title"], a0["path"]) == ("2023-09-01", "new", str(folder / "f2.jsonl") + ":1")
    assert all(a["path"].startswith(str(folder / "f2.jsonl")) for a in indexed["articles"])
    assert [(p["source"], p["derived"], p["date_conflict"]) for p in indexed["pairs"]] == \
        [(p["source"], p["derived"], p["date_conflict"]) for p in plain["pairs"]]
    assert ("a0", "a2", False) in [(p["source"], p["derived"], p["date_conflict"]) for p in indexed["pairs"]]
    # Same text, other masked spans: a real change, signed again.
    with Index.open(db) as index:
        (stored,) = index.articles(list(index.numbers(["a1"]).values()))
        again = index.add([stored])
        assert again.unchanged == ("a1",) and again.metadata == ()
        result = index.add([stored.with_masked(((0, 40),))])
        assert result.updated == ("a1",) and result.metadata == ()
    check_consistent(db)


def _sites(tmp_path: Path) -> tuple[Path, Path]:
    """siteA/ (story.txt = seed 000, other.txt = seed 001) and siteB/ (story.txt = seed 002, a rewrite of 000)."""
    site_a, site_b = tmp_path / "siteA", tmp_path / "siteB"
    site_a.mkdir(), site_b.mkdir()
    names = sorted(os.listdir(SEEDS))
    (site_a / "story.txt").write_bytes((SEEDS / SEED_000).read_bytes())
    (site_a / "other.txt").write_bytes((SEEDS / names[1]).read_bytes())
    (site_b / "story.txt").write_bytes((SEEDS / SEED_002).read_bytes())
    return site_a, site_b


@pytest.mark.parametrize("first", ["siteA", "siteB"])
def test_a_file_named_as_an_indexed_one_from_another_path_is_another_article(tmp_path, first):
    # scan --index replaced siteA's story.txt by siteB's (both have the id story.txt), silently,
    # and found no derivation where a plain scan of both finds one.
    site_a, site_b = _sites(tmp_path)
    built, scanned = (site_a, site_b) if first == "siteA" else (site_b, site_a)
    db = tmp_path / "i.db"
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", str(built), "--index", str(db), "--workers", "1"]).exit_code == 0
    result = runner.invoke(main, ["scan", str(scanned), "--index", str(db), "--format", "json", "--workers", "1"])
    assert result.exit_code == 0, result.output
    moved = f"{scanned.as_posix()}/story.txt"
    assert f"provenance: story.txt is indexed from another file with another text: this one is indexed as {moved}\n" in result.stderr
    pairs = {(p["source"], p["derived"]) for p in json.loads(result.stdout)["pairs"]}
    assert pairs == ({("story.txt", moved)} if first == "siteA" else {(moved, "story.txt")})
    with Index.open(db) as index:
        stored = {a.id: a for a in index.articles(sorted(index.numbers(["story.txt", moved]).values()))}
    assert stored["story.txt"].text == (built / "story.txt").read_text(encoding="utf-8")
    assert stored[moved].text == (scanned / "story.txt").read_text(encoding="utf-8")
    # Again: the same article under the same name, unchanged (and said again: its id is not the one read).
    again = runner.invoke(main, ["scan", str(scanned), "--index", str(db), "--format", "json", "--workers", "1"])
    assert again.exit_code == 0 and f"indexed as {moved}\n" in again.stderr and "replaced" not in again.stderr
    assert {(p["source"], p["derived"]) for p in json.loads(again.stdout)["pairs"]} == pairs
    check_consistent(db)


def test_an_edited_file_given_by_another_spelling_of_its_path_is_a_new_version(tmp_path, monkeypatch):
    # Built from "siteA" (relative), scanned from its absolute path after an edit: the paths were
    # compared as given, so the edited file became a second article, and the scan reported it a
    # copy of its own old version.
    site_a, _ = _sites(tmp_path)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "i.db"
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", "siteA", "--index", str(db), "--workers", "1"]).exit_code == 0
    with (site_a / "story.txt").open("a", encoding="utf-8") as story:
        story.write("\nAn editor's note added the next day.\n")
    for spelling in (str(site_a), "./siteA//"):
        result = runner.invoke(main, ["scan", spelling, "--index", str(db), "--format", "json", "--workers", "1"])
        assert result.exit_code == 0 and "indexed as" not in result.stderr, result.stderr
        assert json.loads(result.stdout)["pairs"] == []
        with Index.open(db) as index:
            assert index.size == 2
    with Index.open(db) as index:
        (story,) = index.articles(list(index.numbers(["story.txt"]).values()))
    assert story.text.endswith("the next day.\n")
    check_consistent(db)


def test_a_new_text_from_the_same_path_or_with_its_own_id_replaces_and_a_moved_text_is_moved(tmp_path):
    site_a, site_b = _sites(tmp_path)
    db = tmp_path / "i.db"
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", str(site_a), "--index", str(db), "--workers", "1"]).exit_code == 0
    (site_a / "story.txt").write_bytes((SEEDS / SEED_002).read_bytes())  # a new version, same file
    result = runner.invoke(main, ["scan", str(site_a), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0 and "indexed as" not in result.stderr
    assert "provenance: in the index, 1 article replaced by a new text (same id and path), 0 given new metadata\n" in result.stderr
    # The same text from another folder: the article moved, not another one.
    (site_b / "story.txt").write_bytes((SEEDS / SEED_002).read_bytes())
    result = runner.invoke(main, ["index", "add", str(site_b), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0 and "indexed as" not in result.stderr and "1 with new metadata" in result.stderr
    with Index.open(db) as index:
        assert index.size == 2
        (story,) = index.articles(list(index.numbers(["story.txt"]).values()))
        assert story.path == str(site_b / "story.txt")
    # A record's own id is the article whatever its file: a new text replaces it.
    for name, seed in (("one.jsonl", SEED_000), ("two.jsonl", SEED_002)):
        (tmp_path / name).write_text(json.dumps({"id": "wire-1", "text": (SEEDS / seed).read_text(encoding="utf-8")}) + "\n")
        result = runner.invoke(main, ["index", "add", str(tmp_path / name), "--index", str(db), "--workers", "1"])
        assert result.exit_code == 0 and "indexed as" not in result.stderr, result.output
    assert "0 added, 1 updated" in result.stderr
    check_consistent(db)


def test_index_build_and_add_read_other_field_names(tmp_path):
    # Both said "use --text-field" of a JSONL export with other names, and refused the option.
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "b.jsonl").write_text(json.dumps({"key": "x", "body": (SEEDS / SEED_000).read_text(encoding="utf-8"),
                                                "when": "2023-09-01", "headline": "h", "link": "https://e.com/x"}) + "\n")
    fields = ["--text-field", "body", "--id-field", "key", "--date-field", "when", "--title-field", "headline", "--url-field", "link"]
    db = tmp_path / "i.db"
    for command in ("build", "add"):
        result = CliRunner().invoke(main, ["index", command, str(corpus), "--index", str(db), "--workers", "1", *fields])
        assert result.exit_code == 0 and ("1 added" if command == "build" else "1 unchanged") in result.stderr, result.output
    with Index.open(db) as index:
        (article,) = index.articles(list(index.numbers(["x"]).values()))
    assert (article.published, article.title, article.url) == ("2023-09-01", "h", "https://e.com/x")


def _split_seeds(tmp_path: Path) -> tuple[Path, Path]:
    ref, new = tmp_path / "ref", tmp_path / "new"
    ref.mkdir(), new.mkdir()
    for name in sorted(os.listdir(SEEDS)):
        (new if name in (SEED_002, "004_6ee2fd30d7e35e5a.txt") else ref).joinpath(name).write_bytes((SEEDS / name).read_bytes())
    return ref, new


def _indexed_and_plain(ref: Path, new: Path, db: Path) -> tuple[dict, dict]:
    """The JSON reports of ``scan new --index db`` (``db`` built from ``ref``) and of a plain scan of both."""
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", str(ref), "--index", str(db), "--workers", "1"]).exit_code == 0
    indexed = runner.invoke(main, ["scan", str(new), "--index", str(db), "--format", "json", "--workers", "1"])
    plain = runner.invoke(main, ["scan", str(ref), str(new), "--format", "json", "--workers", "1"])
    assert indexed.exit_code == 0 and plain.exit_code == 0
    return json.loads(indexed.stdout), json.loads(plain.stdout)


def test_scan_with_index_matches_plain_scan_of_union(tmp_path):
    ref, new = _split_seeds(tmp_path)
    db = tmp_path / "i.db"
    got, want = _indexed_and_plain(ref, new, db)
    new_ids = set(os.listdir(new))
    # Pairs, passages and scores are identical: the index's df counts exactly the union.
    assert got["pairs"] == [p for p in want["pairs"] if p["source"] in new_ids or p["derived"] in new_ids]
    assert [(p["source"], p["derived"]) for p in got["pairs"]] == [(SEED_000, SEED_002)]
    assert got["settings_key"] == want["settings_key"]
    # The scanned articles were added: scanning them again finds the same pairs, adds nothing.
    again = CliRunner().invoke(main, ["scan", str(new), "--index", str(db), "--format", "json", "--workers", "1"])
    assert json.loads(again.stdout)["pairs"] == got["pairs"]
    assert check_consistent(db) == sorted(os.listdir(SEEDS))


def test_scan_with_index_reads_variant_readings_as_the_plain_scan_does(tmp_path):
    # p and its light edit c are indexed; d, taken from p, is scanned: its parent is p, as in a
    # plain scan of the union, by the readings it follows (the edit is the closer by evidence).
    versions = (write_versions(tmp_path / "all") / "versions.jsonl").read_text(encoding="utf-8").splitlines()
    ref, new = tmp_path / "ref", tmp_path / "new"
    ref.mkdir(), new.mkdir()
    (ref / "ref.jsonl").write_text("\n".join(versions[:-1]) + "\n", encoding="utf-8")
    (new / "new.jsonl").write_text(versions[-1] + "\n", encoding="utf-8")
    indexed, plain = _indexed_and_plain(ref, new, tmp_path / "i.db")
    edges = lambda report: {(e["source"], e["derived"]) for t in report["trees"] for e in t["edges"]}
    assert ("p", "d") in edges(indexed) and ("p", "d") in edges(plain)


@pytest.mark.parametrize("new_day", ["2023-09-30", "2023-09-01"])
def test_scan_with_index_links_a_crowd_of_copies_as_the_plain_scan_does(tmp_path, new_day):
    # 69 indexed copies of a seed put every window in a crowded bucket (over max_bucket, 64):
    # its windows meet the earliest copy only. A new copy dated later meets that copy; one dated
    # first becomes the crowds' centre, and meets every other copy, as in a scan of the union.
    text = (SEEDS / SEED_000).read_text(encoding="utf-8")
    ref, new = tmp_path / "ref", tmp_path / "new"
    ref.mkdir(), new.mkdir()
    lines = [json.dumps({"id": f"site{k:02d}", "text": text, "published": f"2023-09-{10 + (k + 33) % 69 // 4:02d}"}) for k in range(69)]
    (ref / "copies.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (new / "today.jsonl").write_text(json.dumps({"id": "today", "text": text, "published": new_day}) + "\n", encoding="utf-8")
    indexed, plain = _indexed_and_plain(ref, new, tmp_path / "i.db")
    got, want = indexed["pairs"], plain["pairs"]
    assert got == [p for p in want if "today" in (p["source"], p["derived"])]
    if new_day == "2023-09-30":
        assert [(p["source"], p["derived"]) for p in got] == [("site36", "today")]
    else:
        assert len(got) == 69 and {p["source"] for p in got} == {"today"}


def test_index_candidates_equal_in_memory_candidates(tmp_path):
    """Index.candidates over a one-batch index gives find_candidates' pairs for the same corpus."""
    from provenance.boilerplate import mask_site_boilerplate
    from provenance.candidates import find_candidates
    from provenance.pipeline import shingle_articles, signature_inputs
    from provenance.shingle import Vocabulary
    from provenance.signatures import sign_ranges

    articles, _ = read_corpus([SEEDS])
    articles += [Article(id=f"zz{k}", text=a.text.replace("the", "a"), path="v") for k, a in enumerate(articles[:3])]
    articles.sort(key=lambda a: a.id)
    settings = Settings()
    shingled = shingle_articles(mask_site_boilerplate(articles))  # what the pipeline and Index.add shingle
    values, ranges, owners = signature_inputs(shingled, Vocabulary.build(shingled), settings)
    signatures = sign_ranges(values, ranges, settings.num_perm, settings.seed)
    want = find_candidates(signatures, owners, len(articles), settings.lsh_rows, settings.max_bucket).pairs.tolist()
    with Index.open(tmp_path / "i.db", create=True) as index:
        index.add(articles, batch_size=len(articles))
        numbers = index.numbers(a.id for a in articles)
        position = {numbers[a.id]: k for k, a in enumerate(articles)}
        stored, stored_owners = index.signatures([numbers[a.id] for a in articles])
        assert np.array_equal(stored, signatures)
        found = index.candidates(stored, stored_owners, [numbers[a.id] for a in articles])
    got = sorted({tuple(sorted((int(q), position[int(n)]))) for q, n in found.tolist() if int(q) != position[int(n)]})
    assert [list(p) for p in got] == want


def test_sign_gives_what_add_stores_and_probes_without_adding(tmp_path):
    """``Index.sign``: the library's way to probe an index with articles it does not hold."""
    from provenance.boilerplate import mask_site_boilerplate
    from provenance.pipeline import shingle_articles
    from provenance.shingle import Vocabulary

    articles, _ = read_corpus([SEEDS])
    articles.sort(key=lambda a: a.id)
    with Index.open(tmp_path / "i.db", create=True) as index:
        index.add(articles, batch_size=len(articles))
        numbers = index.numbers(a.id for a in articles)
        # Articles it holds: the index's df counts them already, so they sign as add stored them.
        signed, owners = index.sign(shingle_articles(mask_site_boilerplate(articles)))
        stored, stored_owners = index.signatures([numbers[a.id] for a in articles])
        assert np.array_equal(signed, stored) and np.array_equal(owners, stored_owners)
    # An index without 002, probed with 002 (its own counts added to the index's): 000, its source,
    # is among its candidates (the other seeds tell the same story: verification tells them apart),
    # and nothing is added.
    held = [a for a in articles if a.id != SEED_002]
    with Index.open(tmp_path / "j.db", create=True) as index:
        index.add(held, batch_size=len(held))
        query = shingle_articles(mask_site_boilerplate([a for a in articles if a.id == SEED_002]))
        signed, owners = index.sign(query, Vocabulary.build(query))
        found = index.candidates(signed, owners)
        assert (0, index.numbers([SEED_000])[SEED_000]) in [tuple(row) for row in found.tolist()]
        assert index.info().articles == len(held)


@pytest.mark.slow
def test_killed_add_leaves_whole_batches(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    articles = synthetic(240, seed=3)
    for article in articles:
        (corpus / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    ids = sorted(f"{a.id}.txt" for a in articles)
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    command = [sys.executable, "-m", "provenance.cli", "index", "add", str(corpus), "--index", str(db), "--batch-size", "3", "--workers", "1"]
    rng = random.Random(11)
    kills = 0
    for attempt in range(4):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Kill at a random point mid-run: after a random number of committed batches, plus a
        # random short sleep so the signal lands anywhere inside the next batch.
        assert process.stderr is not None
        for _ in range(rng.randint(1, 12)):
            if not process.stderr.readline():
                break
        time.sleep(rng.uniform(0.0, 0.05))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        held = check_consistent(db)
        # Exactly some first k batches are in, each whole.
        count = len(held)
        assert count % 3 == 0 or count == len(ids)
        assert held == ids[:count]
    # Finish the job; the index ends complete and consistent.
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    assert check_consistent(db) == ids
    assert kills >= 3


def _index_with_meta_changed(db: Path, statement: str) -> None:
    """A new, empty index at ``db`` whose meta table one SQL ``statement`` then changes."""
    Index.open(db, create=True).close()
    connection = sqlite3.connect(str(db))
    connection.execute(statement)
    connection.commit()
    connection.close()


def test_old_format_is_refused_with_how_to_rebuild(tmp_path):
    db = tmp_path / "old.db"
    _index_with_meta_changed(db, "UPDATE meta SET value = '3' WHERE key = 'format'")
    with pytest.raises(IndexStoreError) as caught:
        Index.open(db)
    message = str(caught.value)
    assert "index format 3 is not 4" in message and "provenance index build CORPUS --index NEW.db" in message
    result = CliRunner().invoke(main, ["index", "info", "--index", str(db)])
    assert result.exit_code == 3 and "Rebuild it" in result.output


def test_another_programs_database_is_refused_and_left_exactly_as_it_was(tmp_path):
    other = tmp_path / "app.db"
    connection = sqlite3.connect(str(other))
    connection.executescript("CREATE TABLE meta(key TEXT, value TEXT); INSERT INTO meta VALUES ('owner', 'app');"
                             "CREATE TABLE users(id INTEGER);")
    connection.close()
    before = other.read_bytes()
    for command in (["index", "info", "--index", str(other)], ["scan", str(SEEDS), "--index", str(other)],
                    ["index", "add", str(SEEDS), "--index", str(other)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 3, result.output
        assert f"error: {other}: not a provenance index (another program's database: tables meta, users)" in result.stderr
    # Not switched to WAL, not given our tables: a mistyped --index must not change someone's database.
    assert other.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    # Nor is an empty file made into an index by a command that only reads one.
    empty = tmp_path / "empty.db"
    empty.touch()
    result = CliRunner().invoke(main, ["index", "info", "--index", str(empty)])
    assert result.exit_code == 3 and f"error: {empty}: not a provenance index (an empty file)" in result.stderr
    assert empty.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "empty.db"]
    damaged = tmp_path / "damaged.db"
    _index_with_meta_changed(damaged, "DELETE FROM meta WHERE key = 'settings'")
    with pytest.raises(IndexStoreError, match="a damaged index .its settings are missing from its meta table.; rebuild it"):
        Index.open(damaged)


def test_a_damaged_page_or_a_missing_folder_is_exit_3_with_how_to_rebuild(tmp_path):
    # Both gave a traceback (sqlite3.DatabaseError; a "temporary file" message and a new empty folder).
    built = tmp_path / "a.db"
    assert CliRunner().invoke(main, ["index", "build", str(SEEDS), "--index", str(built)]).exit_code == 0
    damaged = tmp_path / "z.db"
    shutil.copy(built, damaged)
    shutil.copytree(bands_folder(built), bands_folder(damaged))
    with open(damaged, "r+b") as file:  # a page past the header's, overwritten
        file.seek(3 * 4096)
        file.write(b"\xff" * 4096)
    for command in (["index", "info", "--index", str(damaged)], ["scan", str(SEEDS), "--index", str(damaged)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 3 and "the index is damaged" in result.stderr and "rebuild it" in result.stderr, result.output
    lone = tmp_path / "lone.db"
    shutil.copy(built, lone)
    result = CliRunner().invoke(main, ["index", "info", "--index", str(lone)])
    assert result.exit_code == 3 and f"its folder {bands_folder(lone).name}/ is missing" in result.stderr, result.output
    assert not bands_folder(lone).exists()


def test_a_file_that_is_no_sqlite_file_is_not_an_index_and_is_not_to_be_replaced(tmp_path):
    # A corpus given as --index was "damaged ... then replace the old file with NEW.db".
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "Some words here."}) + "\n")
    tiny = tmp_path / "tiny.db"
    tiny.write_bytes(b"SQLite")
    before = corpus.read_bytes()
    for path in (corpus, tiny):
        for command in (["index", "info", "--index", str(path)], ["index", "add", str(corpus), "--index", str(path)],
                        ["scan", str(corpus), "--index", str(path)]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 3, result.output
            assert f"error: {path}: not a provenance index (not an SQLite file); give the index's path" in result.stderr
            assert "damaged" not in result.stderr and "NEW.db" not in result.stderr
    assert corpus.read_bytes() == before and not bands_folder(corpus).exists()
    # What SQLite itself finds is no database (the header checked, the rest not): the same message.
    from provenance.index_store import _damage
    assert "not an SQLite file" in str(_damage(corpus, _notadb()))


def _notadb() -> sqlite3.DatabaseError:
    error = sqlite3.DatabaseError("file is not a database")
    error.sqlite_errorcode = 26
    return error


@pytest.mark.parametrize("stop", ["store", "shingle", "disk"])
def test_a_build_that_ends_before_its_first_batch_leaves_no_index(tmp_path, monkeypatch, stop):
    # Ctrl-C (or a failure) before the first commit left an index of 0 articles, and the next
    # `index build` refused it: "already exists".
    import provenance.index

    def fail(*args, **kwargs):
        if stop == "disk":
            raise OSError(28, "No space left on device")
        raise KeyboardInterrupt

    monkeypatch.setattr(provenance.index.Index, "_store", fail) if stop != "shingle" else \
        monkeypatch.setattr(provenance.index, "shingle_articles", fail)
    db = tmp_path / "i.db"
    for command in (["index", "build", str(SEEDS), "--index", str(db)], ["scan", str(SEEDS), "--index", str(db)]):
        result = CliRunner().invoke(main, [*command, "--workers", "1"])
        assert result.exit_code == (4 if stop == "disk" else 130), result.output
        assert not db.exists() and not bands_folder(db).exists() and os.listdir(tmp_path) == [], os.listdir(tmp_path)
    monkeypatch.undo()
    # An index a build made commits its batches as they go: one stopped after its first keeps it.
    with Index.open(db, create=True) as index:
        index.add(synthetic(4), batch_size=2)
    def interrupt(*args):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), Index.open(db) as index:
        index.add(synthetic(6, seed=9)[:2], batch_size=2, progress=interrupt)
    assert db.exists() and check_consistent(db)


def test_index_build_goes_on_into_an_index_with_no_article_and_refuses_any_other_file(tmp_path):
    # What a build killed (kill -9: no cleanup) before its first commit leaves: an index of 0 articles.
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    result = CliRunner().invoke(main, ["index", "build", str(SEEDS), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"provenance: {db} is an index with no article (a build stopped before its first batch): building into it\n" in result.stderr
    assert check_consistent(db) == sorted(os.listdir(SEEDS))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "Some words here."}) + "\n")
    for path in (db, corpus):
        before = path.read_bytes()
        result = CliRunner().invoke(main, ["index", "build", str(SEEDS), "--index", str(path), "--workers", "1"])
        assert result.exit_code == 3 and "already exists" in result.stderr and path.read_bytes() == before


def test_index_with_retired_settings_is_refused_with_how_to_rebuild(tmp_path):
    # Built before min_weight joined min_hits, and by a version with a setting since retired.
    db = tmp_path / "old.db"
    Index.open(db, create=True).close()
    connection = sqlite3.connect(str(db))
    stored = json.loads(connection.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0])
    del stored["min_weight"]
    stored["min_shingle"] = 3
    connection.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(stored, sort_keys=True),))
    connection.commit()
    connection.close()
    result = CliRunner().invoke(main, ["index", "info", "--index", str(db)])
    assert result.exit_code == 3 and "index build" in result.output
    assert "no longer has (min_shingle)" in result.output and "it lacks (min_weight)" in result.output
    assert "Traceback" not in result.output


def test_orphan_files_are_left_by_readers_and_removed_by_the_next_writer(tmp_path):
    db = tmp_path / "i.db"
    with Index.open(db, create=True) as index:
        index.add(synthetic(6), batch_size=3)
    folder = bands_folder(db)
    registered = sorted(p.name for p in folder.iterdir() if p.name.startswith(("segment-", "signatures-")))
    assert len(registered) == 4  # two batches: a segment and a signature block each
    # What a writer killed mid-batch leaves: files no transaction registered.
    orphans = [folder / "segment-000099.seg", folder / "segment-000100.seg.tmp", folder / "signatures-000101.u32",
               folder / "texts-000102.utf8"]
    for orphan in orphans:
        orphan.write_bytes(b"half a file")
    with Index.open(db) as index:  # reading ignores them
        stored, owners = index.signatures([1])
        assert len(index.candidates(stored, owners)) and all(p.exists() for p in orphans)
    with Index.open(db) as index:
        index.add(synthetic(8)[6:])
    assert not any(p.exists() for p in orphans)
    assert set(registered) <= {p.name for p in folder.iterdir()}
    assert len(check_consistent(db)) == 8


def _stored_candidates(index: Index, numbers: list[int]) -> set[tuple[int, int]]:
    """Candidate pairs (index numbers, smaller first) of some indexed articles against the index."""
    stored, owners = index.signatures(numbers)
    found = index.candidates(stored, owners, numbers)
    return {tuple(sorted((numbers[int(q)], int(n)))) for q, n in found.tolist() if numbers[int(q)] != int(n)}  # type: ignore[misc]


def _plain_candidates(index: Index, numbers: list[int]) -> set[tuple[int, int]]:
    """find_candidates over the same stored signatures, in memory."""
    from provenance.candidates import earliest_first, find_candidates

    stored, owners = index.signatures(numbers)
    settings = index.settings
    pairs = find_candidates(stored, owners, len(numbers), settings.lsh_rows, settings.max_bucket, settings.min_hits,
                            settings.min_weight, earliest_first([a.published for a in index.articles(numbers)])).pairs
    return {(numbers[int(i)], numbers[int(j)]) for i, j in pairs.tolist()}


def test_replaced_article_is_never_returned_and_buckets_count_live_windows(tmp_path):
    # Three copies of one text: every bucket holds 3 windows, over max_bucket 2: a crowd, whose
    # windows meet its centre only, c0 (undated, so the first by id).
    base = synthetic(1, seed=5)[0].text
    copies = [Article(id=f"c{k}", text=base, path=f"c/{k}") for k in range(3)]
    with Index.open(tmp_path / "i.db", create=True, options={"max_bucket": 2, "min_hits": 1, "min_weight": 0.0}) as index:
        index.add(copies)
        old = index.numbers(["c2"])["c2"]
        numbers = sorted(index.numbers(["c0", "c1", "c2"]).values())
        assert _stored_candidates(index, numbers) == _plain_candidates(index, numbers) == {(numbers[0], numbers[1]), (numbers[0], numbers[2])}
        stale, stale_owners = index.signatures([old])
        # Replacing c2 with another text leaves its old entries in the segment as a tombstone:
        # never returned, and no longer counted, so the buckets of c0 and c1 are usable again.
        index.add([Article(id="c2", text=synthetic(1, seed=6)[0].text, path="c/2b")])
        numbers = sorted(index.numbers(["c0", "c1", "c2"]).values())
        assert old not in numbers
        assert _stored_candidates(index, numbers) == _plain_candidates(index, numbers) == {(numbers[0], numbers[1])}
        assert old not in index.candidates(stale, stale_owners)[:, 1].tolist()
        assert index.connection.execute("SELECT article FROM dead").fetchall() == [(old,)]
    check_consistent(tmp_path / "i.db")


def test_merged_segments_give_the_same_candidates_and_drop_tombstones(tmp_path, monkeypatch):
    monkeypatch.setattr("provenance.index.MERGE_FANIN", 2)
    articles = synthetic(40, seed=9)
    # Some articles share sentences, so there are candidates to find.
    articles += [Article(id=f"d{k:03d}", text=" ".join(a.text.split(". ")[:3]) + ".", path="d") for k, a in enumerate(articles[:10])]
    db = tmp_path / "i.db"
    with Index.open(db, create=True) as index:
        index.add(articles, batch_size=4)
        levels = [row[0] for row in index.connection.execute("SELECT level FROM segments")]
        assert len(levels) <= 4 and max(levels) >= 3  # 13 batches merged pairwise: 8 + 4 + 1
        numbers = sorted(index.numbers(a.id for a in articles).values())
        want = _plain_candidates(index, numbers)
        assert len(want) >= 10 and _stored_candidates(index, numbers) == want
        # Replace two articles; the merges that read their old entries drop them and the tombstones.
        index.add([Article(id=a.id, text=a.text + " Zzq zzr zzs zzt zzu zzv zzw zzx.", path="new") for a in articles[:2]])
        numbers = sorted(index.numbers(a.id for a in articles).values())
        assert _stored_candidates(index, numbers) == _plain_candidates(index, numbers)
        assert index.connection.execute("SELECT count(*) FROM dead").fetchone()[0] == 2
        # 14 batches so far; 2 more make 16, merged pairwise into one segment, which reads every old entry.
        index.add([Article(id=f"n{a.id}", text=a.text, path="n") for a in synthetic(8, seed=10)], batch_size=4)
        assert index.info().segments == 1
        assert index.connection.execute("SELECT count(*) FROM dead").fetchone()[0] == 0
        assert not list(bands_folder(db).glob("*.tmp"))
        assert index.connection.execute("SELECT count(*) FROM retired").fetchone()[0] == 0
    check_consistent(db)


def test_a_reader_keeps_its_segments_while_a_writer_merges_them(tmp_path, monkeypatch):
    monkeypatch.setattr("provenance.index.MERGE_FANIN", 2)
    db = tmp_path / "i.db"
    articles = synthetic(30, seed=12)
    with Index.open(db, create=True) as writer:
        writer.add(articles[:4], batch_size=2)
    with Index.open(db) as reader, Index.open(db) as writer:
        probe, owners = reader.signatures([1])
        with reader.snapshot():
            before = reader.candidates(probe, owners).tolist()
            listed = {row[0] for row in reader.connection.execute("SELECT name FROM segments")}
            writer.add(articles[4:], batch_size=2)  # merges retire the files this snapshot lists
            assert listed.isdisjoint(row[0] for row in writer.connection.execute("SELECT name FROM segments"))
            assert all((bands_folder(db) / name).exists() for name in listed)  # kept: a reader holds them
            assert reader.candidates(probe, owners).tolist() == before
            assert reader.info().articles == 4
        writer.add([Article(id=f"n{a.id}", text=a.text, path="n") for a in synthetic(2, seed=13)])  # the next writer deletes them, no reader holding them now
        assert not any((bands_folder(db) / name).exists() for name in listed)
        assert reader.candidates(probe, owners).tolist() == before
    check_consistent(db)


def test_a_failed_signature_block_write_rolls_the_batch_back(tmp_path, monkeypatch):
    # The block is written on a thread beside the batch's rows and segment: its error must
    # still reach the caller, and the batch must not commit without its block.
    db = tmp_path / "i.db"
    articles = synthetic(6)
    with Index.open(db, create=True) as index:
        index.add(articles[:3], batch_size=3)

    def disk_full(path, array):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(segments, "write_array", disk_full)
    with Index.open(db) as index:
        with pytest.raises(WriteError, match=f"cannot write the index {db}: No space left on device; .*; nothing was stored"):
            index.add(articles[3:], batch_size=3)
    monkeypatch.undo()
    # Nothing of the failed batch is left on the disk that failed it (its segment was written first).
    connection = sqlite3.connect(str(db))
    registered = {row[0] for row in connection.execute("SELECT name FROM segments UNION SELECT name FROM blocks")}
    connection.close()
    assert {p.name for p in bands_folder(db).iterdir()} - {"readers.lock"} == registered
    with Index.open(db) as index:
        assert index.info().articles == 3
        assert index.add(articles, batch_size=3).added == tuple(a.id for a in articles[3:])


def test_bigram_windows_are_refused_by_an_index(tmp_path):
    db = tmp_path / "i.db"
    with pytest.raises(SettingsError, match="bigram_windows is for a local scan only"):
        Index.open(db, settings=Settings(bigram_windows=True), create=True)
    assert not db.exists()
    Index.open(db, create=True).close()
    with pytest.raises(SettingsError, match="bigram_windows"):
        Index.open(db, options={"bigram_windows": True})
    assert Settings(bigram_windows=True).key() != Settings().key()
