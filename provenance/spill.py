"""Spill: what a scan keeps in temporary files between its stages, and reads back.

Owns the spills that keep a million-article scan in memory: the articles' texts
(``SpilledTexts``: written once masked, read back a batch at a time to be shingled, a pair
at a time to be scored, and all in order for the report), the text-less article records
(``SpilledRecords``: once shingled, until the report; meanwhile ``ArticleFacts`` holds their
ids, dates and lengths in flat arrays) and the per-word arrays of the shingles
(``SpilledShingles``: the words' character offsets, written as they are made, and their
stems and entity flags once the passage windows are cut). Reads use ``os.pread``:
forked workers may share a file, and no mapped pages stay behind to count against the scan.
Nothing here shingles, aligns or decides anything.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
from typing import IO, Iterable, Iterator, Optional, Sequence

import numpy as np

from provenance.model import Article
from provenance.shingle import FlatShingles, Shingled

# Offsets a spilled part of the shingles holds in memory: none.
NO_OFFSETS = np.zeros(0, dtype=np.int32)

# Words of whole articles the sentence index is built from at a time (``SpilledShingles.words_in_parts``).
PART_WORDS = 1 << 24


def _consecutive(numbers: np.ndarray) -> bool:
    """Whether articles ``numbers`` follow each other (at least two of them): their texts are one read."""
    return len(numbers) >= 2 and not np.any(np.diff(numbers) != 1)


class AsciiTexts(Sequence[str]):
    """Consecutive texts read back in one piece that is all ASCII: the bytes as read, each text
    decoded only when asked for. The compiled shingler reads the bytes themselves (a byte a
    character), so a batch is never decoded into strings only to be encoded back."""

    def __init__(self, data: bytes, sizes: np.ndarray) -> None:
        self.data = data
        self.offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, item):  # type: ignore[no-untyped-def, override]
        if isinstance(item, slice):
            return [self[k] for k in range(*item.indices(len(self)))]
        k = operator.index(item) + (len(self) if item < 0 else 0)
        if not 0 <= k < len(self):
            raise IndexError(item)
        return self.data[self.offsets[k] : self.offsets[k + 1]].decode("ascii")


class SpilledTexts:
    """Articles' texts in a temporary file, in order, until they are read back.

    Once masked, a corpus's texts are the largest thing a scan holds that it hardly reads:
    shingling reads them a batch at a time (``read_batch``), scoring the two texts of a pair
    with passages (``read``), and the report shows them (``all``, into ``SpilledRecords.restore``).
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.file = tempfile.TemporaryFile()
        sizes: list[int] = []
        for start in range(0, len(articles), TEXTS_AT_ONCE):
            texts = [article.text for article in articles[start : start + TEXTS_AT_ONCE]]
            joined = "".join(texts)
            if joined.isascii():  # most text: one encoding and one write, a byte a character
                self.file.write(joined.encode("ascii"))
                sizes.extend(map(len, texts))
                continue
            for text in texts:
                # surrogatepass: a text may hold a lone surrogate, which must come back as it went.
                data = text.encode("utf-8", "surrogatepass")
                self.file.write(data)
                sizes.append(len(data))
        self.file.flush()
        self.sizes = np.array(sizes, dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1])).astype(np.int64)

    def read(self, k: int) -> str:
        """Article ``k``'s text (by position: forked workers share the file, so no seek)."""
        data = os.pread(self.file.fileno(), int(self.sizes[k]), int(self.starts[k]))
        return data.decode("utf-8", "surrogatepass")

    def read_many(self, numbers: np.ndarray) -> list[str]:
        """The texts of articles ``numbers``: one read when they follow each other (as a batch does)."""
        if not _consecutive(numbers):
            return [self.read(k) for k in numbers.tolist()]
        return self._decoded(numbers, self._run(numbers))

    def read_batch(self, numbers: np.ndarray) -> Sequence[str]:
        """``read_many``, but texts read in one piece that is all ASCII come back undecoded (``AsciiTexts``)."""
        if not _consecutive(numbers):
            return self.read_many(numbers)
        data = self._run(numbers)
        if data.isascii():
            return AsciiTexts(data, self.sizes[int(numbers[0]) : int(numbers[-1]) + 1])
        return self._decoded(numbers, data)

    def _run(self, numbers: np.ndarray) -> bytes:
        """The bytes of consecutive articles ``numbers``, in one read."""
        first, last = int(numbers[0]), int(numbers[-1])
        lo = int(self.starts[first])
        return os.pread(self.file.fileno(), int(self.starts[last] + self.sizes[last]) - lo, lo)

    def _decoded(self, numbers: np.ndarray, data: bytes) -> list[str]:
        """The texts of consecutive articles ``numbers`` from ``data``, their bytes."""
        first, last = int(numbers[0]), int(numbers[-1])
        lo = int(self.starts[first])
        return [data[int(self.starts[k]) - lo : int(self.starts[k] + self.sizes[k]) - lo].decode("utf-8", "surrogatepass")
                for k in range(first, last + 1)]

    def close(self) -> None:
        """Drop the texts unread (closing the temporary file deletes it)."""
        self.file.close()

    def all(self) -> Iterator[str]:
        """Every text, in the order they went in (a read per thousand); closes the file once they are all read."""
        with self.file:
            for start in range(0, len(self.sizes), TEXTS_AT_ONCE):
                yield from self.read_many(np.arange(start, min(start + TEXTS_AT_ONCE, len(self.sizes))))


