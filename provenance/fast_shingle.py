"""Fast shingling: many articles at once in compiled code, the same arrays as ``shingle.shingle_text``.

Owns the batch path of the shingle stage for text whose normalisation is trivial:
ASCII plus the typographic quotes, dashes and no-break space that ``normalise``
maps one-to-one onto ASCII (most news text). For those, case folding, whitespace
runs, tokens, sentence ends, entity flags and boilerplate masks are one pass over
code points in numba, in parallel over articles, with no Python object per token:
the same pass stems each word, keeps the content words and cuts the sentence units,
so nothing per token is stored. A word's stem hash comes from a hash table keyed by a
64-bit hash of the word and filled through ``shingle.stem_hash`` the first time the word
is seen (an article with such a word is scanned again once it is), so stems are the
Python path's bit for bit. Any other text (accents, mojibake, other scripts)
is left to ``shingle.shingle_text``: ``fast_path`` says which path an article takes,
and the tests check that both paths give identical arrays.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Sequence

import ftfy
import numba
import numpy as np

from provenance.normalise import ASCII_FOLDS, NON_ASCII_RUN
from provenance.shingle import ABBREVIATIONS, MAX_SENTENCE_WORDS, MIN_SENTENCE_WORDS, FlatShingles, stem_hash
from provenance.signatures import mix64
from provenance.spill import AsciiTexts

_OTHER_CHARACTER = re.compile("[^\x00-\x7f" + "".join(ASCII_FOLDS) + "]")
# Accented letters (in ASCII_FOLDS): as their ASCII letters, in their own case (a name's "É" is a
# capital, as the slow path reads it), and spelled so for the stemmer.
_LETTERS = frozenset(char for char in ASCII_FOLDS if char.isalpha())
_SPELLED = str.maketrans({char: ASCII_FOLDS[char] for char in _LETTERS})

# Code point → the ASCII code the fast path reads instead (identity below 128), and for a letter
# read as two (ß as "ss", æ as "ae"), the second in ``_SECOND`` (else 0).
_FOLD = np.zeros(max(map(ord, ASCII_FOLDS)) + 1, dtype=np.uint32)
_FOLD[:128] = np.arange(128, dtype=np.uint32)
_SECOND = np.zeros(_FOLD.shape[0], dtype=np.uint32)
for _char, _ascii in ASCII_FOLDS.items():
    _FOLD[ord(_char)] = ord(_ascii[0].upper() if _char.isupper() else _ascii[0])
    _SECOND[ord(_char)] = ord(_ascii[1]) if len(_ascii) == 2 else 0

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def fast_path(text: str) -> bool:
    """Whether ``shingle_texts`` handles ``text`` in compiled code (else ``shingle_text`` does).

    Text of ASCII and ``ASCII_FOLDS`` alone, unless a run of them with an accented letter is
    mojibake that normalisation repairs: "‚Äôs" is UTF-8's "’s" read as Mac Roman, "Ã©" its "é"
    read as Windows-1252 (the same test as ``normalise``'s, a run at a time).
    """
    if text.isascii():
        return True
    if _OTHER_CHARACTER.search(text) is not None:
        return False
    return all(ftfy.fix_encoding(run) == run for run in NON_ASCII_RUN.findall(text) if not _LETTERS.isdisjoint(run))


@numba.njit(cache=True, inline="always")
def _fold(c):  # pragma: no cover - compiled
    return _FOLD[c] if c < _FOLD.shape[0] else np.uint32(0)


def _is_alnum(c: int) -> bool:  # (of an ASCII code; these build the class table below)
    return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)


def _is_space(c: int) -> bool:
    # normalise's whitespace, ASCII part: space, \t\n\v\f\r and the separators \x1c-\x1f.
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


def _is_newline(c: int) -> bool:
    # Whitespace that makes a run a line break (normalise keeps it as "\n"): \n\v\f\r, \x1c-\x1e.
    return (10 <= c <= 13) or (28 <= c <= 30)


def _is_stop(c: int) -> bool:
    return c == 46 or c == 33 or c == 63  # . ! ?


def _is_closer(c: int) -> bool:
    return c == 34 or c == 39 or c == 41 or c == 93  # " ' ) ]


# Character classes, one bit each, of every code point the fast path reads (of its fold: a
# typographic quote is a closer): the scan reads a character's class with one table lookup.
_ALNUM, _UPPER, _DIGIT, _STOP, _CLOSER, _SPACE, _NEWLINE, _TWO = 1, 2, 4, 8, 16, 32, 64, 128
_KIND = np.zeros(_FOLD.shape[0], dtype=np.uint8)
for _code, (_c, _second) in enumerate(zip(_FOLD.tolist(), _SECOND.tolist())):
    _KIND[_code] = ((_ALNUM if _is_alnum(_c) else 0) | (_UPPER if 65 <= _c <= 90 else 0) | (_DIGIT if 48 <= _c <= 57 else 0)
                    | (_STOP if _is_stop(_c) else 0) | (_CLOSER if _is_closer(_c) else 0)
                    | (_SPACE if _is_space(_c) else 0) | (_NEWLINE if _is_newline(_c) else 0) | (_TWO if _second else 0))


@numba.njit(cache=True, inline="always")
def _kind(c):  # pragma: no cover - compiled
    # (A byte is always below the bound: for one-byte codes the comparison compiles away.)
    return _KIND[c] if c < _KIND.shape[0] else np.uint8(0)


@numba.njit(cache=True, inline="always")
def _lower(c):  # pragma: no cover - compiled
    return c + 32 if 65 <= c <= 90 else c


@numba.njit(cache=True, inline="always")
def _mix(h):  # pragma: no cover - compiled
    # splitmix64's finaliser: FNV-1a's low bits are weak, and the table indexes by them (0 marks an empty slot).
    h = mix64(h)
    return h if h != 0 else np.uint64(1)


@numba.njit(cache=True, inline="always")
def _hash_step(h, c):  # pragma: no cover - compiled
    """FNV-1a over a word's case-folded characters: one character more."""
    # A word is ASCII letters and digits: a letter's lower case is its code with bit 5 set, a digit has it already.
    return (h ^ np.uint64(c | 32)) * _FNV_PRIME


@numba.njit(cache=True, inline="always")
def _char_step(h, c, kind):  # pragma: no cover - compiled
    """``_hash_step`` of character ``c`` (of class ``kind``) as normalisation reads it: an accented letter
    as its ASCII one, ß as "ss"."""
    h = _hash_step(h, _fold(c))
    return _hash_step(h, _SECOND[c]) if kind & _TWO else h


@numba.njit(cache=True)
def _word_hash(codes, start, end):  # pragma: no cover - compiled
    h = _FNV_OFFSET
    for i in range(start, end):
        h = _char_step(h, codes[i], _kind(codes[i]))
    return _mix(h)


@numba.njit(cache=True)
def _sentence_end_after(codes, run_start, i, lo, hi, abbreviations):  # pragma: no cover - compiled
    """Whether the ``[.!?]+`` run at ``run_start``, with its closers ending at ``i``, ends a sentence.

    As ``shingle._SENTENCE_END`` on normalised text: the run must be followed by a space
    (a whitespace run without a line break; a line break ends the sentence anyway), and a
    full stop after a single letter or a listed abbreviation ends none.
    """
    if i >= hi or not _kind(codes[i]) & _SPACE:
        return False
    j = i
    while j < hi and _kind(codes[j]) & _SPACE:
        if _kind(codes[j]) & _NEWLINE:
            return True
        j += 1
    if j == hi:  # trailing whitespace: normalise drops it, so nothing follows the run
        return False
    if _fold(codes[run_start]) != 46:
        return True
    word_start = run_start
    letters = 0  # (as normalised: ß is two)
    while word_start > lo and 97 <= _lower(_fold(codes[word_start - 1])) <= 122:
        word_start -= 1
        letters += 2 if _kind(codes[word_start]) & _TWO else 1
    if letters == 0:
        return True
    if letters == 1:
        return False
    h = _word_hash(codes, word_start, run_start)
    for k in range(abbreviations.shape[0]):
        if abbreviations[k] == h:
            return False
    return True


@numba.njit(cache=True)
def _lookup(slots, h):  # pragma: no cover - compiled
    """The stem hash stored for word hash ``h``, and whether there is one."""
    mask = slots.shape[0] - 1
    slot = h & mask
    while True:
        k = slots[slot, 0]
        if k == h:
            return slots[slot, 1], True
        if k == 0:
            return np.uint64(0), False
        slot = (slot + np.uint64(1)) & mask


@numba.njit(cache=True)
def _masked(start, spans):  # pragma: no cover - compiled
    for k in range(spans.shape[0]):
        if spans[k, 0] <= start < spans[k, 1]:
            return True
    return False


@numba.njit(cache=True)
def _tokens(codes, lo, hi, abbreviations, slots, spans, max_words, min_words, out, units,
            out_hash, out_start, out_end, out_entity, out_units, miss_hash, miss_start, miss_end):  # pragma: no cover - compiled
    """One article's content words and sentence units, written from ``out`` and ``units``; returns
    how many words, units and words missing from the stem table.

    Tokens are found, hashed, stemmed and filtered in one pass (as ``shingle_text``: a content
    word has a stem and is not in a ``spans`` span). A unit starts at a content word when a
    sentence under ``min_words`` content words has ended before it, or every ``max_words``
    (``shingle._unit_starts``); ``out_units`` gets each unit's first word then the word count.
    A word the table lacks goes to ``miss_*`` (offsets and word hash, from ``out``) instead, and
    the article's content is then void: it is scanned again once the table has those words.
    """
    k = 0
    u = 0
    m = 0
    first = True  # the next token opens the article (so a sentence)
    broke = False  # a sentence ended since the last token
    unit_broke = True  # a sentence ended since the last content word
    in_sentence = 0
    i = lo
    while i < hi:
        c = codes[i]
        kind = _kind(c)
        if kind & _ALNUM:
            start = i
            # The word hash (as _word_hash) as the word is read: one pass over its characters.
            h = _FNV_OFFSET
            d, kind_d = c, kind
            while True:
                h = _char_step(h, d, kind_d)
                i += 1
                if i == hi:
                    break
                d = codes[i]
                kind_d = _kind(d)
                if not kind_d & _ALNUM:
                    break
            h = _mix(h)
            opens = first or broke
            first = False
            broke = False
            stem, found = _lookup(slots, h)
            if not found:
                miss_hash[out + m] = h
                miss_start[out + m] = start - lo
                miss_end[out + m] = i - lo
                m += 1
                continue
            unit_broke = unit_broke or opens
            if m or stem == 0 or (spans.shape[0] != 0 and _masked(start - lo, spans)):
                continue
            if unit_broke:
                if in_sentence >= min_words:  # a shorter sentence runs on (``shingle._unit_starts``)
                    in_sentence = 0
                unit_broke = False
            if in_sentence % max_words == 0:
                out_units[units + u] = k
                u += 1
            in_sentence += 1
            out_hash[out + k] = stem
            out_start[out + k] = start - lo
            out_end[out + k] = i - lo
            out_entity[out + k] = ((kind & _UPPER) != 0 and not opens) or (kind & _DIGIT) != 0
            k += 1
        elif kind & _STOP:
            run_start = i
            while i < hi and _kind(codes[i]) & _STOP:
                i += 1
            while i < hi and _kind(codes[i]) & _CLOSER:
                i += 1
            if _sentence_end_after(codes, run_start, i, lo, hi, abbreviations):
                broke = True
        elif kind & _SPACE:
            while i < hi:
                kind = _kind(codes[i])
                if not kind & _SPACE:
                    break
                if kind & _NEWLINE:
                    broke = True
                i += 1
        else:
            i += 1
    out_units[units + u] = k
    return k, u, m


@numba.njit(cache=True, parallel=True)
def _scan(codes, offsets, articles, abbreviations, slots, spans, span_offsets, max_words, min_words, bounds,
          out_hash, out_start, out_end, out_entity, out_units, miss_hash, miss_start, miss_end, counts):  # pragma: no cover - compiled
    """``_tokens`` of the listed ``articles``: article ``a``'s words are written from ``bounds[a]``, its
    units from ``bounds[a] + a``; ``counts[a]`` gets its numbers of words, units and missing words."""
    for j in numba.prange(articles.shape[0]):
        a = articles[j]
        counts[a, 0], counts[a, 1], counts[a, 2] = _tokens(
            codes, offsets[a], offsets[a + 1], abbreviations, slots, spans[span_offsets[a] : span_offsets[a + 1]],
            max_words, min_words, bounds[a], bounds[a] + a, out_hash, out_start, out_end, out_entity, out_units,
            miss_hash, miss_start, miss_end)


@numba.njit(cache=True)
def _insert(slots, new_keys, new_values):  # pragma: no cover - compiled
    mask = slots.shape[0] - 1
    for t in range(new_keys.shape[0]):
        h = new_keys[t]
        slot = h & mask
        while slots[slot, 0] != 0 and slots[slot, 0] != h:
            slot = (slot + np.uint64(1)) & mask
        slots[slot, 0] = h
        slots[slot, 1] = new_values[t]


class StemTable:
    """Word hash → stem hash, grown as new words arrive (an open-addressing table of (key, value) slots:
    a lookup that misses the cache misses it once, not once for the key and again for the value).

    Bounded like ``shingle``'s cache: a corpus of junk tokens empties it rather than
    growing it without limit. What it holds never changes a result, only the speed.
    """

    LIMIT = 1 << 22

    def __init__(self) -> None:
        self.slots = np.zeros((1 << 16, 2), dtype=np.uint64)
        self.size = 0

    def add(self, keys: np.ndarray, values: np.ndarray, may_empty: bool = True) -> None:
        """Insert distinct new ``keys`` with their ``values`` (emptying the table first if they would pass
        ``LIMIT``, unless not ``may_empty``)."""
        if may_empty and self.size + len(keys) > self.LIMIT:
            self.__init__()  # type: ignore[misc]
        if 2 * (self.size + len(keys)) > len(self.slots):
            capacity = len(self.slots)
            while 2 * (self.size + len(keys)) > capacity:
                capacity *= 2
            old = self.slots[self.slots[:, 0] != 0]
            self.slots = np.zeros((capacity, 2), dtype=np.uint64)
            _insert(self.slots, old[:, 0].copy(), old[:, 1].copy())
        _insert(self.slots, keys, values)
        self.size += len(keys)

    def learn(self, hashes: np.ndarray, spell: Callable[[np.ndarray], list[str]], may_empty: bool = True) -> None:
        """Stem and keep words the table lacks: their word ``hashes`` (repeats allowed), ``spell(positions)``
        spelling those at some positions of ``hashes``; ``may_empty`` as for ``add``."""
        if len(hashes) == 0:
            return
        new, first = np.unique(hashes, return_index=True)
        self.add(new, np.array([stem_hash(word) for word in spell(first)], dtype=np.uint64), may_empty)

    def stems(self, hashes: np.ndarray) -> np.ndarray:
        """The stem hashes kept for word ``hashes`` (0 where none is)."""
        return _lookup_all(self.slots, hashes)


@numba.njit(cache=True)
def _lookup_all(slots, hashes):  # pragma: no cover - compiled
    out = np.empty(hashes.shape[0], dtype=np.uint64)
    for t in range(hashes.shape[0]):
        out[t], _ = _lookup(slots, hashes[t])
    return out


_table = StemTable()
_ABBREVIATIONS = np.zeros(0, dtype=np.uint64)  # word hashes of shingle.ABBREVIATIONS, made on first use


# Characters per compiled batch. Its scratch arrays (~11 bytes per character, 8 more where words are new) are allocated
# once per call and reused, so the kernel does not spend its time faulting in fresh pages; at
# half a million characters they stay in the last-level cache between the scan and the gather.
BATCH_CHARS = 1 << 19


class _Scratch:
    """One batch's arrays: article a's content words go from its ``bounds[a]`` (units from
    ``bounds[a] + a``) until they are gathered end to end, as do the words the stem table lacks."""

    def __init__(self, tokens: int, articles: int) -> None:
        self.hashes = np.empty(tokens, dtype=np.uint64)
        self.starts = np.empty(tokens, dtype=np.int32)
        self.ends = np.empty(tokens, dtype=np.int32)
        self.entity = np.empty(tokens, dtype=np.bool_)
        self.units = np.empty(tokens + articles, dtype=np.int32)
        # Touched only where words are missing (the first batches, new words): never faulted in for most.
        self.miss_hashes = np.empty(tokens, dtype=np.uint64)
        self.miss_starts = np.empty(tokens, dtype=np.int32)
        self.miss_ends = np.empty(tokens, dtype=np.int32)


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
    each = _token_bound(np.asarray(lengths, dtype=np.int64))
    bounds = np.cumsum(each)
    capacity = max(_token_bound(BATCH_CHARS), int(each.max()))
    scratch = _Scratch(capacity, len(texts))
    start = 0
    while start < len(texts):
        # As many articles as their token bounds fit in the scratch (at least one: it holds the longest).
        end = int(np.searchsorted(bounds, (bounds[start - 1] if start else 0) + capacity, side="right"))
        yield _shingle_batch(texts[start:end], masked[start:end], lengths[start:end], scratch)
        start = end


def _token_bound(chars):  # type: ignore[no-untyped-def]
    """Most tokens a text of ``chars`` characters holds (an int, or an array of them): tokens are separated by at least one character."""
    return (chars + 1) // 2


def _codes(texts: Sequence[str]) -> np.ndarray:
    if isinstance(texts, AsciiTexts):  # read back from a file: the bytes are the codes
        return np.frombuffer(texts.data, dtype=np.uint8)
    joined = "".join(texts)
    # One byte per character when it can be (the common case), else UTF-32: numba compiles the kernels for each.
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


@numba.njit(cache=True, parallel=True)
def _gather(bounds, counts, content_offsets, sentence_offsets, hashes, starts, ends, entity, units,
            out_hash, out_start, out_end, out_entity, out_units):  # pragma: no cover - compiled
    """Each article's content words and units (at its ``bounds[a]``) end to end."""
    for a in numba.prange(counts.shape[0]):
        src, dst = bounds[a], content_offsets[a]
        for t in range(counts[a, 0]):
            out_hash[dst + t] = hashes[src + t]
            out_start[dst + t] = starts[src + t]
            out_end[dst + t] = ends[src + t]
            out_entity[dst + t] = entity[src + t]
        src, dst = bounds[a] + a, sentence_offsets[a]
        for t in range(counts[a, 1] + 1):
            out_units[dst + t] = units[src + t]


@numba.njit(cache=True)
def _missed(articles, bounds, counts):  # pragma: no cover - compiled
    """Where (in the ``miss_*`` arrays) the listed articles' missing words lie, and whose they are."""
    total = 0
    for a in articles:
        total += counts[a, 2]
    where = np.empty(total, dtype=np.int64)
    owners = np.empty(total, dtype=np.int64)
    k = 0
    for a in articles:
        for t in range(counts[a, 2]):
            where[k] = bounds[a] + t
            owners[k] = a
            k += 1
    return where, owners


def _shingle_batch(
    texts: Sequence[str], masked: Sequence[tuple[tuple[int, int], ...]], lengths: Sequence[int], scratch: _Scratch
) -> dict[str, np.ndarray]:
    """One batch's ``FlatShingles`` fields (``lengths``: the texts' lengths, so that none is read to measure it)."""
    global _ABBREVIATIONS
    if len(_ABBREVIATIONS) == 0:
        spelled = [np.frombuffer(w.encode("ascii"), dtype=np.uint8) for w in sorted(ABBREVIATIONS)]
        _ABBREVIATIONS = np.array([_word_hash(w, 0, len(w)) for w in spelled], dtype=np.uint64)
    codes = _codes(texts)
    data = memoryview(codes)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(_token_bound(np.asarray(lengths, dtype=np.int64)), out=bounds[1:])
    spans = np.array([span for spans_of in masked for span in spans_of], dtype=np.int64).reshape(-1, 2)
    span_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in masked], out=span_offsets[1:])
    s = scratch
    counts = np.empty((len(texts), 3), dtype=np.int64)  # per article: content words, units, missing words
    todo = np.arange(len(texts))
    rescan = False
    while len(todo):
        _scan(codes, offsets, todo, _ABBREVIATIONS, _table.slots, spans, span_offsets, MAX_SENTENCE_WORDS,
              MIN_SENTENCE_WORDS, bounds, s.hashes, s.starts, s.ends, s.entity, s.units, s.miss_hashes, s.miss_starts,
              s.miss_ends, counts)
        # Articles with words the table lacked: stem those words, then scan the articles again. (Once more
        # only if the table was emptied for room meanwhile, losing words they had found: it is not emptied
        # again for the words the rescan missed, so the next scan finds every word.)
        todo = todo[counts[todo, 2] > 0]
        if len(todo):
            where, owners = _missed(todo, bounds, counts)

            def spell(positions: np.ndarray) -> list[str]:
                if codes.dtype == np.uint8:  # a byte a character: spelled from the bytes (AsciiTexts are never decoded)
                    at = offsets[owners[positions]]
                    return [str(data[lo:hi], "ascii").lower() for lo, hi in zip(
                        (at + s.miss_starts[where[positions]]).tolist(), (at + s.miss_ends[where[positions]]).tolist())]
                return [texts[a][s.miss_starts[p] : s.miss_ends[p]].translate(_SPELLED).lower()
                        for a, p in zip(owners[positions].tolist(), where[positions].tolist())]

            _table.learn(s.miss_hashes[where], spell, may_empty=not rescan)
            rescan = True
    content_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts[:, 0], out=content_offsets[1:])
    sentence_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts[:, 1] + 1, out=sentence_offsets[1:])
    content = int(content_offsets[-1])
    out = {"hashes": np.empty(content, dtype=np.uint64), "starts": np.empty(content, dtype=np.int32),
           "ends": np.empty(content, dtype=np.int32), "entity": np.empty(content, dtype=np.bool_), "offsets": content_offsets,
           "sentence_starts": np.empty(int(sentence_offsets[-1]), dtype=np.int32), "sentence_offsets": sentence_offsets}
    _gather(bounds, counts, content_offsets, sentence_offsets, s.hashes, s.starts, s.ends, s.entity, s.units,
            out["hashes"], out["starts"], out["ends"], out["entity"], out["sentence_starts"])
    return out
