"""Fast shingling: many articles at once in compiled code, the same arrays as ``shingle.shingle_text``.

Owns the batch path of the shingle stage for text whose normalisation is trivial:
ASCII plus the typographic quotes, dashes and no-break space that ``normalise``
maps one-to-one onto ASCII (most news text). For those, case folding, whitespace
runs, tokens, sentence ends, entity flags and boilerplate masks are one pass over
code points in numba, in parallel over articles, with no Python object per token.
A word's stem hash comes from a hash table keyed by a 64-bit hash of the word and
filled through ``shingle.stem_hash`` the first time the word is seen, so stems are
the Python path's bit for bit. Any other text (accents, mojibake, other scripts)
is left to ``shingle.shingle_text``: ``fast_path`` says which path an article takes,
and the tests check that both paths give identical arrays.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Sequence

import numba
import numpy as np

from provenance.normalise import ASCII_FOLDS
from provenance.shingle import ABBREVIATIONS, MAX_SENTENCE_WORDS, MIN_SENTENCE_WORDS, FlatShingles, stem_hash

_OTHER_CHARACTER = re.compile("[^\x00-\x7f" + "".join(ASCII_FOLDS) + "]")

# Code point → the ASCII code the fast path reads instead (identity below 128).
_FOLD = np.zeros(max(map(ord, ASCII_FOLDS)) + 1, dtype=np.uint32)
_FOLD[:128] = np.arange(128, dtype=np.uint32)
for _char, _ascii in ASCII_FOLDS.items():
    _FOLD[ord(_char)] = ord(_ascii)

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def fast_path(text: str) -> bool:
    """Whether ``shingle_texts`` handles ``text`` in compiled code (else ``shingle_text`` does)."""
    return text.isascii() or _OTHER_CHARACTER.search(text) is None


@numba.njit(cache=True, inline="always")
def _fold(c):  # pragma: no cover - compiled
    return _FOLD[c] if c < _FOLD.shape[0] else np.uint32(0)


@numba.njit(cache=True, inline="always")
def _is_alnum(c):  # pragma: no cover - compiled
    return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)


@numba.njit(cache=True, inline="always")
def _is_space(c):  # pragma: no cover - compiled
    # normalise's whitespace, ASCII part: space, \t\n\v\f\r and the separators \x1c-\x1f.
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


@numba.njit(cache=True, inline="always")
def _is_newline(c):  # pragma: no cover - compiled
    # Whitespace that makes a run a line break (normalise keeps it as "\n"): \n\v\f\r, \x1c-\x1e.
    return (10 <= c <= 13) or (28 <= c <= 30)


@numba.njit(cache=True, inline="always")
def _is_stop(c):  # pragma: no cover - compiled
    return c == 46 or c == 33 or c == 63  # . ! ?


@numba.njit(cache=True, inline="always")
def _is_closer(c):  # pragma: no cover - compiled
    return c == 34 or c == 39 or c == 41 or c == 93  # " ' ) ]


@numba.njit(cache=True, inline="always")
def _lower(c):  # pragma: no cover - compiled
    return c + 32 if 65 <= c <= 90 else c


@numba.njit(cache=True, inline="always")
def _mix(h):  # pragma: no cover - compiled
    # splitmix64's finaliser: FNV-1a's low bits are weak, and the table indexes by them.
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h if h != 0 else np.uint64(1)


@numba.njit(cache=True, inline="always")
def _hash_step(h, c):  # pragma: no cover - compiled
    """FNV-1a over a word's case-folded characters: one character more."""
    return (h ^ np.uint64(_lower(c))) * _FNV_PRIME


@numba.njit(cache=True)
def _word_hash(codes, start, end):  # pragma: no cover - compiled
    h = _FNV_OFFSET
    for i in range(start, end):
        h = _hash_step(h, _fold(codes[i]))
    return _mix(h)


@numba.njit(cache=True)
def _sentence_end_after(codes, run_start, i, lo, hi, abbreviations):  # pragma: no cover - compiled
    """Whether the ``[.!?]+`` run at ``run_start``, with its closers ending at ``i``, ends a sentence.

    As ``shingle._SENTENCE_END`` on normalised text: the run must be followed by a space
    (a whitespace run without a line break; a line break ends the sentence anyway), and a
    full stop after a single letter or a listed abbreviation ends none.
    """
    if i >= hi or not _is_space(_fold(codes[i])):
        return False
    j = i
    while j < hi and _is_space(_fold(codes[j])):
        if _is_newline(_fold(codes[j])):
            return True
        j += 1
    if j == hi:  # trailing whitespace: normalise drops it, so nothing follows the run
        return False
    if _fold(codes[run_start]) != 46:
        return True
    word_start = run_start
    while word_start > lo and 97 <= _lower(_fold(codes[word_start - 1])) <= 122:
        word_start -= 1
    if run_start - word_start == 0:
        return True
    if run_start - word_start == 1:
        return False
    h = _word_hash(codes, word_start, run_start)
    for k in range(abbreviations.shape[0]):
        if abbreviations[k] == h:
            return False
    return True


