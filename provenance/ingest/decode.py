"""Turning raw bytes into text: encoding detection and refusal of non-text.

Owns the rule for what counts as a readable text file: UTF-8 (with or without
BOM), UTF-16/32 with a BOM, or whatever charset_normalizer detects with
confidence; files that look binary are refused with a reason, never decoded
into garbage.
"""

from __future__ import annotations

import codecs

import re

import charset_normalizer

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

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
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        utf16 = _looks_like_utf16_without_bom(data)
        if utf16:
            try:
                text = data.decode(utf16)
            except UnicodeDecodeError:
                text = None
    if text is None:
        if data[:8192].count(b"\x00") > len(data[:8192]) // 20:
            raise NotText("looks binary (full of NUL bytes); is it really a text file?")
        best = charset_normalizer.from_bytes(data[:1_000_000]).best()
        if best is None:
            raise NotText("binary or in an unknown encoding; save it as UTF-8 text")
        text = data.decode(best.encoding, errors="replace")
    # Valid text may hold a stray control character; a file that is mostly control characters is binary.
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if controls > max(8, len(sample) // 20):
        raise NotText("looks binary (mostly control characters); is it really a text file?")
    return text
