"""Normalise: text as read in, comparable text out, with a map back to the original.

Owns mojibake repair (``Russia‚Äôs`` → ``Russia’s``, via ftfy on the non-ASCII
runs only), Unicode NFKC (a letter and its combining marks composed together), case
folding, accents on Latin letters dropped, unified quotes and dashes, invisible
characters dropped (zero-width spaces, soft hyphens, variation selectors), "fancy text"
letters (small capitals, squared letters) read as plain ones, Cyrillic and Greek
lookalike letters in a Latin word read as Latin, and whitespace collapsed to one space (or one
newline where a line broke). Every character of the normalised text remembers the
span of the original text it came from, so passages found on normalised text are
reported, and highlighted, in the text exactly as read. This module never drops or
reorders content words.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import unicodedata
from collections.abc import Iterator

import ftfy
import numpy as np

# Typographic variants that spinners and CMSs swap freely; they carry no meaning for matching.
_PUNCTUATION = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u00a0": " ", "\u2026": "...",
    }
)
# A run of non-ASCII characters: what mojibake repair looks at, one at a time (``fast_shingle`` too).
NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Cyrillic and Greek letters that look like Latin ones (the common ones of Unicode's confusables,
# as they are after case folding: "В" folds to "в", yet looked like "B"). A spinner swaps a few into
# an English copy ("pаper" with a Cyrillic а) so that no word matches its source's; in a word that
# also holds a Latin letter they are read as the Latin letters they show. A word all of one script
# keeps its letters: Russian and Greek text is matched as it is.
_LATIN_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ϲ": "c", "ɡ": "g",
})
_LOOKALIKE = "".join(chr(code) for code in _LATIN_LOOKALIKES)
_ANY_LOOKALIKE = re.compile(f"[{_LOOKALIKE}]")
_MIXED_WORD = re.compile(f"\\b(?=[^\\W\\d_]*[a-z])(?=[^\\W\\d_]*[{_LOOKALIKE}])[^\\W\\d_]+")

# Latin letters with a stroke or bar, which Unicode does not decompose into a letter and an accent
# (Søren, Łódź, Đorđe, Ħamrun, Erdoğan's Turkish ı): read as the plain letter, as the accented ones are.
# Ligatures likewise, as their two letters (casefold already reads German ß as "ss"): cœur, Æsir, Þór.
_STROKED_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ƚ": "l", "ƀ": "b",
                                   "ɨ": "i", "ʉ": "u", "æ": "ae", "œ": "oe", "þ": "th"})
# Letters of "fancy text" generators that NFKC leaves as they are (it folds circled, full-width and
# mathematical letters itself): small capitals, and negative circled and squared letters. Pasted
# for a headline or a whole copy ("ᴍɪɴɪsᴛᴇʀ"), they left no word in common with the source.
_FANCY_LETTERS = str.maketrans({
    **dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz")),  # (no Q, no X: generators borrow letters)
    **{chr(0x1F150 + k): chr(ord("a") + k) for k in range(26)},
    **{chr(0x1F170 + k): chr(ord("a") + k) for k in range(26)},
})
# What ``_fold`` translates, character for character, after NFKC and case folding.
_CHARACTER_FOLDS = {**_PUNCTUATION, **_FANCY_LETTERS, **_STROKED_LETTERS}


@dataclasses.dataclass(frozen=True)
class Normalised:
    """Normalised text and, per character, the original span it came from.

    Attributes:
        text: The normalised text.
        starts: ``starts[i]`` is where ``text[i]``'s source begins in the original text.
        ends: ``ends[i]`` is where it ends (half-open); equal to ``starts[i] + 1`` unless
            a repair or an NFKC expansion changed the character count.
    """

    text: str
    starts: np.ndarray
    ends: np.ndarray

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to a half-open span of the original."""
        if end <= start:
            point = int(self.starts[start]) if start < len(self.starts) else (int(self.ends[-1]) if len(self.ends) else 0)
            return point, point
        return int(self.starts[start]), int(self.ends[end - 1])


