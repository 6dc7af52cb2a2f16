"""Shingle: normalised text in, arrays of content-word stems and sentences out.

Owns tokenisation (runs of letters and digits on the normalised text, spans
mapped back to the original), the stopword list, Snowball stemming (so a
spinner's "discussions"/"discussed" still meet), the 64-bit stem hash that is
the shingle, sentence splitting, a corpus's shingles as flat arrays
(``FlatShingles``), and its document frequencies and stem ranks
(``Vocabulary``). Passage windows over the sentences are cut where they are
signed (``signatures.window_inputs``). Content-word
unigrams survive synonym swaps of their neighbours and any reordering, which
word n-grams do not. Everything per token is a numpy array; Python touches
each distinct word once (cached), not each token.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional
from collections.abc import Iterable, Iterator, Sequence

import numba
import numpy as np
import snowballstemmer
import xxhash

from provenance.normalise import Normalised, is_mark, normalise

# Chinese and Japanese put no spaces between words: each of their characters (ideographs, kana) is a
# word of its own here, as search engines index them; else a whole sentence was one "word", and an
# exact copy of a Chinese article shared too few of them to be found.
_SPACELESS_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # kana, ideographs
_SPACELESS = "".join(f"{chr(low)}-{chr(high)}" for low, high in _SPACELESS_RANGES)
_WORD = re.compile(f"[{_SPACELESS}]|(?:(?![{_SPACELESS}])[^\\W_])+")
_SPACELESS_CHAR = re.compile(f"[{_SPACELESS}]")
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space, at a line break, at
# a Chinese or Japanese full stop, exclamation or question mark (no space follows those), or at the
# full stops of Hindi and other Indic scripts (danda, double danda), Urdu, Amharic, Burmese and
# Khmer, or the Arabic question mark.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?= )|\n|[。！？]+[」』）”’]*|[\u0964\u0965\u06d4\u061f\u1362\u104b\u17d4]+")

# Function words carry no evidence of copying (every English text has them). The
# list is the usual English one, plus the reporting verbs and fillers spinners add.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don down during
    each few for from further had hadn has hasn have haven having he her here hers herself him himself his
    how i if in into is isn it its itself just let me more most mustn my myself no nor not now of off on
    once only or other ought our ours ourselves out over own same shan she should shouldn so some such than
    that the their theirs them themselves then there these they this those through to too under until up
    upon us very was wasn we were weren what when where which while who whom why will with won would
    wouldn you your yours yourself yourselves s t d ll m re ve mr mrs ms said says say""".split()
)

# A full stop after these (or after a single letter, as in "U.S." or "J. Smith") ends no sentence.
ABBREVIATIONS = frozenset("mr mrs ms dr prof st jr sr gen col lt sgt rep sen gov pres inc ltd co corp no vs etc jan feb mar apr jun jul aug sep sept oct nov dec".split())


def _is_abbreviation(norm: str, dot: int) -> bool:
    if norm[dot] != ".":
        return False
    start = dot
    while start > 0 and norm[start - 1].isalpha():
        start -= 1
    word = norm[start:dot]
    return len(word) == 1 or word in ABBREVIATIONS


# Longest sentence, in content words, before it is cut into units.
MAX_SENTENCE_WORDS = 40
# Fewest content words of a sentence unit: a shorter sentence joins the one after it. A seed
# needs three shared stems (``sentences.MIN_SHARED_STEMS``), so a shorter unit can never seed,
# nor count as a seed's context; joined, its words count. Hard-wrapped text and spun copies
# put line breaks mid-sentence ("The attack of\nSeptember\n11, 2001, the"), and a line break
# ends a sentence. (PAN 2013 training: overall plagdet 0.884 -> 0.893, random 0.852 -> 0.867,
# translation 0.883 -> 0.891; at 2 and 4: 0.887 and 0.891, with 11 false pairs at 4.)
MIN_SENTENCE_WORDS = 3

_stemmer = snowballstemmer.stemmer("english")


def is_function_word(word: str) -> bool:
    """Whether a (lower-case) token is left out of the shingles: a stopword or a single letter (of an
    alphabet: a Chinese or Japanese character is a word)."""
    return word in STOPWORDS or (len(word) == 1 and not word.isdigit() and _SPACELESS_CHAR.match(word) is None)