@numba.njit(cache=True)
def _lookup(keys, values, h):  # pragma: no cover - compiled
    """The stem hash stored for word hash ``h``, and whether there is one."""
    mask = keys.shape[0] - 1
    slot = h & mask
    while True:
        k = keys[slot]
        if k == h:
            return values[slot], True
        if k == 0:
            return np.uint64(0), False
        slot = (slot + np.uint64(1)) & mask


@numba.njit(cache=True)
def _tokens(codes, lo, hi, abbreviations, keys, values, out, starts, ends, hashes, stems, flags, missing):  # pragma: no cover - compiled
    """Tokens of one article, written from index ``out``; returns how many.

    Per token: offsets in the article, word hash, stem hash (``missing`` when the table
    lacks the word), and flags: 1 a sentence ends between the previous token and this
    one, 2 it starts with an upper-case letter, 4 with a digit.
    """
    n = out
    broke = False
    i = lo
    while i < hi:
        c = _fold(codes[i])
        if _is_alnum(c):
            start = i
            # The word hash (as _word_hash) as the word is read: one pass over its characters.
            h = _FNV_OFFSET
            while i < hi:
                d = _fold(codes[i])
                if not _is_alnum(d):
                    break
                h = _hash_step(h, d)
                i += 1
            h = _mix(h)
            starts[n] = start - lo
            ends[n] = i - lo
            hashes[n] = h
            stems[n], found = _lookup(keys, values, h)
            missing[n] = not found
            token_flags = np.uint8(1) if broke else np.uint8(0)
            if 65 <= c <= 90:
                token_flags |= np.uint8(2)
            elif 48 <= c <= 57:
                token_flags |= np.uint8(4)
            flags[n] = token_flags
            n += 1
            broke = False
        elif _is_stop(c):
            run_start = i
            while i < hi and _is_stop(_fold(codes[i])):
                i += 1
            while i < hi and _is_closer(_fold(codes[i])):
                i += 1
            if _sentence_end_after(codes, run_start, i, lo, hi, abbreviations):
                broke = True
        elif _is_space(c):
            while i < hi and _is_space(_fold(codes[i])):
                if _is_newline(_fold(codes[i])):
                    broke = True
                i += 1
        else:
            i += 1
    return n - out


@numba.njit(cache=True, parallel=True)
def _scan(codes, offsets, bounds, abbreviations, keys, values, starts, ends, hashes, stems, flags, missing):  # pragma: no cover - compiled
    """Tokens of every article; article ``a``'s are written from ``bounds[a]``. Returns the counts."""
    n = offsets.shape[0] - 1
    counts = np.zeros(n, dtype=np.int64)
    for a in numba.prange(n):
        counts[a] = _tokens(codes, offsets[a], offsets[a + 1], abbreviations, keys, values, bounds[a],
                            starts, ends, hashes, stems, flags, missing)
    return counts


@numba.njit(cache=True)
def _insert(keys, values, new_keys, new_values):  # pragma: no cover - compiled
    mask = keys.shape[0] - 1
    for t in range(new_keys.shape[0]):
        h = new_keys[t]
        slot = h & mask
        while keys[slot] != 0 and keys[slot] != h:
            slot = (slot + np.uint64(1)) & mask
        keys[slot] = h
        values[slot] = new_values[t]