class ArticleFacts(Sequence[Article]):
    """What a scan reads of each article from shingling to the report (id, date, length, whether it is
    an audit's reference), in flat arrays, given back as text-less ``Article``s.

    The records themselves wait in a file meanwhile (``SpilledRecords``). Forked workers that
    read the corpus's own ``Article`` objects would copy every page of them, and of their ids
    and dates: a reference count is a write. From arrays, each worker makes the few it scores
    (at 300k articles, 350 MB less memory in verification).
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.ids, self.id_offsets = self._joined([a.id for a in articles])
        self.dates, self.date_offsets = self._joined([a.published or "" for a in articles])
        self.dated = np.array([a.published is not None for a in articles], dtype=bool)
        self.lengths = np.array([a.length for a in articles], dtype=np.int64)
        self.reference = np.array([a.reference for a in articles], dtype=bool)

    @staticmethod
    def _joined(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets

    def _string(self, data: np.ndarray, offsets: np.ndarray, k: int) -> str:
        return data[offsets[k] : offsets[k + 1]].tobytes().decode("utf-8", "surrogatepass")

    def _strings(self, data: np.ndarray, offsets: np.ndarray) -> list[str]:
        """Every string of ``data``: cut from one decoding when it is ASCII (byte offsets are character offsets then)."""
        joined = data.tobytes()
        if not joined.isascii():
            return [self._string(data, offsets, k) for k in range(len(self))]
        text = joined.decode("ascii")
        return [text[start:end] for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist())]

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, k):  # type: ignore[no-untyped-def, override]
        published = self._string(self.dates, self.date_offsets, k) if self.dated[k] else None
        return Article(id=self._string(self.ids, self.id_offsets, k), text="", path="", published=published,
                       chars=int(self.lengths[k]), reference=bool(self.reference[k]))

    def identifiers(self) -> list[str]:
        """Every article's id, in order."""
        return self._strings(self.ids, self.id_offsets)

    def publication_dates(self) -> list[Optional[str]]:
        """Every article's ``published``, in order."""
        return [date if dated else None for date, dated in zip(self._strings(self.dates, self.date_offsets), self.dated.tolist())]


class SpilledRecords:
    """Text-less article records in a temporary file; what the scan reads of them (``facts``) in memory.

    A million text-less records take ~0.6 GB as Python objects, and more in the heap they
    fragmented as the corpus was read (a page's small strings lie between the parser's freed
    temporaries): once they leave, those pages are handed back. Pickled a block at a time, so
    that the strings records share (a date's origin, a site) are shared again when they come back.
    """

    def __init__(self, articles: Sequence[Article]) -> None:
        self.facts = ArticleFacts(articles)
        self.file = tempfile.TemporaryFile()
        # As tuples of their fields: pickled and made again in 60% of the time a record takes.
        fields = operator.attrgetter(*_ARTICLE_FIELDS)
        for start in range(0, len(articles), RECORDS_AT_ONCE):
            pickle.dump([fields(a) for a in articles[start : start + RECORDS_AT_ONCE]], self.file,
                        protocol=pickle.HIGHEST_PROTOCOL)
        self.file.flush()

    def restore(self, texts: Optional[Iterable[str]] = None) -> Iterator[Article]:
        """The records, in order, as they went in; closes the file.

        With ``texts`` (one for each record, in order: ``SpilledTexts.all``), each comes back
        with its text, made once (at a million articles, making each record twice, the
        second time for its text, was 1.5 s).
        """
        texts = iter(texts) if texts is not None else None
        with self.file:
            self.file.seek(0)
            for _ in range(0, len(self.facts), RECORDS_AT_ONCE):
                block = pickle.load(self.file)
                if texts is None:
                    yield from (Article(*values) for values in block)
                else:
                    for values in block:
                        fields = list(values)
                        fields[_TEXT], fields[_CHARS] = next(texts), None
                        yield Article(*fields)


_ARTICLE_FIELDS = tuple(field.name for field in dataclasses.fields(Article))
# Where a record's text and its length stand among them: a record restored with its text takes
# the text, and its length from it (``chars`` None), as ``Article.with_text`` does.
_TEXT, _CHARS = _ARTICLE_FIELDS.index("text"), _ARTICLE_FIELDS.index("chars")