def stem_hash(word: str) -> int:
    """The shingle of one token: 64-bit xxh3 of its stem; 0 for a stopword or a single letter."""
    if is_function_word(word):
        return 0
    return xxhash.xxh3_64_intdigest(_stemmer.stemWord(word).encode("utf-8")) or 1


class _StemHashes(dict[str, int]):
    """word → ``stem_hash(word)``, filled on first sight: the per-token lookup stays in C."""

    def __missing__(self, word: str) -> int:
        value = self[word] = stem_hash(word)
        return value


# Bounded: a corpus of junk tokens must not grow it without limit.
_STEM_CACHE_LIMIT = 1 << 21
_stem_hashes = _StemHashes()


@dataclasses.dataclass(frozen=True, slots=True)
class Shingled:
    """One article's content words and sentences, as arrays.

    Offsets are int32: an article holds at most ``ingest.LONGEST_ARTICLE_CHARS`` characters.

    Attributes:
        hashes: uint64 stem hash per content word, in text order (in a scan, once the windows
            are cut, uint32 vocabulary ranks: ordered and equal as the hashes are).
        starts: Original-text start offset of each content word.
        ends: Original-text end offset of each content word.
        sentence_starts: Index into ``hashes`` where each sentence begins (sentences with
            no content word are dropped), followed by ``len(hashes)``.
        entity: Whether each content word is a name or a number: capitalised inside a
            sentence, or made of digits. Independent reports of one event share those by
            necessity, so they weigh less as evidence of copying (see ``sentences``).
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    sentence_starts: np.ndarray
    entity: np.ndarray

    @property
    def sentences(self) -> int:
        """Number of sentences."""
        return len(self.sentence_starts) - 1

    @property
    def stems(self) -> np.ndarray:
        """The article's shingle set: its distinct stem hashes, sorted (computed per call: kept, they
        would fill a verify worker with a copy of every matched article's)."""
        return np.unique(self.hashes)


def _word_mask(norm: str) -> np.ndarray:
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
    mask = np.zeros(len(codes), dtype=bool)
    ascii_codes = codes < 128
    mask[ascii_codes] = _ASCII_WORD[codes[ascii_codes]]
    if not ascii_codes.all():
        wide = codes[~ascii_codes]
        unique = np.unique(wide)
        # A combining mark is part of its word: Hindi's vowel signs, Arabic's vowel points (``_WORD``
        # alone cut "हिन्दी" into three one-letter words, and every Hindi text into consonants).
        word_like = np.array([_WORD.fullmatch(chr(int(c))) is not None or is_mark(chr(int(c))) for c in unique], dtype=bool)
        mask[~ascii_codes] = word_like[np.searchsorted(unique, wide)]
    return mask


_ASCII_WORD = np.array([_WORD.fullmatch(chr(c)) is not None for c in range(128)], dtype=bool)


def _entities(text: str, norm: Normalised, token_starts: np.ndarray, sentence_of_token: np.ndarray) -> np.ndarray:
    """Per token: a number, or a word capitalised in the original that does not open its sentence."""
    if len(token_starts) == 0:
        return np.zeros(0, dtype=bool)
    first_chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)[norm.starts[token_starts]]
    upper = (first_chars >= 65) & (first_chars <= 90)
    wide = first_chars >= 128
    if wide.any():
        unique = np.unique(first_chars[wide])
        is_upper = np.array([chr(int(c)).isupper() for c in unique], dtype=bool)
        upper[wide] = is_upper[np.searchsorted(unique, first_chars[wide])]
    digit = (first_chars >= 48) & (first_chars <= 57)
    opens = np.concatenate(([True], sentence_of_token[1:] != sentence_of_token[:-1]))
    return (upper & ~opens) | digit