class StemTable:
    """Word hash → stem hash, grown as new words arrive (an open-addressing table in two arrays).

    Bounded like ``shingle``'s cache: a corpus of junk tokens empties it rather than
    growing it without limit. What it holds never changes a result, only the speed.
    """

    LIMIT = 1 << 22

    def __init__(self) -> None:
        self.keys = np.zeros(1 << 16, dtype=np.uint64)
        self.values = np.zeros(1 << 16, dtype=np.uint64)
        self.size = 0

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Insert distinct new ``keys`` with their ``values``."""
        if self.size + len(keys) > self.LIMIT:
            self.__init__()  # type: ignore[misc]
        if 2 * (self.size + len(keys)) > len(self.keys):
            capacity = len(self.keys)
            while 2 * (self.size + len(keys)) > capacity:
                capacity *= 2
            old = self.keys != 0
            old_keys, old_values = self.keys[old], self.values[old]
            self.keys = np.zeros(capacity, dtype=np.uint64)
            self.values = np.zeros(capacity, dtype=np.uint64)
            _insert(self.keys, self.values, old_keys, old_values)
        _insert(self.keys, self.values, keys, values)
        self.size += len(keys)

    def complete(self, hashes: np.ndarray, stems: np.ndarray, where: np.ndarray, spell: Callable[[np.ndarray], list[str]]) -> None:
        """Fill ``stems`` at positions ``where`` (words the table lacks): stem them, ``spell(positions)`` spelling them, and keep them."""
        if len(where) == 0:
            return
        new, first = np.unique(hashes[where], return_index=True)
        self.add(new, np.array([stem_hash(word) for word in spell(where[first])], dtype=np.uint64))
        stems[where] = _lookup_all(self.keys, self.values, hashes[where])


@numba.njit(cache=True, parallel=True)
def _lookup_all(keys, values, hashes):  # pragma: no cover - compiled
    out = np.empty(hashes.shape[0], dtype=np.uint64)
    for t in numba.prange(hashes.shape[0]):
        out[t], _ = _lookup(keys, values, hashes[t])
    return out


_table = StemTable()
_ABBREVIATIONS = np.zeros(0, dtype=np.uint64)  # word hashes of shingle.ABBREVIATIONS, made on first use


@numba.njit(cache=True)
def _missing(bounds, counts, missing):  # pragma: no cover - compiled
    """Positions of the tokens whose word the table lacked."""
    total = 0
    for a in range(counts.shape[0]):
        for t in range(bounds[a], bounds[a] + counts[a]):
            total += missing[t]
    out = np.empty(total, dtype=np.int64)
    k = 0
    for a in range(counts.shape[0]):
        for t in range(bounds[a], bounds[a] + counts[a]):
            if missing[t]:
                out[k] = t
                k += 1
    return out


@numba.njit(cache=True)
def _masked(start, spans):  # pragma: no cover - compiled
    for k in range(spans.shape[0]):
        if spans[k, 0] <= start < spans[k, 1]:
            return True
    return False


@numba.njit(cache=True, parallel=True)
def _count_content(token_offsets, token_counts, starts, stems, spans, span_offsets):  # pragma: no cover - compiled
    n = token_offsets.shape[0] - 1
    counts = np.zeros(n, dtype=np.int64)
    for a in numba.prange(n):
        mine = spans[span_offsets[a] : span_offsets[a + 1]]
        for t in range(token_offsets[a], token_offsets[a] + token_counts[a]):
            if stems[t] != 0 and not _masked(starts[t], mine):
                counts[a] += 1
    return counts


@numba.njit(cache=True, parallel=True)
def _fill_content(token_offsets, token_counts, starts, ends, stems, flags, spans, span_offsets, content_offsets, max_words,
                  min_words, out_hash, out_start, out_end, out_entity, out_units, unit_counts):  # pragma: no cover - compiled
    """Content words of each article, and where its sentence units begin (as ``shingle._unit_starts``
    makes them: a sentence under ``min_words`` content words runs on, a unit is cut every ``max_words``).

    ``out_units`` holds, for article ``a``, its unit starts then the content count, from
    ``content_offsets[a] + a``; ``unit_counts[a]`` says how many units.
    """
    for a in numba.prange(token_offsets.shape[0] - 1):
        mine = spans[span_offsets[a] : span_offsets[a + 1]]
        out = content_offsets[a]
        units = content_offsets[a] + a
        k = 0
        in_sentence = 0
        broke = True
        for t in range(token_offsets[a], token_offsets[a] + token_counts[a]):
            opens = t == token_offsets[a] or (flags[t] & 1) != 0
            broke = broke or opens
            if stems[t] == 0 or _masked(starts[t], mine):
                continue
            if broke:
                if in_sentence >= min_words:  # a shorter sentence runs on (``shingle._unit_starts``)
                    in_sentence = 0
                broke = False
            if in_sentence % max_words == 0:
                out_units[units] = k
                units += 1
            in_sentence += 1
            out_hash[out + k] = stems[t]
            out_start[out + k] = starts[t]
            out_end[out + k] = ends[t]
            out_entity[out + k] = ((flags[t] & 2) != 0 and not opens) or (flags[t] & 4) != 0
            k += 1
        out_units[units] = k
        unit_counts[a] = units - (content_offsets[a] + a)


# Characters per compiled batch. Its scratch arrays (~17 bytes per character) are allocated
# once per call and reused, so the kernel does not spend its time faulting in fresh pages.
BATCH_CHARS = 1 << 22


class _Scratch:
    """Per-token arrays for one batch; article a's tokens start at its ``bounds[a]``."""

    def __init__(self, tokens: int) -> None:
        self.starts = np.empty(tokens, dtype=np.int32)
        self.ends = np.empty(tokens, dtype=np.int32)
        self.hashes = np.empty(tokens, dtype=np.uint64)
        self.stems = np.empty(tokens, dtype=np.uint64)
        self.flags = np.empty(tokens, dtype=np.uint8)
        self.missing = np.empty(tokens, dtype=np.bool_)


