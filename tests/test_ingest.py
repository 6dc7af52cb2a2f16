"""ingest: readers, decoding, dates, ids, and bad input reported rather than fatal."""

from __future__ import annotations

import json

import pytest

from provenance.errors import InputError
from provenance.ingest import read_corpus
from provenance.ingest.dates import find_date_line, parse_date
from tests.conftest import SEED_000, SEEDS


def test_ids_are_relative_paths_sorted(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("Second article text here.")
    (tmp_path / "one.txt").write_text("First article text here.")
    articles, skipped = read_corpus([tmp_path])
    assert [a.id for a in articles] == ["b/two.txt", "one.txt"]
    assert skipped == []
    assert articles[1].text == "First article text here."


def test_file_argument_id_is_its_name(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Some text.")
    articles, _ = read_corpus([path])
    assert articles[0].id == "x.txt"


@pytest.mark.parametrize(
    "data",
    [
        "Café au lait, naïve résumé.".encode("utf-16"),  # BOM
        "Café au lait, naïve résumé.".encode("utf-16-le"),  # no BOM
        "Café au lait, naïve résumé.".encode("utf-8-sig"),
        "Café au lait, naïve résumé, a longer sentence of text.".encode("cp1252"),
    ],
)
def test_encodings_decoded(tmp_path, data):
    (tmp_path / "a.txt").write_bytes(data)
    articles, skipped = read_corpus([tmp_path])
    assert skipped == []
    assert "Caf" in articles[0].text and "au lait" in articles[0].text


def test_binary_and_empty_files_are_skipped_with_reason(tmp_path):
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "ok.txt").write_text("A real article.")
    articles, skipped = read_corpus([tmp_path])
    assert [a.id for a in articles] == ["ok.txt"]
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert "binary" in reasons["bin.txt"]
    assert "empty" in reasons["empty.txt"]


@pytest.mark.parametrize("noise", ["\x00 ", "\x00", " \x01\x02", "\x1b "])
def test_prose_with_control_characters_sown_in_is_text_kept_as_read(noise):
    # A NUL after (or instead of) every word was "looks binary (mostly control characters)".
    from provenance.ingest.decode import decode_text

    prose = (SEEDS / SEED_000).read_text(encoding="utf-8")
    sown = prose.replace(" ", noise)
    assert decode_text(sown.encode("utf-8")) == sown


@pytest.mark.parametrize("data", [
    (b"\x00" * 100 + b"hello world text ") * 50,  # a format padded with NUL runs around its strings
    bytes(range(32)) * 100,
    b"".join(bytes([n % 9]) + b"\x7f\x80" * 3 for n in range(2000)),
])
def test_control_characters_in_no_prose_are_still_binary(data):
    from provenance.ingest.decode import NotText, decode_text

    with pytest.raises(NotText, match="binary"):
        decode_text(data)


def test_jsonl_reader_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": 7, "text": "Seven.", "title": "T", "published": "2023-09-13T10:00:00Z", "url": "https://x/7"}),
        "{not json",
        json.dumps({"text": "no id"}),
        json.dumps({"id": "b", "text": "Published On: Sep 13, 2023\nBody."}),
        "",
    ]
    (tmp_path / "export.jsonl").write_text("\n".join(lines))
    articles, skipped = read_corpus([tmp_path])
    assert [(a.id, a.published, a.published_from) for a in articles] == [
        ("7", "2023-09-13", "metadata"),
        ("b", "2023-09-13", "date-line"),
    ]
    assert [s.path.rsplit("/", 1)[-1] for s in skipped] == ["export.jsonl:2", "export.jsonl:3"]


def test_a_title_or_url_with_no_text_in_it_is_none(tmp_path):
    # pandas writes NaN for a missing value: the title was "nan"; a list or true became its repr.
    path = tmp_path / "export.jsonl"
    path.write_text("".join(line + "\n" for line in (
        '{"id": "a", "text": "One.", "title": NaN, "url": Infinity}',
        '{"id": "b", "text": "Two.", "title": [1, 2], "url": true}',
        '{"id": "c", "text": "Three.", "title": 2024, "url": "https://x/c", "published": 1694649600}',
    )), encoding="utf-8")
    articles, skipped = read_corpus([path])
    assert not skipped
    assert [(a.title, a.url, a.published) for a in articles] == [(None, None, None), (None, None, None), ("2024", "https://x/c", "2023-09-14")]