# Records pickled at a time (``SpilledRecords``).
RECORDS_AT_ONCE = 10_000

# Texts encoded and written, and read back for the report, at a time (``SpilledTexts``).
TEXTS_AT_ONCE = 1_000


@dataclasses.dataclass(frozen=True, eq=False)
class SpilledShingles(FlatShingles):
    """A corpus's shingles whose per-word arrays wait in temporary files.

    The words' character offsets (``starts``, ``ends``; 8 bytes a word, 2.6 KB a news
    article) are read only by scoring, for the words at the ends of matched passages
    (``score.char_spans``). Shingling writes them to ``file`` as it goes, a batch at a time,
    as int32 (start, end) pairs; ``at[a]`` is where article ``a``'s first word is in it.
    Once the windows are cut, the stems and entity flags follow (``words_to_disk``).
    Indexing an article reads its words back.
    """

    file: IO[bytes]
    at: np.ndarray
    words: Optional[IO[bytes]] = None

    def words_to_disk(self) -> "SpilledShingles":
        """These shingles with their stems (uint32 ranks) and entity flags in a file too.

        Once the windows are cut, only the sentence index (built once, from ``words_in_parts``)
        and scoring (the words of the few pairs with passages) read them: 5 bytes a word,
        1.6 GB at a million articles, need not wait in memory through LSH and verification.
        """
        if self.hashes.dtype != np.uint32:
            raise ValueError("words_to_disk keeps stems as uint32 vocabulary ranks: rank them first")
        words = tempfile.TemporaryFile()
        words.write(np.ascontiguousarray(self.hashes).data)
        words.write(np.ascontiguousarray(self.entity).data)
        words.flush()
        return dataclasses.replace(self, hashes=np.zeros(0, np.uint32), entity=np.zeros(0, bool), words=words)

    def words_in_parts(self, words: int = PART_WORDS) -> Iterator[FlatShingles]:
        """The shingles with their stems and entity flags read back from the file (not the offsets),
        about ``words`` words of whole articles at a time: to index them, a part at a time."""
        low = 0
        while low < len(self):
            high = max(low + 1, int(np.searchsorted(self.offsets, self.offsets[low] + words, side="right")) - 1)
            first, last = int(self.offsets[low]), int(self.offsets[high])
            s0, s1 = int(self.sentence_offsets[low]), int(self.sentence_offsets[high])
            stems, entity = self._words(first, last)
            yield FlatShingles(
                hashes=stems, starts=NO_OFFSETS, ends=NO_OFFSETS, entity=entity,
                offsets=self.offsets[low : high + 1] - first, sentence_starts=self.sentence_starts[s0:s1],
                sentence_offsets=self.sentence_offsets[low : high + 1] - s0,
            )
            low = high

    def _words(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """The stems and entity flags of words ``[first, last)``: from the file once it holds them
        (stems, then flags; ``words_to_disk``)."""
        if self.words is None:
            return self._stems(first, last), self.entity[first:last]
        entity = np.frombuffer(os.pread(self.words.fileno(), last - first, 4 * int(self.offsets[-1]) + first), dtype=np.bool_)
        return self._stems(first, last), entity

    def _stems(self, first: int, last: int) -> np.ndarray:
        """The stems of words ``[first, last)``: from the file once it holds them (``words_to_disk``)."""
        if self.words is None:
            return self.hashes[first:last]
        return np.frombuffer(os.pread(self.words.fileno(), 4 * (last - first), 4 * first), dtype=np.uint32)

    def sentence_stems(self, article: int) -> Shingled:
        """Article ``article``'s stems and sentences alone, in one read of the file, not three: all the
        readings compare (``readings.followed_readings``); its words' offsets and flags left empty."""
        if not 0 <= article < len(self):
            raise IndexError(article)
        first, last = int(self.offsets[article]), int(self.offsets[article + 1])
        return Shingled(hashes=self._stems(first, last), starts=NO_OFFSETS, ends=NO_OFFSETS, entity=np.zeros(0, dtype=np.bool_),
                        sentence_starts=self.sentence_starts[self.sentence_offsets[article] : self.sentence_offsets[article + 1]])

    def __getitem__(self, article: int) -> Shingled:  # type: ignore[override]
        if not 0 <= article < len(self):
            raise IndexError(article)
        first, last = int(self.offsets[article]), int(self.offsets[article + 1])
        pairs = np.frombuffer(os.pread(self.file.fileno(), 8 * (last - first), 8 * int(self.at[article])), dtype=np.int32).reshape(-1, 2)
        stems, entity = self._words(first, last)
        return Shingled(hashes=stems, starts=np.ascontiguousarray(pairs[:, 0]), ends=np.ascontiguousarray(pairs[:, 1]), entity=entity,
                        sentence_starts=self.sentence_starts[self.sentence_offsets[article] : self.sentence_offsets[article + 1]])
