"""WARC reader: HTML responses become articles with URL ids; the rest is skipped and counted."""

from __future__ import annotations

import dataclasses
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
    assert isinstance(items[-1], Skipped) and "broken or truncated" in items[-1].reason


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