@pytest.mark.parametrize(
    "line",
    [
        '{"id": 123456789012345678901234567890, "text": "a huge id"}',  # orjson: a float; json: exact
        '{"id": "n", "text": "nan date", "published": NaN}',  # not strict JSON: orjson refuses it
        '{"id": "f", "text": "a float date", "published": 20230913.0}',
        '{"id": "l", "text": "a list title", "title": [1e400, 123456789012345678901234567890]}',
        '{"id": "d", "text": "last key wins", "id": "e"}',
        '{"id": "u", "text": "caf\\u00e9 \\ud83d\\ude00 and a tab\\t"}',
        '{"id": "x", "text": "   "}',
        '[1, 2]',
        '{"id": "b", "text": "bad \x01 control"}',
        '{"id": "t", "text": "trailing" } junk',
    ],
)
def test_jsonl_lines_read_as_the_standard_parser_reads_them(line):
    from provenance.ingest.fields import DEFAULT_FIELDS, article_from_record
    from provenance.ingest.jsonl import parse_line
    from provenance.model import Skipped

    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        expected = Skipped("f:1", f"not valid JSON ({error.msg}); each line must be one JSON object")
    else:
        expected = (article_from_record(record, DEFAULT_FIELDS, "f:1") if isinstance(record, dict)
                    else Skipped("f:1", "not a JSON object; each line must be one JSON object"))
    assert parse_line(line, "f:1") == expected


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path):
    # "\ud800" with no low surrogate after it decodes to a lone surrogate, which UTF-8 cannot
    # hold: it used to crash the scan (normalising) and the index (hashing the text).
    line = '{"id": "s\\udc80", "text": "Broken \\ud800 emoji \\ud83d\\ude00 kept.", "title": "T\\udfff"}'
    (tmp_path / "export.jsonl").write_text(line + "\n")
    [article], skipped = read_corpus([tmp_path])
    assert skipped == []
    assert (article.id, article.text, article.title) == ("s\ufffd", "Broken \ufffd emoji \U0001F600 kept.", "T\ufffd")


def test_duplicate_ids_skipped(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "x", "text": "one"}) + "\n" + json.dumps({"id": "x", "text": "two"}))
    articles, skipped = read_corpus([tmp_path])
    assert len(articles) == 1 and "duplicate id" in skipped[0].reason


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_corpus([tmp_path / "nope"])


def test_symlink_loop_reported(tmp_path):
    (tmp_path / "a.txt").write_text("Text.")
    (tmp_path / "loop").symlink_to(tmp_path)
    articles, skipped = read_corpus([tmp_path])
    assert [a.id for a in articles] == ["a.txt"]
    assert any("loop" in s.reason for s in skipped)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Published On: Sep 13, 2023", "2023-09-13"),
        ("Fri. Sep 29th, 2023", "2023-09-29"),
        ("Sat. Sep 30th, 2023", "2023-09-30"),
        ("13 September 2023", "2023-09-13"),
        ("2023-09-13", "2023-09-13"),
        ("Wednesday, October 4", None),
        ("The summit on Sep 13, 2023 was long and the talks went on for hours.", None),
    ],
)
def test_date_lines(line, expected):
    assert find_date_line(line + "\nBody text.") == expected


def test_date_label_on_its_own_line():
    assert find_date_line("Title\nBody.\nPublished On:\n\nSep 13, 2023\nSource link") == "2023-09-13"


def test_parse_date_rejects_impossible():
    assert parse_date("Feb 30, 2023") is None
    assert parse_date("2023-02-28T00:00") == "2023-02-28"


@pytest.mark.parametrize("value, expected", [
    ("2023-09-13T25:00Z", None), ("2023-09-13 10:61", None), ("2023-09-13T10:00:61", None),
    ("2023-09-13T10:00:00+25:00", None), ("2023-09-13T24:30", None),
    ("12023-09-13", None), ("2023-09-131", None),  # a longer number, not a date
    ("2023-09-13T23:59:60Z", "2023-09-13"),  # a leap second
    ("2023-09-13T24:00:00", "2023-09-13"),  # ISO 8601's end of the day
    ("2023-09-13T10:00:00.123+05:30", "2023-09-13"), ("2023-09-13T10:00:00-0500", "2023-09-13"),
])
def test_an_impossible_time_makes_no_date(value, expected):
    # A timestamp at hour 25 is a broken or forged field: it must not order two articles.
    assert parse_date(value) == expected
    assert find_date_line(f"Title\n{value}\nThe story.") == expected


@pytest.mark.parametrize("value, expected", [
    ("14/09/2023", "2023-09-14"), ("09/14/2023", "2023-09-14"), ("14.09.2023", "2023-09-14"), ("14-09-2023", "2023-09-14"),
    ("04/04/2023", "2023-04-04"),
    ("03/04/2023", None),  # 3 April or March 4: no date rather than a wrong one
    ("31/02/2023", None), ("114/09/2023", None),
    ("1694649600", "2023-09-14"), ("1694649600.0", "2023-09-14"), ("1694649600123", "2023-09-14"),  # seconds, ms since 1970
    ("9999999999", None), ("123", None), ("169464960", None),
])
def test_metadata_dates_in_numbers(value, expected):
    # What CMS exports write in a date field (JSONL numbers arrive as their text).
    assert parse_date(value) == expected