def shingle_texts(texts: Sequence[str], masked: Sequence[tuple[tuple[int, int], ...]]) -> FlatShingles:
    """Shingle articles that all take the fast path (``fast_path``), in compiled batches.

    Args:
        texts: The articles' texts exactly as read.
        masked: Per article, spans of its text to leave out (boilerplate).

    Returns:
        Per article, exactly what ``shingle.shingle_text(text, masked)`` returns.
    """
    return FlatShingles.concat(shingle_batches(texts, masked, [len(t) for t in texts]))


def shingle_batches(
    texts: Sequence[str], masked: Sequence[tuple[tuple[int, int], ...]], lengths: Sequence[int]
) -> Iterator[dict[str, np.ndarray]]:
    """``shingle_texts``'s work, a batch of articles at a time: each batch's ``FlatShingles`` fields.

    ``lengths`` are the texts' lengths in characters, and ``texts`` is only ever sliced, a
    batch at a time: a sequence that reads its texts from a file when sliced keeps no more
    than a batch of them in memory (``pipeline``'s scan does that).
    """
    if not len(texts):
        return
    bounds = [_token_bound(n) for n in lengths]
    capacity = max(_token_bound(BATCH_CHARS), max(bounds))
    scratch = _Scratch(capacity)
    start = 0
    while start < len(texts):
        end, used = start, 0
        while end < len(texts) and used + bounds[end] <= capacity:
            used += bounds[end]
            end += 1
        yield _shingle_batch(texts[start:end], masked[start:end], scratch)
        start = end


def _token_bound(chars: int) -> int:
    # Tokens are separated by at least one character.
    return (chars + 1) // 2


def _codes(texts: Sequence[str]) -> np.ndarray:
    joined = "".join(texts)
    # One byte per character when it can be (the common case), else UTF-32: numba compiles the kernels for each.
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


def _shingle_batch(texts: Sequence[str], masked: Sequence[tuple[tuple[int, int], ...]], scratch: _Scratch) -> dict[str, np.ndarray]:
    """One batch's ``FlatShingles`` fields."""
    global _ABBREVIATIONS
    if len(_ABBREVIATIONS) == 0:
        spelled = [np.frombuffer(w.encode("ascii"), dtype=np.uint8) for w in sorted(ABBREVIATIONS)]
        _ABBREVIATIONS = np.array([_word_hash(w, 0, len(w)) for w in spelled], dtype=np.uint64)
    codes = _codes(texts)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([_token_bound(len(t)) for t in texts], out=bounds[1:])
    s = scratch
    counts = _scan(codes, offsets, bounds, _ABBREVIATIONS, _table.keys, _table.values, s.starts, s.ends, s.hashes, s.stems, s.flags, s.missing)

    def spell(positions: np.ndarray) -> list[str]:
        owners = np.searchsorted(bounds, positions, side="right") - 1
        return [texts[a][s.starts[p] : s.ends[p]].lower() for a, p in zip(owners.tolist(), positions.tolist())]

    _table.complete(s.hashes, s.stems, _missing(bounds, counts, s.missing), spell)
    spans = np.array([span for spans_of in masked for span in spans_of], dtype=np.int64).reshape(-1, 2)
    span_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in masked], out=span_offsets[1:])
    content_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(_count_content(bounds, counts, s.starts, s.stems, spans, span_offsets), out=content_offsets[1:])
    content = int(content_offsets[-1])
    out_hash = np.empty(content, dtype=np.uint64)
    out_start = np.empty(content, dtype=np.int32)
    out_end = np.empty(content, dtype=np.int32)
    out_entity = np.empty(content, dtype=np.bool_)
    out_units = np.empty(content + len(texts), dtype=np.int32)
    unit_counts = np.empty(len(texts), dtype=np.int64)
    _fill_content(bounds, counts, s.starts, s.ends, s.stems, s.flags, spans, span_offsets, content_offsets, MAX_SENTENCE_WORDS,
                  MIN_SENTENCE_WORDS, out_hash, out_start, out_end, out_entity, out_units, unit_counts)
    # Article a's unit starts and count lie from content_offsets[a] + a: gather them end to end.
    sentence_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(unit_counts + 1, out=sentence_offsets[1:])
    where = np.repeat(content_offsets[:-1] + np.arange(len(texts)) - sentence_offsets[:-1], unit_counts + 1)
    return {"hashes": out_hash, "starts": out_start, "ends": out_end, "entity": out_entity, "offsets": content_offsets,
            "sentence_starts": out_units[where + np.arange(sentence_offsets[-1])],
            "sentence_offsets": sentence_offsets}