# Unicode's default-ignorable characters that are not format characters (Cf): the combining grapheme
# joiner, variation selectors, Hangul and Mongolian fillers. A renderer shows none of them; the
# Hangul filler counts as a letter, so sown inside a word it made the word another.
_IGNORABLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def _invisible(char: str) -> bool:
    """Whether a character is invisible: a format character (Unicode's Cf: zero-width spaces and
    joiners, soft hyphens, word joiners, direction marks, tag characters) or another default-ignorable
    one (``_IGNORABLE``), which normalisation drops."""
    return not char.isascii() and (char in _IGNORABLE or unicodedata.category(char) == "Cf")


def is_mark(char: str) -> bool:
    """Whether a character is a combining mark (Unicode's M*: accents, Indic vowel signs and viramas,
    Arabic and Hebrew vowel points), which belongs to the letter before it."""
    return unicodedata.category(char)[0] == "M"


# Accents on a Latin letter, once decomposed (the Combining Diacritical Marks block): "café" and
# "cafe", "Zürich" and "Zurich" are one word to a reader, and a copy with an accent put on every
# vowel ("Kím Jóng Ún") shared no word with its source.
_LATIN_ACCENTS = re.compile("(?<=[a-z])[\u0300-\u036f]+")


# Control characters but the layout ones (tab, line ends, form feed): no reader sees them. Matching
# reads them as word breaks (they are neither letters nor digits), as a NUL after every word needs.
_CONTROL_BYTES = bytes([*range(0x09), *range(0x0E, 0x20), 0x7F])
_CONTROLS = frozenset(_CONTROL_BYTES.decode("ascii"))


def visible_length(text: str) -> int:
    """Characters of ``text`` a reader sees: its length less its invisible format characters
    (``_invisible``: a copy padded with zero-width spaces is no longer than its source) and its
    control characters (nor is one with a NUL after every word)."""
    if text.isascii():
        # Counted in C: it runs for both texts of every match (a regex took ~30 µs a 4 KB text, ~40 s of
        # a million-article scan's CPU; this ~4 µs).
        return len(text.encode("ascii").translate(None, _CONTROL_BYTES))
    return len(text) - sum(count for char, count in collections.Counter(text).items() if char in _CONTROLS or _invisible(char))


def _fold(chunk: str) -> str:
    # NFKC again after casefold: casefold can produce characters NFKC would still change.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", chunk).casefold()).translate(_CHARACTER_FOLDS)
    # Invisible format characters are dropped: a page renders the same without them, and a copy
    # sown with them (a zero-width space after every "e") otherwise shares no word with its
    # source, or one with a zero-width joiner before each space is one long word.
    if not folded.isascii():
        folded = "".join(char for char in folded if not _invisible(char))
        decomposed = unicodedata.normalize("NFD", folded)
        if _LATIN_ACCENTS.search(decomposed):
            folded = unicodedata.normalize("NFC", _LATIN_ACCENTS.sub("", decomposed))
    return folded


# Latin letters with accents (Latin-1, Latin Extended-A and -B, Latin Extended Additional): most
# normalise to one ASCII letter (é -> e, Ş -> s, ệ -> e).
_ACCENTED_LATIN = [chr(code) for code in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)) if chr(code).isalpha()]
# The characters normalisation turns into exactly one ASCII character (typographic quotes and
# dashes, the no-break space, accented Latin letters), each with that character, and the letters
# it turns into two ASCII letters (ß, æ, œ, þ) with those: text of ASCII and these alone is
# normalised by a table lookup per character (``fast_shingle`` relies on it).
ASCII_FOLDS = {
    char: folded
    for char, folded in ((char, _fold(char)) for char in (*map(chr, _PUNCTUATION), *_ACCENTED_LATIN))
    if folded.isascii() and (len(folded) == 1 or (len(folded) == 2 and folded.isalpha() and char.isalpha()))
}


def _clusters(raw: str) -> Iterator[tuple[int, int]]:
    """Where each letter and the combining marks after it (``is_mark``) begin and end in ``raw``."""
    start = 0
    for index in range(1, len(raw)):
        if not is_mark(raw[index]):
            yield start, index
            start = index
    if raw:
        yield start, len(raw)