def test_an_epoch_number_in_a_jsonl_date_field_is_a_metadata_date(tmp_path):
    text = (SEEDS / SEED_000).read_text(encoding="utf-8")
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text, "published": 1694649600}) + "\n"
                    + json.dumps({"id": "b", "text": text, "published": "03/04/2023"}) + "\n", encoding="utf-8")
    articles, skipped = read_corpus([path])
    assert not skipped
    assert [(a.published, a.published_from) for a in articles] == [("2023-09-14", "metadata"), (None, None)]


def test_seed_dates(seed_report):
    dates = {a.id[:3]: (a.published, a.published_from) for a in seed_report.articles}
    assert dates["001"] == ("2023-09-13", "date-line")
    assert dates["002"] == ("2023-09-30", "date-line")
    assert dates["004"] == ("2023-09-29", "date-line")
    assert dates["000"] == (None, None) and dates["003"] == (None, None)


def test_skipped_lines_are_listed_in_line_order(tmp_path):
    # Sorted as strings, line 10 came before line 3.
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(['{"id": "ok", "text": "A line that reads."}'] + ["{bad"] * 11) + "\n", encoding="utf-8")
    _, skipped = read_corpus([path])
    assert [s.path for s in skipped] == [f"{path}:{line}" for line in range(2, 13)]


def test_our_own_reports_in_a_corpus_folder_are_skipped_not_read(tmp_path):
    # An HTML report read back became an article holding every text it shows, and the root of
    # every tree; a pretty-printed JSON report was sniffed as JSON Lines, a skip line per line.
    from click.testing import CliRunner

    from provenance.cli import main
    from tests.conftest import SEED_000, SEED_002, SEEDS

    for name in (SEED_000, SEED_002):
        (tmp_path / name).write_bytes((SEEDS / name).read_bytes())
    assert CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "html", "-o", str(tmp_path / "report.html")]).exit_code == 0
    (tmp_path / "report.json").write_text(json.dumps({"schema_version": 1, "pairs": [{"source": "a"}]}, indent=2), encoding="utf-8")
    articles, skipped = read_corpus([tmp_path])
    assert [a.id for a in articles] == [SEED_000, SEED_002]
    assert [(s.path.rsplit("/", 1)[-1], s.reason.split(";")[0]) for s in skipped] == [
        ("report.html", "a provenance report, not an article"), ("report.json", "unknown format")]


def test_files_of_one_name_under_two_paths_given_are_both_read(tmp_path):
    # Ids are paths relative to the path given: x/a.txt and y/a.txt were both "a.txt", and the
    # second given was skipped as a duplicate (which one depended on the order of the paths).
    for folder, text in (("x", "The first story about the harbour."), ("y", "A second story about the ferry.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(text, encoding="utf-8")
        (tmp_path / folder / f"only-{folder}.txt").write_text(text + " Once more.", encoding="utf-8")
    x, y = tmp_path / "x", tmp_path / "y"
    for order in ([x, y], [y, x]):
        articles, skipped = read_corpus(order)
        assert not skipped
        assert [a.id for a in articles] == sorted(["only-x.txt", "only-y.txt", f"{x.as_posix()}/a.txt", f"{y.as_posix()}/a.txt"])
    articles, _ = read_corpus([x / "a.txt", y / "a.txt"])
    assert [a.id for a in articles] == [(x / "a.txt").as_posix(), (y / "a.txt").as_posix()]
    # The same file given twice is one article, read once: no "duplicate id" of itself.
    articles, skipped = read_corpus([x, x])
    assert [a.id for a in articles] == ["a.txt", "only-x.txt"] and not skipped


def test_a_file_reached_twice_is_read_once_under_its_own_name(tmp_path):
    # "scan seeds/ seeds/" skipped every file as a duplicate of itself (and --strict exited 1);
    # "scan seeds/a.txt seeds/" renamed the article to its path; a symlink to a file beside it was a
    # second article, a verbatim "copy" of the first.
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "x.txt").write_text("The council met on Monday to vote on the harbour plan.", encoding="utf-8")
    (corpus / "a.txt").write_text("A ferry strike closed the island route for three days.", encoding="utf-8")
    (corpus / "link.txt").symlink_to("sub/x.txt")
    expected = [("a.txt", str(corpus / "a.txt")), ("sub/x.txt", str(corpus / "sub" / "x.txt"))]
    for paths in ([corpus, corpus], [corpus, tmp_path / "." / "corpus"], [corpus / "a.txt", corpus], [corpus, corpus / "a.txt"],
                  [corpus], [corpus / "link.txt", corpus]):
        articles, skipped = read_corpus(paths)
        assert not skipped, paths
        assert [(a.id, a.path) for a in articles] == expected, paths
