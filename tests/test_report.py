"""report: the JSON contract, determinism, CSV and table rendering."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.model import Skipped
from provenance.pipeline import scan
from provenance.report import json_pieces, report_dict, to_csv, to_json, to_table
from tests.conftest import SEED_000, SEED_002, SEEDS


def test_json_contract(seed_report):
    data = json.loads(to_json(seed_report))
    assert list(data) == ["schema_version", "provenance_version", "settings_key", "settings", "articles", "pairs", "trees", "stories", "skipped"]
    assert data["schema_version"] == 1
    assert set(data["articles"][0]) == {"id", "path", "title", "published", "published_from", "chars"}
    pair = data["pairs"][0]
    assert set(pair) >= {"source", "derived", "relation", "overlap", "source_overlap", "jaccard", "confidence", "passages"}
    assert set(pair["passages"][0]) == {"source_start", "source_end", "derived_start", "derived_end", "similarity"}
    assert data["trees"] == [
        {"root": SEED_000, "articles": [SEED_000, SEED_002], "edges": [
            {"source": SEED_000, "derived": SEED_002, "overlap": pair["overlap"], "confidence": pair["confidence"], "date_conflict": False,
             "alternatives": []}
        ]}
    ]
    for key in ("overlap", "source_overlap", "jaccard", "confidence"):
        assert 0.0 <= pair[key] <= 1.0


def test_json_identical_across_runs_workers_and_input_order(tmp_path, seed_report):
    reordered = tmp_path / "corpus"
    reordered.mkdir()
    for path in sorted(SEEDS.glob("*.txt"), reverse=True):
        shutil.copy(path, reordered / path.name)
    expected = to_json(seed_report)
    assert to_json(scan([SEEDS], workers=2)) == expected
    other = json.loads(to_json(scan([reordered], workers=2)))
    base = json.loads(expected)
    for article in other["articles"] + base["articles"]:
        article.pop("path")
    assert other == base


def test_csv_rows_and_header(seed_report):
    rows = list(csv.DictReader(io.StringIO(to_csv(seed_report))))
    assert len(rows) == 1
    assert rows[0]["source"] == SEED_000 and rows[0]["derived"] == SEED_002
    assert float(rows[0]["overlap %"]) == round(seed_report.matches[0].overlap * 100, 1)


def test_csv_ids_from_scraped_input_never_start_a_formula(seed_report):
    # A file name or URL id is the scraper's to choose: "=HYPERLINK(...)" must reach an editor's
    # spreadsheet as text (the audit CSV did this already; the scan CSV did not).
    renamed = {SEED_000: '=HYPERLINK("http://example.invalid","open")', SEED_002: "@SUM(1)"}
    match = dataclasses.replace(seed_report.matches[0], source=renamed[SEED_000], derived=renamed[SEED_002])
    rows = list(csv.DictReader(io.StringIO(to_csv(dataclasses.replace(seed_report, matches=(match,))))))
    assert (rows[0]["source"], rows[0]["derived"]) == ("'" + renamed[SEED_000], "'@SUM(1)")


def test_table_shows_tree_and_pair(seed_report):
    table = to_table(seed_report)
    assert "Derivation trees" in table and f"└── {SEED_002}" in table
    assert "Same story, no derivation claimed" in table


def test_report_dict_lists_skipped(tmp_path):
    (tmp_path / "a.txt").write_text("Some text of an article.")
    (tmp_path / "b.txt").write_bytes(b"")
    data = report_dict(scan([tmp_path]))
    assert [s["reason"] for s in data["skipped"]] == ["empty article (no text)"]


def test_json_written_in_pieces_is_json_dumps_of_the_contract(seed_report):
    # Lists empty and full, and strings JSON must escape (line breaks, quotes, non-ASCII) in reach of
    # the re-indentation of nested pieces.
    odd = Skipped(path='we\u00efrd\n"name".txt', reason="line\nbreak \u2028 and \\")
    for report in (seed_report, dataclasses.replace(seed_report, skipped=(odd,), stories=()),
                   dataclasses.replace(seed_report, articles=(), matches=(), trees=())):
        want = json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n"
        pieces = list(json_pieces(report))
        assert "".join(pieces) == to_json(report) == want
        assert len(pieces) > 10  # written a piece at a time, not as one string


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_JSON_VALUES, st.integers(0, 3))
def test_json_values_are_written_as_json_dumps_writes_them(value, level):
    from provenance.report import _dumps

    want = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)
    assert _dumps(value, level) == want