def _repair(text: str) -> tuple[list[str], list[int], list[int]]:
    """Fold the non-ASCII runs, returning pieces with the original span of each piece's characters."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for run in NON_ASCII_RUN.finditer(text):
        begin = run.start()
        if begin > position and is_mark(text[begin]):
            begin -= 1  # the ASCII letter the run's first marks belong to ("cafe\u0301", decomposed "café")
        if begin > position:
            ascii_part = text[position:begin].lower()
            pieces.append(ascii_part)
            starts.extend(range(position, begin))
            ends.extend(range(position + 1, begin + 1))
        raw = text[begin : run.end()]
        fixed = ftfy.fix_encoding(raw)
        if fixed == raw:
            # Fold a letter and its marks at a time, so that each output character keeps its own
            # origin, and a letter decomposed into base and accents reads as the composed one.
            for first, last in _clusters(raw):
                folded = _fold(raw[first:last])
                pieces.append(folded)
                starts.extend([begin + first] * len(folded))
                ends.extend([begin + last] * len(folded))
        else:
            # A repaired mojibake run maps, as a whole, onto the bytes it was made from.
            folded = _fold(fixed)
            pieces.append(folded)
            starts.extend([begin] * len(folded))
            ends.extend([run.end()] * len(folded))
        position = run.end()
    if position < len(text):
        pieces.append(text[position:].lower())
        starts.extend(range(position, len(text)))
        ends.extend(range(position + 1, len(text) + 1))
    return pieces, starts, ends


def normalise(text: str) -> Normalised:
    """Normalise an article's text for matching.

    Args:
        text: The article text exactly as read.

    Returns:
        The normalised text with its offset map; ``normalise(n.text).text == n.text``.
    """
    if text.isascii():
        folded = text.lower()
        starts = np.arange(len(text), dtype=np.int64)
        ends = starts + 1
    else:
        pieces, start_list, end_list = _repair(text)
        folded = "".join(pieces)
        if _ANY_LOOKALIKE.search(folded):  # (one character for one: the offset map stands as it is)
            folded = _MIXED_WORD.sub(lambda word: word[0].translate(_LATIN_LOOKALIKES), folded)
        starts = np.asarray(start_list, dtype=np.int64)
        ends = np.asarray(end_list, dtype=np.int64)
    if not folded:
        return Normalised("", starts, ends)
    # Collapse whitespace runs: keep the first character of each run, as "\n" if the run
    # holds a line break (paragraph and line structure matter for sentences), else " ".
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    is_space = np.isin(codes, _WHITESPACE_CODES)
    is_newline = np.isin(codes, _NEWLINE_CODES)
    previous_space = np.concatenate(([True], is_space[:-1]))  # also drops leading whitespace
    keep = ~(is_space & previous_space)
    run_id = np.cumsum(~is_space)  # characters of one whitespace run share the id of the word before
    run_has_newline = np.zeros(int(run_id[-1]) + 1, dtype=bool)
    np.logical_or.at(run_has_newline, run_id[is_newline], True)
    out = codes.copy()
    out[is_space] = 32
    out[is_space & run_has_newline[run_id]] = 10
    # Trailing whitespace goes too.
    if is_space[-1]:
        last_word = np.flatnonzero(~is_space)
        keep[(last_word[-1] + 1 if len(last_word) else 0) :] = False
    kept = np.flatnonzero(keep)
    new_text = out[kept].astype("<u4").tobytes().decode("utf-32-le")
    new_starts = starts[kept]
    # A kept whitespace character stands for its whole run; extend its end over the run.
    new_ends = ends[kept].copy()
    if len(kept):
        run_ends = np.append(kept[1:], len(codes)) - 1
        space_kept = is_space[kept]
        new_ends[space_kept] = ends[run_ends[space_kept]]
    return Normalised(new_text, new_starts, new_ends)


_WHITESPACE_CODES = np.array(
    [ord(c) for c in " \t\n\r\f\v\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
     "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"],
    dtype=np.uint32,
)
_NEWLINE_CODES = np.array([ord(c) for c in "\n\r\f\v\x1c\x1d\x1e\x85\u2028\u2029"], dtype=np.uint32)
