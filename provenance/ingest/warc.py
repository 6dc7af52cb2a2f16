"""WARC crawls (``.warc``, ``.warc.gz``): each HTML response record becomes an article.

Owns reading a WARC file record by record with warcio: ``response`` (and
``resource``) records whose payload is HTML go through the HTML extraction
(``ingest.html.extract_article``); the article's id and URL are the record's
``WARC-Target-URI`` and ``crawled`` is its ``WARC-Date`` — the crawl date, which
is never used as a publication date. Request, warcinfo and metadata records are
not content and are passed over silently; anything else that is not an HTML page
(images, CSS, revisits, HTTP errors) and broken records are reported as
``Skipped("FILE#N", reason)`` with the record's 1-based number. A truncated or
corrupt file stops at the break, keeping every record before it. A record's
payload is read up to the article cap only. Record URLs become ids and nothing
else: no file is ever written from a record.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from provenance.ingest.base import MAX_ARTICLE_CHARS, MAX_BYTES_PER_CHAR, Item, Reader, register
from provenance.ingest.html import extract_article, looks_like_html
from provenance.model import Skipped

# Records that never hold a page: the crawl's own bookkeeping.
_NOT_CONTENT = {"request", "warcinfo", "metadata"}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b"


def looks_like_warc(head: bytes) -> bool:
    """Whether bytes start a WARC file, plain or gzip-compressed (decompressing the first bytes)."""
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(b"WARC/1.")


class _QuietArchiveIterator(ArchiveIterator):  # type: ignore[misc]  # warcio is untyped
    # warcio writes a three-line warning to stderr for a record with a wrong Content-Length;
    # each message of ours is one line, and a broken record is reported as Skipped.
    INC_RECORD = ""


# warcio logs a warning for a record whose WARC-Target-URI holds spaces, the URI in it raw: with no
# handler set, Python printed it to stderr, terminal escapes from a hostile crawl and all, in no
# form of ours. (Such a record is still read; its id, made safe, is where its URI shows.)
logging.getLogger("warcio").addHandler(logging.NullHandler())


def _content_type(record) -> str:  # type: ignore[no-untyped-def]  # warcio records are untyped
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    value = headers.get_header("Content-Type") or ""
    return value.split(";")[0].strip().lower()


def _detail(error: Exception) -> str:
    text = str(error).splitlines()[0][:120] if str(error).strip() else ""
    return text or type(error).__name__


class WarcReader(Reader):
    name = "warc"
    extensions = (".warc", ".warc.gz")

    def sniff(self, head: bytes) -> bool:
        return looks_like_warc(head)

    def read(self, path: Path, article_id: str, *, max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        number = 0
        with path.open("rb") as stream:
            archive = _QuietArchiveIterator(stream, arc2warc=True)
            records = iter(archive)
            while True:
                number += 1
                where = f"{path}#{number}"
                try:
                    record = next(records)
                except StopIteration:
                    # warcio ends quietly where a file is cut inside a record's headers: bytes left
                    # past the last record it read are such a record, lost unless reported.
                    stream.seek(archive.offset)
                    if stream.read(1 << 16).strip():
                        yield Skipped(where, "truncated record (the file ends inside its headers)")
                    return
                except Exception as error:  # noqa: BLE001  warcio raises many types on corrupt input
                    # warcio cannot resynchronise after a break: the records before it are kept.
                    yield Skipped(where, f"broken or truncated record, rest of the file not read ({_detail(error)})")
                    return
                if record.rec_type is None or record.rec_headers.get_header("Content-Length") is None:
                    # Every record has both; warcio makes a record of the headers a file ends inside.
                    yield Skipped(where, "broken or truncated record (no WARC-Type or Content-Length in its headers)")
                    continue
                if record.rec_type in _NOT_CONTENT:
                    continue
                try:
                    item = self._record(record, where, max_chars * MAX_BYTES_PER_CHAR)
                except Exception as error:  # noqa: BLE001  a bad payload costs one record, not the crawl
                    item = Skipped(where, f"broken record ({_detail(error)})")
                if item is not None:
                    yield item

    @staticmethod
    def _record(record, where: str, max_bytes: int) -> Item | None:  # type: ignore[no-untyped-def]
        url = record.rec_headers.get_header("WARC-Target-URI")
        crawled = record.rec_headers.get_header("WARC-Date")
        if record.rec_type not in ("response", "resource"):
            return Skipped(where, f"{record.rec_type} record, not a page")
        if not url:
            return Skipped(where, "record has no WARC-Target-URI")
        if record.http_headers is not None:
            status = record.http_headers.get_statuscode()
            if status and not status.startswith("2"):
                return Skipped(where, f"HTTP {status} for {url}")
        kind = _content_type(record)
        # Read at most the cap (plus one byte to notice more): a huge or decompression-bomb
        # record costs a bounded amount of memory and is skipped.
        payload = record.content_stream().read(max_bytes + 1)
        if len(payload) > max_bytes:
            return Skipped(where, f"record for {url} is over {max_bytes:,} bytes, not read; raise --max-article-chars if it is real")
        if getattr(record.raw_stream, "limit", 0):
            # Fewer bytes than the record's Content-Length: the file ends inside this record (inside
            # its HTTP headers, it has no Content-Type: said first, it is the cause).
            return Skipped(where, f"truncated record for {url} (file ends inside it)")
        if kind and kind not in _HTML_TYPES:
            return Skipped(where, f"{kind or 'unknown type'} at {url}, not an HTML page")
        if not kind and not looks_like_html(payload[:512]):
            return Skipped(where, f"no Content-Type and not HTML at {url}")
        return extract_article(payload, url, where, url=url, crawled=crawled)


register(WarcReader())
