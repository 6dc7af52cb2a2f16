"""WARC crawls (``.warc``, ``.warc.gz``): each HTML response record becomes an article.

Owns reading a WARC file record by record with warcio: ``response`` (and
``resource``) records whose payload is HTML go through the HTML extraction
(``ingest.html.extract_article``); the article's id and URL are the record's
``WARC-Target-URI`` and ``crawled`` is its ``WARC-Date`` — the crawl date (kept
only when it is an ISO 8601 timestamp that can be), which is never used as a
publication date. Request, warcinfo and metadata records are not content and are
passed over silently; anything else that is not an HTML page (images, CSS,
revisits, HTTP errors) and broken records are reported as ``Skipped("FILE#N",
reason)`` with the record's 1-based number. Also owns saying what is broken in
words a user can act on (the byte offset, what is wrong, the fix), never a Python
or warcio exception's text: after damaged bytes (junk, garbled headers, a corrupt
gzip member, a wrong Content-Length) reading resumes at the next record start
found in the file, so only the damaged part is lost. A crawl gzipped whole (one
stream, not a member per record) is read through one decompressor. A record's
payload is read up to the article cap only. Record URLs become ids and nothing
else: no file is ever written from a record.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import re
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed

from provenance.ingest.base import MAX_ARTICLE_CHARS, MAX_BYTES_PER_CHAR, Item, Reader, register
from provenance.ingest.dates import parse_timestamp
from provenance.ingest.html import extract_article, looks_like_html
from provenance.model import Skipped

# Records that never hold a page: the crawl's own bookkeeping.
_NOT_CONTENT = {"request", "warcinfo", "metadata"}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MAGIC = b"\x1f\x8b"
_FIX = "re-download or re-crawl the file to get the lost part back"


def looks_like_warc(head: bytes) -> bool:
    """Whether bytes start a WARC file, plain or gzip-compressed (decompressing the first bytes)."""
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(b"WARC/1.")


_RECORD_LINE = re.compile(rb"(?:^|\n)WARC/1\.[01]\r?\n")


def _one_gzip_stream(stream: BinaryIO) -> bool:
    """Whether a gzipped crawl's first gzip member holds more than one record: the whole file gzipped
    as one stream (``gzip crawl.warc``), where a WARC gives each record a member of its own. warcio
    reads only the first record of such a file. Decompresses no further than the second record's start
    (or the first member's end: one record, for a WARC as it should be)."""
    stream.seek(0)
    if stream.read(2) != _GZIP_MAGIC:
        return False
    stream.seek(0)
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    carry, records = b"", 0
    try:
        while not inflate.eof:
            block = stream.read(1 << 16)
            if not block:
                break
            data = carry + inflate.decompress(block)
            # (a record line across two blocks is seen once: only matches ending past the carry count)
            records += sum(1 for found in _RECORD_LINE.finditer(data) if found.end() > len(carry))
            if records > 1:
                return True
            carry = data[-16:]
    except zlib.error:
        pass  # a damaged first member: the reading proper says so
    finally:
        stream.seek(0)
    return False


class _CorruptData(ValueError):
    """Compressed data (a gzip member of the file, or a gzip/brotli-encoded payload) does not decompress."""


class _Strict:
    # warcio, when data stops decompressing part-way, writes zlib's message to stderr (a line in
    # no form of ours) and carries on with the data cut short; raising lets the record be named.
    # A first block that does not decompress still means "not compressed", as warcio reads it.
    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor and data and self.num_block_read:  # type: ignore[attr-defined]
            try:
                return self.decompressor.decompress(data)  # type: ignore[attr-defined, no-any-return]
            except Exception:  # noqa: BLE001  zlib.error, brotli.error
                raise _CorruptData from None
        return super()._decompress(data)  # type: ignore[misc, no-any-return]


class _StrictFileReader(_Strict, DecompressingBufferedReader):  # type: ignore[misc]  # warcio is untyped
    pass


class _StrictPayloadReader(_Strict, BufferedReader):  # type: ignore[misc]
    pass


class _StrictChunkedReader(_Strict, ChunkedDataReader):  # type: ignore[misc]
    pass


class _WarcIterator(ArchiveIterator):  # type: ignore[misc]  # warcio is untyped
    # warcio writes a three-line warning to stderr for a record with a wrong Content-Length;
    # each message of ours is one line, and a broken record is reported as Skipped.
    INC_RECORD = ""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(stream)
        self.reader = _StrictFileReader(self.fh, block_size=self.reader.block_size)
        # WARC records only: warcio otherwise reads a line of junk with four spaces in it (HTML
        # text after a damaged record, compressed bytes) as an ARC record, a "page" at a nonsense URL.
        self.known_format = "warc"


# warcio logs a warning for a record whose WARC-Target-URI holds spaces, the URI in it raw: with no
# handler set, Python printed it to stderr, terminal escapes from a hostile crawl and all, in no
# form of ours. (Such a record is still read; its id, made safe, is where its URI shows.)
logging.getLogger("warcio").addHandler(logging.NullHandler())

# A record starts with a line "WARC/1.0" (or 1.1) or, compressed, with a gzip member holding one.
# Not only at a line's start: junk before a record need not end in a newline.
_RECORD_START = re.compile(rb"WARC/1\.[01]\r?\n|\x1f\x8b\x08")
_SEARCH_BLOCK = 1 << 20


def _next_record_start(stream: BinaryIO, offset: int) -> int | None:
    """Where the first record at or after byte ``offset`` starts, or None: how reading resumes after damage."""
    at = offset
    while True:
        stream.seek(at)
        block = stream.read(_SEARCH_BLOCK)
        for found in _RECORD_START.finditer(block):
            stream.seek(at + found.start())
            if looks_like_warc(stream.read(512)):
                return at + found.start()
        if len(block) < _SEARCH_BLOCK:
            return None
        at += _SEARCH_BLOCK - 16  # blocks overlap: a start across their border is still seen


def _what_broke(error: Exception) -> str:
    """What is wrong, in words, for an error warcio raised on damaged bytes (never the error's own text)."""
    if isinstance(error, _CorruptData):
        return "its gzip data is corrupt"
    if isinstance(error, ArchiveLoadFailed):
        return "no WARC/1.0 line where a record should start (junk or damaged bytes)"
    return "its WARC headers are damaged or cut short"


def _resumes(next_start: int | None) -> str:
    if next_start is None:
        return f"nothing readable after it; {_FIX}"
    return f"reading resumes at the next record, byte {next_start:,}; {_FIX}"


class _Broken(Exception):
    """A record that spoils its neighbours (its length is wrong or missing): skip it, then look for the next record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WarcReader(Reader):
    name = "warc"
    extensions = (".warc", ".warc.gz")

    def sniff(self, head: bytes) -> bool:
        return looks_like_warc(head)

    def read(self, path: Path, article_id: str, *, max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        number = 0
        with path.open("rb") as raw, contextlib.ExitStack() as closing:
            stream: BinaryIO = raw
            size: int | None = raw.seek(0, 2)
            if _one_gzip_stream(raw):
                # Read through one decompressor, as a plain WARC (offsets are then into the
                # decompressed crawl, and how long it is unknown up front).
                stream, size = closing.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")), None
            start: int | None = 0
            while start is not None:
                # One warcio pass from ``start`` until the file ends or damage stops it; warcio
                # cannot resynchronise by itself, so a new pass starts at the next record found.
                stream.seek(start)
                archive = _WarcIterator(stream)
                records = iter(archive)
                last: tuple[int, bool] | None = None  # (offset, already reported) of the record read last
                while True:
                    where = f"{path}#{number + 1}"
                    try:
                        record = next(records)
                    except StopIteration:
                        # warcio ends quietly where a file is cut inside a record's headers: bytes left
                        # past the last record it read are such a record, lost unless reported.
                        stream.seek(archive.offset)
                        if stream.read(1 << 16).strip():
                            yield Skipped(where, f"truncated record at byte {archive.offset:,} (the file ends inside its headers); {_FIX}")
                        start = None
                        break
                    except Exception as error:  # noqa: BLE001  warcio raises many types on damaged input
                        # (warcio's offset is nonsense, even negative, inside a file gzipped as one stream)
                        at = max(archive.offset, start)
                        # (``_one_gzip_stream`` has such a file read whole; this is for one it could not
                        # tell, its second record's first line not a WARC/1.0 or 1.1 one)
                        if isinstance(error, ArchiveLoadFailed) and "non-chunked gzip" in str(error):
                            yield Skipped(where, "the file is gzipped as one stream, not a gzip member per record, so no record after "
                                                 "the first can be read; recompress it (warcio recompress FILE NEW.warc.gz) and read that")
                            start = None
                            break
                        start = _next_record_start(stream, at + 1)
                        if last is not None and last[0] == at:
                            # The damage is in the end of the record read last (warcio reads each
                            # record through before the next): it is that record's, said once.
                            if not last[1]:
                                yield Skipped(f"{path}#{number}", f"broken record at byte {at:,}: the end of it is damaged ({_what_broke(error)}); {_resumes(start)}")
                        else:
                            number += 1
                            yield Skipped(where, f"broken record at byte {at:,}: {_what_broke(error)}; {_resumes(start)}")
                        break
                    number += 1
                    at = archive.offset
                    # Bytes left in the file from this record on; unknown where gzip members hold them.
                    room = size - at if size is not None and archive.reader.decompressor is None else None
                    try:
                        item = self._record(record, where, at, room, max_chars * MAX_BYTES_PER_CHAR)
                    except _Broken as broken:
                        # Its length cannot be trusted, so neither can where warcio thinks the next
                        # record starts: look for it from here (this also finds records a too-large
                        # Content-Length swallowed).
                        start = _next_record_start(stream, at + 1)
                        yield Skipped(where, f"{broken.reason}; {_resumes(start)}")
                        break
                    except Exception as error:  # noqa: BLE001  a bad payload costs one record, not the crawl
                        item = Skipped(where, f"broken record at byte {at:,}: {_what_broke(error) if isinstance(error, _CorruptData) else 'its content cannot be read'}; {_FIX}")
                    last = (at, isinstance(item, Skipped))
                    if item is not None:
                        yield item

    @staticmethod
    def _record(record, where: str, at: int, room: int | None, max_bytes: int) -> Item | None:  # type: ignore[no-untyped-def]
        length = record.rec_headers.get_header("Content-Length")
        if record.rec_type is None or length is None:
            # Every record has both; warcio makes a record of the headers a file ends inside.
            raise _Broken(f"broken or truncated record at byte {at:,} (no WARC-Type or Content-Length in its headers)")
        if not length.strip().isdigit():
            raise _Broken(f"broken record at byte {at:,}: its Content-Length is not a number of bytes")
        if room is not None and int(length) > room:
            # Said here, not when its payload runs out: a request or warcinfo record is never read.
            raise _Broken(f"truncated record at byte {at:,} (the file ends inside it: cut short, or its Content-Length is wrong)")
        if record.rec_type in _NOT_CONTENT:
            return None
        url = record.rec_headers.get_header("WARC-Target-URI")
        crawled = parse_timestamp(record.rec_headers.get_header("WARC-Date") or "")
        if record.rec_type not in ("response", "resource"):
            return Skipped(where, f"{record.rec_type} record, not a page")
        if not url:
            return Skipped(where, "record has no WARC-Target-URI")
        if record.http_headers is not None:
            status = record.http_headers.get_statuscode()
            if not re.fullmatch(r"[1-5]\d\d", status or ""):
                return Skipped(where, f"broken record at byte {at:,} for {url}: its HTTP status line is garbled; {_FIX}")
            if not status.startswith("2"):
                return Skipped(where, f"HTTP {status} for {url}")
        kind = _content_type(record)
        # Read at most the cap (plus one byte to notice more): a huge or decompression-bomb
        # record costs a bounded amount of memory and is skipped.
        payload = _payload_stream(record).read(max_bytes + 1)
        if len(payload) > max_bytes:
            return Skipped(where, f"record for {url} is over {max_bytes:,} bytes, not read; raise --max-article-chars if it is real")
        if getattr(record.raw_stream, "limit", 0):
            # Fewer bytes than the record's Content-Length: the file ends inside this record (inside
            # its HTTP headers, it has no Content-Type: said first, it is the cause). A Content-Length
            # too large swallows the records after it; they are looked for.
            raise _Broken(f"truncated record for {url} at byte {at:,} (the file ends inside it: cut short, or its Content-Length is wrong)")
        if kind and kind not in _HTML_TYPES:
            return Skipped(where, f"{kind or 'unknown type'} at {url}, not an HTML page")
        if not kind and not looks_like_html(payload[:512]):
            return Skipped(where, f"no Content-Type and not HTML at {url}")
        return extract_article(payload, url, where, url=url, crawled=crawled)


def _content_type(record) -> str:  # type: ignore[no-untyped-def]  # warcio records are untyped
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    value = headers.get_header("Content-Type") or ""
    return value.split(";")[0].strip().lower()


def _payload_stream(record):  # type: ignore[no-untyped-def]
    # warcio's ``record.content_stream()``, with readers that raise on corrupt compressed data.
    if not record.http_headers:
        return record.raw_stream
    encoding = (record.http_headers.get_header("content-encoding") or "").lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    if record.http_headers.get_header("transfer-encoding") == "chunked":
        return _StrictChunkedReader(record.raw_stream, decomp_type=encoding)
    if encoding:
        return _StrictPayloadReader(record.raw_stream, decomp_type=encoding)
    return record.raw_stream


register(WarcReader())