def _split_spaceless(norm: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token starts and ends (``_WORD``'s words) where each Chinese or Japanese character is a word."""
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
    spaceless = np.zeros(len(codes), dtype=bool)
    for low, high in _SPACELESS_RANGES:
        spaceless |= (codes >= low) & (codes <= high)
    before = np.concatenate(([False], mask[:-1]))
    after = np.concatenate((mask[1:], [False]))
    before_spaceless = np.concatenate(([False], spaceless[:-1]))
    after_spaceless = np.concatenate((spaceless[1:], [False]))
    starts = np.flatnonzero(mask & (~before | spaceless | before_spaceless))
    ends = np.flatnonzero(mask & (~after | spaceless | after_spaceless)) + 1
    return starts, ends


def shingle_text(text: str, masked: tuple[tuple[int, int], ...] = (), normalised: Normalised | None = None) -> Shingled:
    """Tokenise, stem and split one article into sentences.

    Args:
        text: The article text exactly as read.
        masked: Spans of ``text`` to leave out (boilerplate): their words are not shingles.
        normalised: Its normalised form, if already computed.

    Returns:
        The article's content words and sentences.
    """
    norm = normalised or normalise(text)
    mask = _word_mask(norm.text)
    if not norm.text.isascii() and _SPACELESS_CHAR.search(norm.text):
        token_starts, token_ends = _split_spaceless(norm.text, mask)
    else:
        edges = np.diff(np.concatenate(([False], mask, [False])).astype(np.int8))
        token_starts = np.flatnonzero(edges == 1)
        token_ends = np.flatnonzero(edges == -1)
    if norm.text.isascii():
        words = _WORD.findall(norm.text)
    else:  # the mask's words, combining marks and all
        words = [norm.text[start:end] for start, end in zip(token_starts.tolist(), token_ends.tolist())]
    if len(_stem_hashes) > _STEM_CACHE_LIMIT:
        _stem_hashes.clear()
    hashes = np.fromiter(map(_stem_hashes.__getitem__, words), dtype=np.uint64, count=len(words))
    content = hashes != 0
    if masked and len(token_starts):
        original_starts = norm.starts[token_starts]
        for start, end in masked:
            content &= ~((original_starts >= start) & (original_starts < end))
    # Sentence id of each token: how many sentence ends lie before it.
    ends_at = np.fromiter(
        (m.end() for m in _SENTENCE_END.finditer(norm.text) if not _is_abbreviation(norm.text, m.start())),
        dtype=np.int64,
    )
    sentence_of_token = np.searchsorted(ends_at, token_starts, side="right")
    sentence_of = sentence_of_token[content]
    content_starts = token_starts[content]
    content_ends = token_ends[content]
    begins = np.concatenate(([True], sentence_of[1:] != sentence_of[:-1])) if len(sentence_of) else np.zeros(0, bool)
    first = _unit_starts(begins, MAX_SENTENCE_WORDS, MIN_SENTENCE_WORDS)
    return Shingled(
        entity=_entities(text, norm, token_starts, sentence_of_token)[content],
        hashes=hashes[content],
        starts=norm.starts[content_starts].astype(np.int32),
        ends=norm.ends[content_ends - 1].astype(np.int32),
        sentence_starts=np.append(first, len(sentence_of)).astype(np.int32),
    )


@numba.njit(cache=True)
def _unit_starts(begins, max_words, min_words):  # pragma: no cover - compiled
    """Where each sentence unit begins, given where each sentence does (``begins``, per content word).

    A sentence of fewer than ``min_words`` content words runs on into the next (``MIN_SENTENCE_WORDS``).
    Web text without punctuation makes "sentences" of thousands of words: a unit is cut every
    ``max_words`` content words, so that a passage boundary can fall inside.
    """
    out = np.empty(begins.shape[0], dtype=np.int64)
    n, in_sentence = 0, 0
    for t in range(begins.shape[0]):
        if begins[t] and in_sentence >= min_words:
            in_sentence = 0
        if in_sentence % max_words == 0:
            out[n] = t
            n += 1
        in_sentence += 1
    return out[:n]


# Fields of ``Shingled`` indexed by word, and by sentence unit.
WORD_FIELDS = ("hashes", "starts", "ends", "entity")


@dataclasses.dataclass(frozen=True, eq=False)
class FlatShingles(Sequence[Shingled]):
    """Many articles' ``Shingled`` arrays concatenated: how the shingle stage hands on a corpus.

    Article ``a``'s words are ``offsets[a]:offsets[a + 1]`` of ``hashes``, ``starts``,
    ``ends`` and ``entity``; its (article-local) ``sentence_starts`` are
    ``sentence_offsets[a]:sentence_offsets[a + 1]`` of ``sentence_starts``. Indexing gives
    one article's ``Shingled``, views made on demand: an object and five array headers per
    article would cost a million-article corpus a gigabyte, and compiled passes over the
    corpus read these arrays as they are, with no copy.
    """

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    entity: np.ndarray
    offsets: np.ndarray
    sentence_starts: np.ndarray
    sentence_offsets: np.ndarray

    @classmethod
    def join(cls, items: Sequence[Shingled]) -> "FlatShingles":
        """``items`` as one ``FlatShingles`` (``items`` itself if it is one)."""
        if isinstance(items, FlatShingles):
            return items
        return cls.concat([{
            **{field: getattr(item, field) for field in WORD_FIELDS},
            "sentence_starts": item.sentence_starts,
            "offsets": np.array([0, len(item.hashes)], dtype=np.int64),
            "sentence_offsets": np.array([0, len(item.sentence_starts)], dtype=np.int64),
        } for item in items])

    @classmethod
    def concat(cls, parts: Iterable[dict[str, np.ndarray]], capacity: Optional[dict[str, int]] = None) -> "FlatShingles":
        """The articles of ``parts`` (each a ``FlatShingles``'s fields), part after part (``grown``, with its ``capacity``)."""
        return cls(**grown(parts, _DTYPES, _OFFSETS, capacity))

    def take(self, articles: np.ndarray) -> "FlatShingles":
        """The listed articles, in that order."""
        parts = {}
        for lengths_of, offsets_name, fields in (
            (self.offsets, "offsets", WORD_FIELDS), (self.sentence_offsets, "sentence_offsets", ("sentence_starts",))
        ):
            lengths = np.diff(lengths_of)[articles]
            offsets = np.zeros(len(articles) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            where = np.repeat(lengths_of[articles] - offsets[:-1], lengths) + np.arange(offsets[-1])
            parts[offsets_name] = offsets
            for field in fields:
                array = getattr(self, field)
                # A field kept elsewhere (empty here, as the scan's word offsets on disk) stays empty.
                parts[field] = array[where] if len(array) or not len(where) else array
        return FlatShingles(**parts)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, article: int) -> Shingled:  # type: ignore[override]
        if not 0 <= article < len(self):
            raise IndexError(article)
        first, last = self.offsets[article], self.offsets[article + 1]
        return Shingled(
            hashes=self.hashes[first:last], starts=self.starts[first:last], ends=self.ends[first:last],
            entity=self.entity[first:last],
            sentence_starts=self.sentence_starts[self.sentence_offsets[article] : self.sentence_offsets[article + 1]],
        )

    def __iter__(self) -> Iterator[Shingled]:
        return (self[article] for article in range(len(self)))


def grown(
    parts: Iterable[dict[str, np.ndarray]], dtypes: dict[str, type], offsets: tuple[str, ...], capacity: Optional[dict[str, int]] = None
) -> dict[str, np.ndarray]:
    """Arrays ``parts`` give a piece of at a time (fields and first types in ``dtypes``), joined.

    Each piece is copied in as it comes, into arrays grown in place (realloc: a large
    array's pages are remapped, not copied), so that what is made in batches (a corpus's
    shingles, its sentence index) is held once, not once in batches and again joined. They
    grow by a quarter at a time: numpy zero-fills what a resize adds, so the slack is memory
    in use until the end (doubling left up to a whole corpus's worth, 5.8 GB at a million
    articles). Fields named in ``offsets`` start at 0 in each part and are shifted past the
    parts before; a piece whose type is wider than its field's so far widens the field.
    Where the caller knows how long a field will be at most (``capacity``), it is made that
    long at once, unfilled: the pages past what the parts fill are never touched, so never
    held, and there is no growing slack.
    """
    capacity = capacity or {}
    joined = {field: np.empty(max(capacity.get(field, 0), 1 if field in offsets else 0), dtype) for field, dtype in dtypes.items()}
    for field in offsets:
        joined[field][0] = 0
    used = {field: 1 if field in offsets else 0 for field in joined}
    for part in parts:
        for field, piece in part.items():
            if field in offsets:  # each part's start at 0: shift them past the parts before
                piece = piece[1:] + joined[field][used[field] - 1]
            if not np.can_cast(piece.dtype, joined[field].dtype):
                wider = np.empty(len(joined[field]), np.promote_types(piece.dtype, joined[field].dtype))
                wider[: used[field]] = joined[field][: used[field]]  # (what lies past is not read, so not touched)
                joined[field] = wider
            end = used[field] + len(piece)
            if end > len(joined[field]):
                joined[field].resize(max(end, len(joined[field]) * 5 // 4), refcheck=False)
            joined[field][used[field] : end] = piece
            used[field] = end
    for field, array in joined.items():
        array.resize(used[field], refcheck=False)
    return joined


_DTYPES = {"hashes": np.uint64, "starts": np.int32, "ends": np.int32, "entity": np.bool_, "offsets": np.int64,
           "sentence_starts": np.int32, "sentence_offsets": np.int64}
_OFFSETS = ("offsets", "sentence_offsets")


@numba.njit(cache=True, inline="always")
def _slot(h, bits):  # pragma: no cover - compiled
    """Where a stem hash starts looking in an open-addressing table of ``2**bits`` slots."""
    return (h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)


@numba.njit(cache=True)
def _doubled(table, bits):  # pragma: no cover - compiled
    """A ``_part_frequencies`` table of ``2**bits`` slots rehashed into twice as many."""
    capacity = 1 << (bits + 1)
    grown = np.zeros(2 * capacity, dtype=np.uint64)
    for s in range(table.shape[0] // 2):
        if table[2 * s + 1] != 0:
            slot = _slot(table[2 * s], bits + 1)
            while grown[2 * slot + 1] != 0:
                slot = (slot + np.uint64(1)) & np.uint64(capacity - 1)
            grown[2 * slot], grown[2 * slot + 1] = table[2 * s], table[2 * s + 1]
    return grown


@numba.njit(cache=True)
def _part_frequencies(hashes, offsets, begin, end):  # pragma: no cover - compiled
    """The distinct hashes of articles ``begin`` to ``end`` (exclusive), unsorted, and the number of those articles holding each.

    One pass with an open-addressing table that remembers, per stem, the last article
    that counted it, so a stem repeated inside an article counts once; no sort per article.
    A slot is two words, the stem and then ``(last article + 1) << 32 | count`` (0: empty),
    so a lookup touches one cache line; the table grows between articles, never inside
    the loop over words (a loop that may swap its arrays ran nine times slower).
    """
    bits = 16
    table = np.zeros(2 << bits, dtype=np.uint64)
    size = 0
    for a in range(begin, end):
        while 2 * (size + offsets[a + 1] - offsets[a]) > (1 << bits):
            table = _doubled(table, bits)
            bits += 1
        mask = np.uint64((1 << bits) - 1)
        mark = np.uint64(a + 1) << np.uint64(32)
        for t in range(offsets[a], offsets[a + 1]):
            h = hashes[t]
            slot = _slot(h, bits)
            while table[2 * slot + 1] != 0 and table[2 * slot] != h:
                slot = (slot + np.uint64(1)) & mask
            held = table[2 * slot + 1]
            if held == 0:
                table[2 * slot] = h
                size += 1
            if held >> np.uint64(32) != np.uint64(a + 1):
                table[2 * slot + 1] = mark | ((held & np.uint64(0xFFFFFFFF)) + np.uint64(1))
    keys = table[0::2]
    held = table[1::2]
    used = held != 0
    return keys[used], (held[used] & np.uint64(0xFFFFFFFF)).astype(np.int64)


@numba.njit(cache=True, parallel=True)
def _document_frequencies(hashes, offsets, parts):  # pragma: no cover - compiled
    """Distinct hashes (sorted) and the number of articles holding each.

    The articles are cut into ``parts`` runs of about as many words, each counted on its own
    thread into a table of its own (``_part_frequencies``); the parts' counts are then summed
    stem by stem. (Cutting the stems into parts by hash instead had every thread read every
    word and branch on each: three times slower at a million articles.)
    """
    articles = offsets.shape[0] - 1
    bounds = np.empty(parts + 1, dtype=np.int64)
    for part in range(parts + 1):
        bounds[part] = np.searchsorted(offsets[:articles], offsets[articles] * part // parts)
    bounds[parts] = articles
    found_keys = [np.zeros(0, dtype=np.uint64) for _ in range(parts)]
    found_counts = [np.zeros(0, dtype=np.int64) for _ in range(parts)]
    for part in numba.prange(parts):
        found_keys[part], found_counts[part] = _part_frequencies(hashes, offsets, bounds[part], bounds[part + 1])
    total = 0
    for part in range(parts):
        total += found_keys[part].shape[0]
    keys = np.empty(total, dtype=np.uint64)
    counts = np.empty(total, dtype=np.int64)
    at = 0
    for part in range(parts):
        n = found_keys[part].shape[0]
        keys[at : at + n] = found_keys[part]
        counts[at : at + n] = found_counts[part]
        at += n
    order = np.argsort(keys)
    keys, counts = keys[order], counts[order]
    distinct = 0
    for k in range(total):  # a stem several parts hold: one entry, its counts summed
        if distinct and keys[distinct - 1] == keys[k]:
            counts[distinct - 1] += counts[k]
        else:
            keys[distinct], counts[distinct] = keys[k], counts[k]
            distinct += 1
    return keys[:distinct], counts[:distinct]


@numba.njit(cache=True, parallel=True)
def _table_lookup(stems, df, hashes):  # pragma: no cover - compiled
    """``df`` (any per-stem values) of each of ``hashes`` by way of an open-addressing table of ``stems`` (0 if absent)."""
    bits = 1
    while (1 << bits) < 2 * stems.shape[0]:
        bits += 1
    mask = np.uint64((1 << bits) - 1)
    keys = np.zeros(1 << bits, dtype=np.uint64)
    values = np.zeros(1 << bits, dtype=df.dtype)
    used = np.zeros(1 << bits, dtype=np.bool_)
    for k in range(stems.shape[0]):
        slot = _slot(stems[k], bits)
        while used[slot]:
            slot = (slot + np.uint64(1)) & mask
        keys[slot], values[slot], used[slot] = stems[k], df[k], True
    out = np.zeros(hashes.shape[0], dtype=df.dtype)
    for t in numba.prange(hashes.shape[0]):
        slot = _slot(hashes[t], bits)
        while used[slot]:
            if keys[slot] == hashes[t]:
                out[t] = values[slot]
                break
            slot = (slot + np.uint64(1)) & mask
    return out


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Document frequencies of the corpus's stems.

    Attributes:
        stems: Sorted distinct stem hashes of the whole corpus.
        df: In how many articles each stem occurs.
        articles: Number of articles.
    """

    stems: np.ndarray
    df: np.ndarray
    articles: int

    @classmethod
    def build(cls, shingled: Sequence[Shingled]) -> "Vocabulary":
        """Count, for every stem, the articles it occurs in."""
        if not shingled:
            return cls(stems=np.zeros(0, np.uint64), df=np.zeros(0, np.int64), articles=0)
        flat = FlatShingles.join(shingled)
        parts = numba.get_num_threads()
        stems, df = _document_frequencies(flat.hashes, flat.offsets, parts)
        return cls(stems=stems, df=df, articles=len(shingled))

    def frequency(self, hashes: np.ndarray) -> np.ndarray:
        """Document frequency of each hash (0 for a stem the corpus lacks)."""
        return self._lookup(self.df, hashes)

    def ranks(self, hashes: np.ndarray) -> np.ndarray:
        """Each hash's position in ``stems``: uint32, half a hash's bytes, and ordered and equal as the hashes are.

        Raises:
            ValueError: if a hash is not one of ``stems``.
        """
        if len(self.stems) >= 2**32:
            raise ValueError(f"{len(self.stems):,} stems have no uint32 ranks")
        ranks = self._lookup(np.arange(1, len(self.stems) + 1, dtype=np.uint32), hashes)  # 0: absent
        if len(ranks) and ranks.min() == 0:
            raise ValueError("a stem is missing from the vocabulary")
        ranks -= np.uint32(1)
        return ranks

    def _lookup(self, values: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """``values[k]`` for each hash equal to ``stems[k]``, 0 for a hash not in ``stems``."""
        if len(self.stems) == 0:
            return np.zeros(len(hashes), dtype=values.dtype)
        if len(hashes) < 4 * len(self.stems):  # a few lookups: binary search
            where = np.minimum(np.searchsorted(self.stems, hashes), len(self.stems) - 1)
            return np.where(self.stems[where] == hashes, values[where], values.dtype.type(0))
        # Many (a whole corpus's words): a hash table, as binary search misses the cache at every step.
        return _table_lookup(self.stems, values, np.ascontiguousarray(hashes, dtype=np.uint64))
