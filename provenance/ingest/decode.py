"""Turning raw bytes into text: encoding detection and refusal of non-text.

Owns the rule for what counts as a readable text file: UTF-8 (with or without
BOM), UTF-16/32 with a BOM, or whatever charset_normalizer detects with
confidence; files that look binary are refused with a reason, never decoded
into garbage, while prose with control characters sown into it (a NUL after each
word) is text, kept as read. Also owns streaming a large file as text (``open_text``,
``bounded_lines``): the encoding judged from the first 64 KiB, lines read with a
length cap so one pathological line never has to fit in memory.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from typing import Iterator

import charset_normalizer

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_CONTROL_RUN = re.compile(_CONTROL.pattern + "+")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class NotText(ValueError):
    """The bytes are not a text file; the message says why."""


def _looks_like_utf16_without_bom(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a NUL in every other byte; pick the endianness by where they sit.
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Decode a file's bytes into text.

    Args:
        data: The raw bytes.

    Returns:
        The decoded text (a leading BOM removed).

    Raises:
        NotText: if the bytes are binary or no encoding fits.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff")
            except UnicodeDecodeError as error:
                raise NotText(f"starts with a {encoding} byte-order mark but does not decode ({error.reason})")
    text = None
    # ASCII-heavy UTF-16 is also valid UTF-8 (NUL is a character), so it is tried first.
    utf16 = _looks_like_utf16_without_bom(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is None:
        if data[:8192].count(b"\x00") > len(data[:8192]) // 20:
            raise NotText("looks binary (full of NUL bytes); is it really a text file?")
        best = charset_normalizer.from_bytes(data[:1_000_000]).best()
        if best is None:
            raise NotText("binary or in an unknown encoding; save it as UTF-8 text")
        text = data.decode(best.encoding, errors="replace")
    # Valid text may hold a stray control character; a file that is mostly control characters is binary,
    # unless they are sprinkled into prose (the text is kept as read: normalisation reads them as breaks).
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if controls > max(8, len(sample) // 20) and not _sprinkled_prose(sample):
        raise NotText("looks binary (mostly control characters); is it really a text file?")
    return text


def _sprinkled_prose(sample: str) -> bool:
    """Whether the control characters in ``sample`` are noise sown into prose, not a binary file's.

    A copy with a NUL after (or instead of) every word hid from matching when such a file was
    refused as binary. Binary formats pad with long runs of NUL; random bytes decoded in a
    single-byte charset are half symbols. So: no run of controls over 4, and what remains with
    them taken out is mostly letters and spaces, in words of a language's length.
    """
    if any(len(run) > 4 for run in _CONTROL_RUN.findall(sample)):
        return False
    rest = _CONTROL_RUN.sub(" ", sample)
    words = rest.split()
    if not words or not 2 <= sum(map(len, words)) / len(words) <= 12:
        return False
    wordy = sum(1 for char in rest if char.isalpha() or char.isspace())
    return wordy >= 0.8 * len(rest)


_STREAM_HEAD_BYTES = 1 << 16
_UTF8_BOMLESS = ("utf-8", "utf_8", "ascii")


def sniff_encoding(head: bytes) -> str:
    """The encoding to stream a file in, judged from its first bytes (``decode_text``'s rules).

    Args:
        head: The file's first bytes (64 KiB is plenty); it may end inside a character.

    Returns:
        A codec name for ``io.TextIOWrapper``.

    Raises:
        NotText: if the head looks binary.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return "utf-8-sig" if encoding == "utf-8-sig" else encoding
    utf16 = _looks_like_utf16_without_bom(head[: len(head) - len(head) % 2])
    if utf16:
        return utf16
    # The head may stop inside a multi-byte character: an incremental decoder forgives that.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if head[:8192].count(b"\x00") > len(head[:8192]) // 20:
        raise NotText("looks binary (full of NUL bytes); is it really a text file?")
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        raise NotText("binary or in an unknown encoding; save it as UTF-8 text")
    return best.encoding


def _escape_or_replace(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler for streams: bytes 0x80-0xFF as surrogate escapes (so
    ``repair_line`` can re-decode the line), anything else (a UTF-16 stream cut inside a
    character) as U+FFFD. ``surrogateescape`` alone raises on the latter."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    if all(byte >= 0x80 for byte in bad):
        return "".join(chr(0xDC00 + byte) for byte in bad), error.end
    return "\ufffd", error.end


codecs.register_error("provenance-escape", _escape_or_replace)


def open_text(path: os.PathLike[str] | str) -> io.TextIOWrapper:
    """Open a file as a text stream in its sniffed encoding, without reading it whole.

    Undecodable bytes later in the file become lone surrogates (as ``surrogateescape``);
    ``repair_line`` turns a line holding them back into text, so one bad line never
    stops the stream. Universal newlines are off: CSV needs ``\\r\\n`` inside quotes.

    Raises:
        NotText: if the file's first bytes look binary.
        OSError: if it cannot be opened.
    """
    raw = open(path, "rb")  # noqa: SIM115  (handed to the wrapper, which closes it)
    try:
        encoding = sniff_encoding(raw.read(_STREAM_HEAD_BYTES))
        raw.seek(0)
    except BaseException:
        raw.close()
        raise
    return io.TextIOWrapper(raw, encoding=encoding, errors="provenance-escape", newline="")


def repair_line(line: str) -> str:
    """A streamed line with undecodable bytes decoded on its own (``decode_text``), else as is.

    Raises:
        NotText: if the line's bytes are binary.
    """
    if line.isascii():  # most lines (JSON escapes what is not): no encoding to find out
        return line
    try:
        line.encode("utf-8")
        return line
    except UnicodeEncodeError:
        pass
    try:
        data = line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as error:  # a lone surrogate from a UTF-16 stream: not text
        raise NotText(f"undecodable characters ({error.reason})") from None
    return decode_text(data)


def bounded_lines(stream: io.TextIOBase, max_chars: int) -> Iterator[tuple[int, str | None]]:
    """Lines of a text stream, numbered from 1: at most ``max_chars`` characters and a line end.

    A line longer than ``max_chars`` is read through in chunks and yielded as ``None``,
    so one pathological line cannot exhaust memory.
    """
    number = 0
    while True:
        line = stream.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            while True:
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith("\n"):
                    break
            yield number, None
        else:
            yield number, line
