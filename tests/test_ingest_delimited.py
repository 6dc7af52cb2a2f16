"""CSV reader and the column mapping shared with JSONL: renamed columns, bad rows reported and skipped."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from provenance.cli import main
from provenance.ingest import Fields, read_corpus
from provenance.ingest.base import line_cap
from tests.conftest import SEEDS, SEED_000, SEED_002

STORY = "The harbour authority approved the new ferry terminal after a long public consultation."


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_default_columns(tmp_path):
    path = _write_csv(tmp_path / "export.csv", ["id", "title", "text", "published", "url"],
                      [["a1", "Ferry", STORY, "2023-09-13", "https://news.example/a1"]])
    articles, skipped = read_corpus([path])
    assert skipped == []
    (article,) = articles
    assert (article.id, article.title, article.text, article.published, article.published_from, article.url) == (
        "a1", "Ferry", STORY, "2023-09-13", "metadata", "https://news.example/a1")
    assert article.path == f"{path}:2"


def test_mapped_columns_and_bad_rows(tmp_path):
    path = _write_csv(tmp_path / "export.csv", ["slug", "headline", "body", "date", "link"], [
        ["ferry", "Ferry", STORY, "Sep 13, 2023", "https://news.example/ferry"],
        ["empty", "No body", "", "", ""],
        ["", "No id", STORY + " Again.", "", ""],
    ])
    fields = Fields(id="slug", text="body", title="headline", published="date", url="link")
    articles, skipped = read_corpus([path], fields=fields)
    assert [(a.id, a.title, a.published, a.url) for a in articles] == [
        ("export.csv:4", "No id", None, None),  # no id: the row's place is its id
        ("ferry", "Ferry", "2023-09-13", "https://news.example/ferry"),
    ]
    assert [(s.path, s.reason) for s in skipped] == [
        (f"{path}:3", "missing or empty 'body'; name the field holding the article text with --text-field"),
    ]


def test_a_quote_that_never_closes_is_reported_not_read_as_the_rest_of_the_file(tmp_path):
    # The lenient CSV parser keeps an unclosed quote's field to the end of the file: rows 3 and 4
    # would vanish silently inside row 2's text.
    path = tmp_path / "export.csv"
    path.write_text('id,text\n1,"A story, quoted\nover two lines."\n2,"Never closed.\n3,Lost row.\n4,Also lost.\n')
    articles, skipped = read_corpus([path])
    assert [a.id for a in articles] == ["1"]
    assert [(s.path, s.reason) for s in skipped] == [
        (f"{path}:3", "row 3 opens a quote that never closes (lines 4-6 read as one field); close the quote: rest of the file not read"),
    ]


def test_rows_before_a_csv_error_are_kept(tmp_path):
    path = tmp_path / "export.csv"
    cap = line_cap(1000)  # the field limit: row 3's field runs over it in lines each under it
    long_field = "\n".join(["x" * 1000] * (cap // 1000 + 2))
    path.write_text(f'id,text\n1,First row.\n2,"Second\nrow."\n3,"{long_field}"\n4,Not read.\n')
    articles, skipped = read_corpus([path], max_chars=1000)
    assert [a.id for a in articles] == ["1", "2"]
    assert [s.reason.split(" (")[0] for s in skipped] == ["not valid CSV"]


def test_quotes_in_multiline_rows_and_bare_quotes_are_read_as_before(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('id,text\n1,"Doubled ""quotes""\nacross lines."\n2,A 5" screen\n3,"A 5"" screen\nand more."\n')
    articles, skipped = read_corpus([path])
    assert skipped == []
    assert [a.text for a in articles] == ['Doubled "quotes"\nacross lines.', 'A 5" screen', 'A 5" screen\nand more.']


def test_semicolons_are_found_past_a_long_first_text_with_commas(tmp_path):
    # The sniffer reads 4 KB: a first text longer than that, full of commas, hid the semicolons,
    # and the file was read as comma-separated ("no 'text' column").
    long_text = (STORY.replace(".", ", ") * 60).strip()
    path = tmp_path / "semi.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["id", "text", "published"])
        writer.writerows([["a", long_text, "2023-01-01"], ["b", STORY, "2023-01-02"]])
    articles, skipped = read_corpus([path])
    assert not skipped and [(a.id, a.text, a.published) for a in articles] == [
        ("a", long_text, "2023-01-01"), ("b", STORY, "2023-01-02")]


def test_missing_text_column_names_the_columns_and_the_fix(tmp_path):
    path = _write_csv(tmp_path / "export.csv", ["id", "body"], [["a", STORY]])
    articles, skipped = read_corpus([path])
    assert articles == []
    assert [str(s) for s in skipped] == [
        f"skipped {path}: no 'text' column (columns: 'id', 'body'); name the text column with --text-field"
    ]


def test_jsonl_mapping_and_bad_lines(tmp_path):
    path = tmp_path / "export.jsonl"
    lines = [
        json.dumps({"guid": 7, "content": STORY, "headline": "Ferry", "pubdate": "2023-09-13"}),
        "{not json",
        json.dumps({"guid": 8, "text": STORY}),
        json.dumps({"content": STORY}),
        json.dumps({"guid": 1.5, "content": STORY}),  # these three said "missing", which they are not
        json.dumps({"guid": True, "content": STORY}),
        json.dumps({"guid": 9, "content": 12345}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fields = Fields(id="guid", text="content", title="headline", published="pubdate")
    articles, skipped = read_corpus([path], fields=fields)
    assert [(a.id, a.title, a.published) for a in articles] == [("7", "Ferry", "2023-09-13")]
    assert [(s.path, s.reason.split(";")[0]) for s in skipped] == [
        (f"{path}:2", "not valid JSON (Expecting property name enclosed in double quotes)"),
        (f"{path}:3", "missing or empty 'content'"),
        (f"{path}:4", "missing 'guid' (a string or number)"),
        (f"{path}:5", "'guid' is a number (1.5), not a string or a whole number"),
        (f"{path}:6", "'guid' is a boolean (True), not a string or a whole number"),
        (f"{path}:7", "'content' is a number (12345), not a string"),
    ]


def test_scan_with_field_options_reports_bad_rows(tmp_path):
    rows = [[name, (SEEDS / name).read_text(encoding="utf-8")] for name in (SEED_000, SEED_002)] + [["broken", ""]]
    path = _write_csv(tmp_path / "seeds.csv", ["name", "story"], rows)
    result = CliRunner().invoke(main, ["scan", str(path), "--text-field", "story", "--id-field", "name", "--format", "csv", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"skipped {path}:4: missing or empty 'story'" in result.stderr
    assert result.stdout.splitlines()[1].startswith(f"{SEED_000},{SEED_002},")
    strict = CliRunner().invoke(main, ["scan", str(path), "--text-field", "story", "--id-field", "name", "--strict", "--workers", "1"])
    assert strict.exit_code == 1
