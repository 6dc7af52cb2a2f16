"""Synthetic news corpora with planted derivation trees, for benchmarking provenance at scale.

Writes ``articles.jsonl`` (one ``{"id", "text", "title", "published"}`` per line)
and ``truth.json`` (every planted edge: source, derived, kind, true overlap, family)
into an output folder. Deterministic: the same ``--seed`` and ``--articles`` give
byte-identical files, whatever ``--workers``. Usage::

    python bench/generate.py --articles 100000 --out /tmp/news-100k [--seed 1] [--workers 2]

How an article is made: ~500 words in paragraphs of one to four sentences. Words
are drawn from a Zipfian vocabulary (function words at the top, a few thousand
built-in English content words, then generated pseudo-words for the long tail);
about one word in eight comes from the article's *topic* (each topic has its own
words, people, places and organisations, so same-topic articles share names
without copying); numbers, quotes with attribution, wire ledes ("PARIS (Reuters) -")
and boilerplate footers ("All rights reserved.") shared by thousands of articles.

Families (``--family-share`` of the articles): a root and 1-7 derived articles;
each derived article takes a random earlier member as its source (so there are
grandchildren) and is published 1-10 days after it. Kinds:

- ``copy``: the source's text verbatim (overlap 1.0).
- ``partial``: 2-4 consecutive paragraphs of the source inside new same-topic text.
- ``light-edit``: 3-6 words changed, one sentence dropped and one new one added.
- ``spin``: synonym substitution (built-in table), ~40% of sentences dropped
  (condensation to ~60%), some words dropped, adjacent sentences merged, local
  reordering, 1-3 generic filler sentences, new paragraphing.

True overlap is the fraction of the derived article's characters in sentences
that came from the source (rewritten or not); wire ledes and footers are the
derived site's own and never count.

Syndicated stories (``--syndicated N``, none by default): a story and ``--copies``
republications of it, each on a site of its own (a ``url``), half verbatim and half
light edits, published 1-3 days after it; edges of kind ``syndicated``. More copies
than a scan's ``max_bucket`` put every window of the story in crowded LSH buckets.
They follow the other articles (ids numbered on), and leave the rest of the corpus as it is.

Generation runs in blocks of ``BLOCK`` articles, each seeded from (seed, block),
so blocks can be made in parallel and written in order (streaming: memory does
not grow with the corpus, except the truth edges).
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import words  # noqa: E402  (bench/ is not a package)

GENERATOR_VERSION = 2
BLOCK = 2000  # articles per independently seeded block
KINDS = ("copy", "partial", "light-edit", "spin")
KIND_WEIGHTS = np.array([0.15, 0.2, 0.25, 0.4])
# The kind of a syndicated story's edges (``--syndicated``): a copy or a light edit on another site.
SYNDICATED = "syndicated"
FIRST_DAY = datetime.date(2016, 1, 1).toordinal()
DAYS = 9 * 365
PSEUDO_WORDS = 40_000
ZIPF_EXPONENT = 1.05
TOPIC_SHARE = 0.12  # of a sentence's words come from its topic
ENTITY_SHARE = 0.03
NUMBER_SHARE = 0.02
QUOTE_SHARE = 0.15  # of sentences are quotes with attribution


class Vocab:
    """Token table (strings), sampling weights, and the spinner's synonym arrays."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng([seed, 0xB0CAB])
        tokens: list[str] = []
        index: dict[str, int] = {}

        def add(word: str) -> int:
            if word not in index:
                index[word] = len(tokens)
                tokens.append(word)
            return index[word]

        # Structure tokens, rendered specially: comma, open and close quote.
        self.comma = add(",")  # the one structure token: rendered attached to the word before
        ranked = [add(w) for w in dict.fromkeys(words.FUNCTION_WORDS)]
        content = list(dict.fromkeys([w for g in words.SYNONYM_GROUPS for w in g] + words.CONTENT_WORDS))
        content = [w for w in content if w not in index]
        rng.shuffle(content)
        ranked += [add(w) for w in content]
        self.real_words = len(ranked)
        # Pseudo-words: one to three onset+nucleus syllables and a coda, drawn in bulk.
        onsets, nuclei, codas = (np.array(x, dtype=object) for x in (words.ONSETS, words.NUCLEI, words.CODAS))
        draws = 3 * PSEUDO_WORDS
        syllables = rng.integers(1, 4, draws)
        parts = [onsets[rng.integers(0, len(onsets), draws)] + nuclei[rng.integers(0, len(nuclei), draws)] for _ in range(3)]
        coda = codas[rng.integers(0, len(codas), draws)]
        pseudo = parts[0] + np.where(syllables > 1, parts[1], "") + np.where(syllables > 2, parts[2], "") + coda
        fresh = [w for w in dict.fromkeys(pseudo.tolist()) if w not in index and len(w) > 2]
        ranked += [add(w) for w in fresh[:PSEUDO_WORDS]]
        self.ranked = np.array(ranked, dtype=np.int32)
        weights = 1.0 / (np.arange(len(ranked)) + 2.7) ** ZIPF_EXPONENT
        self.cdf = np.cumsum(weights) / weights.sum()
        # Numbers: a pool of realistic figures.
        numbers = [str(n) for n in rng.integers(2, 100, 300)] + [f"{n:,}" for n in rng.integers(100, 100_000, 700)]
        numbers += [f"{x:.1f} percent" for x in rng.uniform(0.1, 60, 400)] + [f"${n} million" for n in rng.integers(1, 900, 300)]
        numbers += [f"${n} billion" for n in rng.integers(1, 90, 100)] + [str(y) for y in range(1990, 2025)]
        self.numbers = np.array([add(n) for n in numbers], dtype=np.int32)
        self.said = add("said")
        self.fillers = [np.array([add(w) for w in _tokenise(s)], dtype=np.int32) for s in words.FILLERS]
        self.tokens = tokens
        # Synonyms: group start, size and position of each token (size 0: no synonyms).
        n = len(tokens) + 200_000  # room for topic entities added later
        self.syn_group = np.full(n, -1, dtype=np.int32)
        members: list[int] = []
        self.group_start, self.group_size = [], []
        for group in words.SYNONYM_GROUPS:
            ids = [index[w] for w in group if w in index and self.syn_group[index[w]] < 0]
            if len(ids) < 2:
                continue
            for position, i in enumerate(ids):
                self.syn_group[i] = len(self.group_start)
            self.group_start.append(len(members))
            self.group_size.append(len(ids))
            members += ids
        self.syn_members = np.array(members, dtype=np.int32)
        self.group_start_arr = np.array(self.group_start, dtype=np.int32)
        self.group_size_arr = np.array(self.group_size, dtype=np.int32)
        self.syn_position = np.zeros(n, dtype=np.int32)
        for g, (start, size) in enumerate(zip(self.group_start, self.group_size)):
            for p in range(size):
                self.syn_position[members[start + p]] = p
        self.index = index

    def add(self, word: str) -> int:
        if word not in self.index:
            self.index[word] = len(self.tokens)
            self.tokens.append(word)
        return self.index[word]

    def finish(self) -> None:
        self.token_array = np.array(self.tokens, dtype=object)
        self.is_structure = np.zeros(len(self.tokens), dtype=bool)
        self.is_structure[self.comma] = True


def _tokenise(sentence: str) -> list[str]:
    return sentence.rstrip(".").lower().replace(",", " ,").split()


class Topic(NamedTuple):
    words: np.ndarray  # token ids, drawn with TOPIC_CDF
    people: np.ndarray
    places: np.ndarray
    names: np.ndarray  # people, places and organisations


TOPIC_WORDS = 60
_topic_weights = 1.0 / (np.arange(TOPIC_WORDS) + 5.0)
TOPIC_CDF = np.cumsum(_topic_weights) / _topic_weights.sum()


def make_topics(vocab: Vocab, count: int, seed: int) -> list[Topic]:
    """``count`` topics, each with its own words, people, places and organisations."""
    rng = np.random.default_rng([seed, 0x7091C])
    topics = []
    real = vocab.ranked[len(words.FUNCTION_WORDS) : vocab.real_words]
    tail = vocab.ranked[vocab.real_words :]
    for _ in range(count):
        topic_words = np.concatenate([rng.choice(real, 40, replace=False), rng.choice(tail[:5000], TOPIC_WORDS - 40, replace=False)])
        people = [vocab.add(f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}") for _ in range(6)]
        places = [vocab.add(str(rng.choice(words.PLACES))) for _ in range(3)]
        orgs = [vocab.add(f"{vocab.tokens[int(rng.choice(tail))].capitalize()} {rng.choice(words.ORG_KINDS)}") for _ in range(2)]
        topics.append(Topic(topic_words.astype(np.int32), np.array(people, np.int32), np.array(places, np.int32), np.array(people + places + orgs, np.int32)))
    return topics


class Sentence(NamedTuple):
    ids: np.ndarray
    from_source: bool
    speaker: int = -1  # token id of the person quoted, or -1: not a quote


class Draft(NamedTuple):
    """An article before rendering: paragraphs of sentences, plus its own site furniture."""

    paragraphs: list[list[Sentence]]
    title: np.ndarray
    topic: int
    lede: str  # "PARIS (Reuters) - " or ""
    footer: list[str]


class Generator:
    """Makes drafts and renders them; all randomness from the ``rng`` passed in."""

    def __init__(self, vocab: Vocab, topics: list[Topic]) -> None:
        self.vocab = vocab
        self.topics = topics

    # --- fresh text ---------------------------------------------------------
    def words(self, rng: np.random.Generator, topic: Topic, length: int) -> np.ndarray:
        """``length`` token ids: Zipfian general words, topic words, names and numbers."""
        v = self.vocab
        ids = v.ranked[np.searchsorted(v.cdf, rng.random(length))]
        kind = rng.random(length)
        topical = kind < TOPIC_SHARE
        ids[topical] = topic.words[np.searchsorted(TOPIC_CDF, rng.random(int(topical.sum())))]
        entity = (kind >= TOPIC_SHARE) & (kind < TOPIC_SHARE + ENTITY_SHARE)
        names = topic.names
        ids[entity] = names[rng.integers(0, len(names), int(entity.sum()))]
        number = (kind >= TOPIC_SHARE + ENTITY_SHARE) & (kind < TOPIC_SHARE + ENTITY_SHARE + NUMBER_SHARE)
        ids[number] = v.numbers[rng.integers(0, len(v.numbers), int(number.sum()))]
        return ids

    def sentences(self, rng: np.random.Generator, topic: Topic, words_wanted: int) -> list[Sentence]:
        """Fresh sentences of 8-33 words until ``words_wanted``; some with a comma, some quotes."""
        lengths = rng.integers(8, 34, words_wanted // 8 + 1)
        ends = np.cumsum(lengths)
        count = int(np.searchsorted(ends, words_wanted)) + 1
        lengths, ends = lengths[:count], ends[:count]
        ids = self.words(rng, topic, int(ends[-1]))
        starts = ends - lengths
        # A comma replaces one word in 40% of the longer sentences.
        comma = (lengths > 10) & (rng.random(count) < 0.4)
        ids[(starts + 4 + rng.integers(0, 1 << 20, count) % np.maximum(lengths - 7, 1))[comma]] = self.vocab.comma
        speaker = np.where(rng.random(count) < QUOTE_SHARE, topic.people[rng.integers(0, len(topic.people), count)], -1)
        return [Sentence(ids[a:b], False, int(q)) for a, b, q in zip(starts.tolist(), ends.tolist(), speaker.tolist())]

    def paragraphs(self, rng: np.random.Generator, topic: Topic, words_wanted: int) -> list[list[Sentence]]:
        """Fresh sentences grouped into paragraphs of one to four."""
        return _group(self.sentences(rng, topic, words_wanted), rng, 4)

    def title(self, rng: np.random.Generator, topic: Topic) -> np.ndarray:
        words_ = topic.words[np.minimum(rng.zipf(1.3, int(rng.integers(3, 6))) - 1, len(topic.words) - 1)]
        names = topic.names
        head = self.vocab.ranked[np.searchsorted(self.vocab.cdf, rng.random(int(rng.integers(1, 4))))]
        return np.concatenate(([names[rng.integers(0, len(names))]], words_, head)).astype(np.int32)

    def furniture(self, rng: np.random.Generator, topic: Topic, day: int) -> tuple[str, list[str]]:
        """A site's own lede and footer lines."""
        v = self.vocab
        lede = ""
        if rng.random() < 0.35:
            place = v.tokens[int(topic.places[rng.integers(0, len(topic.places))])].upper()
            lede = f"{place} ({words.AGENCIES[rng.integers(0, len(words.AGENCIES))]}) - "
        footer = []
        for _ in range(int(rng.choice([0, 1, 1, 2]))):
            line = words.FOOTERS[rng.integers(0, len(words.FOOTERS))]
            footer.append(
                line.format(
                    year=datetime.date.fromordinal(day).year,
                    agency=words.AGENCIES[rng.integers(0, len(words.AGENCIES))],
                    name=v.tokens[int(topic.people[rng.integers(0, len(topic.people))])],
                    name2=f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}",
                    place=v.tokens[int(topic.places[0])],
                )
            )
        return lede, footer

    def fresh(self, rng: np.random.Generator, topic_id: int, day: int) -> Draft:
        topic = self.topics[topic_id]
        lede, footer = self.furniture(rng, topic, day)
        return Draft(self.paragraphs(rng, topic, int(rng.normal(500, 80))), self.title(rng, topic), topic_id, lede, footer)

    # --- derivations ----------------------------------------------------------
    def derive(self, rng: np.random.Generator, source: Draft, kind: str, day: int) -> Draft:
        topic = self.topics[source.topic]
        lede, footer = self.furniture(rng, topic, day)
        inherited = [[Sentence(s.ids, True, s.speaker) for s in p] for p in source.paragraphs]
        if kind == "copy":
            return source
        if kind == "partial":
            fresh = self.paragraphs(rng, topic, int(rng.normal(350, 60)))
            take = min(int(rng.integers(2, 5)), len(inherited))
            start = int(rng.integers(0, len(inherited) - take + 1))
            while take < len(inherited) - start and sum(len(p) for p in inherited[start : start + take]) < 3:
                take += 1  # at least three sentences: a two-line paragraph pair is a quotation, not reuse
            at = int(rng.integers(0, len(fresh) + 1))
            return Draft(fresh[:at] + inherited[start : start + take] + fresh[at:], self.title(rng, topic), source.topic, lede, footer)
        if kind == "light-edit":
            flat = [(p, k) for p, para in enumerate(inherited) for k in range(len(para))]
            for _ in range(int(rng.integers(3, 7))):
                p, k = flat[rng.integers(0, len(flat))]
                ids = inherited[p][k].ids.copy()
                editable = np.flatnonzero(~self.vocab.is_structure[ids])
                ids[editable[rng.integers(0, len(editable))]] = self.vocab.ranked[np.searchsorted(self.vocab.cdf, rng.random())]
                inherited[p][k] = Sentence(ids, True, inherited[p][k].speaker)
            p, k = flat[rng.integers(0, len(flat))]
            if len(inherited[p]) > 1 or len(inherited) > 1:
                del inherited[p][k]
            inherited = [para for para in inherited if para]
            p = int(rng.integers(0, len(inherited)))
            inherited[p].insert(int(rng.integers(0, len(inherited[p]) + 1)), self.sentences(rng, topic, int(rng.integers(10, 30)))[0])
            return Draft(inherited, source.title, source.topic, source.lede, footer)
        return self.spin(rng, source, lede, footer)

    def synonyms(self, rng: np.random.Generator, ids: np.ndarray, rate: float) -> np.ndarray:
        v = self.vocab
        group = v.syn_group[ids]
        swap = (group >= 0) & (rng.random(len(ids)) < rate)
        if swap.any():
            g = group[swap]
            size = v.group_size_arr[g]
            position = (v.syn_position[ids[swap]] + rng.integers(1, 1 << 30, len(g)) % (size - 1) + 1) % size
            ids = ids.copy()
            ids[swap] = v.syn_members[v.group_start_arr[g] + position]
        return ids

    def spin(self, rng: np.random.Generator, source: Draft, lede: str, footer: list[str]) -> Draft:
        v = self.vocab
        sentences = [s for p in source.paragraphs for s in p]
        keep = max(3, int(round(len(sentences) * rng.uniform(0.55, 0.7))))
        kept = np.sort(rng.choice(len(sentences), min(keep, len(sentences)), replace=False))
        out: list[Sentence] = []
        k = 0
        while k < len(kept):
            ids, speaker = sentences[kept[k]].ids, sentences[kept[k]].speaker
            following = sentences[kept[k + 1]] if k + 1 < len(kept) else None
            if following is not None and following.speaker < 0 and rng.random() < 0.15 and len(ids) + len(following.ids) < 50:
                ids = np.concatenate((ids, [v.comma, v.index["and"]], following.ids))
                k += 1
            k += 1
            ids = self.synonyms(rng, ids, 0.7)
            # Condense: drop some plain words (never structure tokens).
            drop = (rng.random(len(ids)) < 0.1) & ~v.is_structure[ids]
            if drop.sum() < len(ids) - 4:
                ids = ids[~drop]
            out.append(Sentence(ids, True, speaker))
        for k in range(len(out) - 1):  # local reordering
            if rng.random() < 0.25:
                out[k], out[k + 1] = out[k + 1], out[k]
        for _ in range(int(rng.integers(1, 4))):
            out.insert(int(rng.integers(0, len(out) + 1)), Sentence(v.fillers[rng.integers(0, len(v.fillers))], False))
        return Draft(_group(out, rng, 3), self.synonyms(rng, source.title, 0.7), source.topic, lede, footer)

    # --- rendering ------------------------------------------------------------
    def render_sentence(self, sentence: Sentence) -> str:
        text = " ".join(self.vocab.token_array[sentence.ids].tolist()).replace(" ,", ",")
        text = text[0].upper() + text[1:]
        if sentence.speaker >= 0:
            return f'"{text}," {self.vocab.tokens[sentence.speaker]} said.'
        return text + "."

    def render(self, draft: Draft) -> tuple[str, str, float, tuple[int, int]]:
        """Text, title, the fraction of the text's characters marked ``from_source``, and
        where the story is: ``(end of the wire lede, start of the footer)``."""
        parts, inherited = [], 0
        total = 0
        for p, paragraph in enumerate(draft.paragraphs):
            line = []
            for s, sentence in enumerate(paragraph):
                text = self.render_sentence(sentence)
                if sentence.from_source:
                    inherited += len(text)
                if p == 0 and s == 0 and draft.lede:
                    text = draft.lede + text
                line.append(text)
            parts.append(" ".join(line))
        story_end = len("\n\n".join(parts))
        parts += draft.footer
        text = "\n\n".join(parts)
        total = len(text)
        title = " ".join(w[:1].upper() + w[1:] for w in self.vocab.token_array[draft.title].tolist())
        return text, title, inherited / total, (len(draft.lede), story_end + (2 if draft.footer else 0))


def _group(sentences: list[Sentence], rng: np.random.Generator, most: int) -> list[list[Sentence]]:
    """Sentences into paragraphs of one to ``most`` sentences."""
    sizes = np.cumsum(rng.integers(1, most + 1, len(sentences)))
    bounds = [0] + sizes[sizes < len(sentences)].tolist() + [len(sentences)]
    return [sentences[a:b] for a, b in zip(bounds, bounds[1:])]


class Record(NamedTuple):
    text: str
    title: str
    day: int
    story: tuple[int, int]  # the text outside [start, end) is wire lede and footer boilerplate


def make_block(generator: Generator, seed: int, block: int, size: int, family_share: float) -> tuple[list[Record], list[tuple[int, int, str, float, int]]]:
    """One block of ``size`` articles (positions local to the block) and its planted edges.

    Edges are ``(source position, derived position, kind, overlap, family number in block)``.
    """
    rng = np.random.default_rng([seed, 0xB10C, block])
    topics = len(generator.topics)
    slots: list[tuple[Record, int, int]] = []  # (record, family, member) before shuffling
    edges_local = []  # (family, source member, derived member, kind, overlap)
    family = 0
    target_family_articles = int(round(size * family_share))
    in_families = 0
    while in_families < target_family_articles:
        members = min(int(rng.integers(2, 9)), target_family_articles - in_families)
        if members < 2:
            break
        topic = int(rng.integers(0, topics))
        days = [FIRST_DAY + int(rng.integers(0, DAYS - 90))]
        drafts = [generator.fresh(rng, topic, days[0])]
        for m in range(1, members):
            source = int(rng.integers(0, m))
            kind = KINDS[int(rng.choice(len(KINDS), p=KIND_WEIGHTS))]
            days.append(days[source] + int(rng.integers(1, 11)))
            drafts.append(generator.derive(rng, drafts[source], kind, days[m]))
            edges_local.append((family, source, m, kind))
        rendered = [generator.render(d) for d in drafts]
        for m, (text, title, _, story) in enumerate(rendered):
            slots.append((Record(text, title, days[m], story), family, m))
        overlaps = {m: 1.0 if kind == "copy" else rendered[m][2] for _, _, m, kind in edges_local[-(members - 1) :]}
        edges_local[-(members - 1) :] = [(f, s, m, k, overlaps[m]) for f, s, m, k in edges_local[-(members - 1) :]]
        family += 1
        in_families += members
    while len(slots) < size:
        day = FIRST_DAY + int(rng.integers(0, DAYS))
        text, title, _, story = generator.render(generator.fresh(rng, int(rng.integers(0, topics)), day))
        slots.append((Record(text, title, day, story), -1, 0))
    order = rng.permutation(len(slots))
    position = {}
    records = []
    for new, old in enumerate(order):
        record, fam, member = slots[old]
        records.append(record)
        if fam >= 0:
            position[(fam, member)] = new
    edges = [(position[(f, s)], position[(f, m)], k, o, f) for f, s, m, k, o in edges_local]
    return records, edges


def _syndicated_story(generator: Generator, seed: int, story: int, copies: int, first: int, width: int,
                      furniture: dict[str, list[int]]) -> tuple[list[str], list[dict]]:
    """One syndicated story's JSONL lines (ids from ``first`` on, the original first) and its edges;
    where an article's story lies goes into ``furniture``, as for the others."""
    rng = np.random.default_rng([seed, 0x5D1C, story])
    day = FIRST_DAY + int(rng.integers(0, DAYS - 90))
    original = generator.fresh(rng, int(rng.integers(0, len(generator.topics))), day)
    drafts = [(original, day)] + [
        (generator.derive(rng, original, "copy" if k % 2 == 0 else "light-edit", day), day + int(rng.integers(1, 4)))
        for k in range(copies)
    ]
    lines, edges = [], []
    for k, (draft, published) in enumerate(drafts):
        text, title, overlap, span = generator.render(draft)
        article_id = f"n{first + k:0{width}d}"
        lines.append(json.dumps({"id": article_id, "text": text, "title": title, "published": datetime.date.fromordinal(published).isoformat(),
                                 "url": f"https://syndicate-{story}-{k}.example/story"}, ensure_ascii=False))
        if span != (0, len(text)):
            furniture[article_id] = list(span)
        if k:
            edges.append({"source": f"n{first:0{width}d}", "derived": article_id, "kind": SYNDICATED,
                          "overlap": 1.0 if draft is original else round(overlap, 4), "family": f"s{story:05d}"})
    return lines, edges


_worker: dict[str, object] = {}


def _init_worker(seed: int, topics: int) -> None:
    _worker["generator"] = build_generator(seed, topics)


def _block_job(args: tuple[int, int, int, float]) -> tuple[list[Record], list]:
    seed, block, size, share = args
    return make_block(_worker["generator"], seed, block, size, share)  # type: ignore[arg-type]


def build_generator(seed: int, topics: int) -> Generator:
    vocab = Vocab(seed)
    topic_list = make_topics(vocab, topics, seed)
    vocab.finish()
    return Generator(vocab, topic_list)


def topic_count(articles: int) -> int:
    """Topics scale with the corpus: about 250 articles per topic, at least 20."""
    return max(20, articles // 250)


def generate(
    articles: int, out: Path, seed: int = 1, workers: int = 1, family_share: float = 0.3, progress: bool = True, block_size: int = BLOCK,
    syndicated: int = 0, copies: int = 200,
) -> dict:
    """Write ``articles.jsonl`` and ``truth.json`` into ``out``; return the truth summary.

    Args:
        articles: How many articles.
        out: Output folder (created).
        seed: Everything random derives from it.
        workers: Processes; the output does not depend on it.
        family_share: Fraction of the articles in planted families.
        progress: Print progress on stderr.
        block_size: Articles per independently seeded block (changes the output; tests use small ones).
        syndicated: Syndicated stories added after the ``articles`` ...
        copies: ... each republished this many times.
    """
    out.mkdir(parents=True, exist_ok=True)
    topics = topic_count(articles)
    jobs = [(seed, b, min(block_size, articles - b * block_size), family_share) for b in range((articles + block_size - 1) // block_size)]
    total = articles + syndicated * (copies + 1)
    width = max(7, len(str(total)))
    edges: list[dict] = []
    families: dict[int, list[str]] = {}
    kinds = dict.fromkeys(KINDS, 0)
    furniture: dict[str, list[int]] = {}
    began = time.perf_counter()
    pool = None
    if workers > 1 and len(jobs) > 1:
        pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (seed, topics))
        results: Iterator = pool.imap(_block_job, jobs)
    else:
        _init_worker(seed, topics)
        results = map(_block_job, jobs)
    tmp = out / "articles.jsonl.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for (_, block, _, _), (records, block_edges) in zip(jobs, results):
                base = block * block_size
                lines = []
                for k, r in enumerate(records):
                    published = datetime.date.fromordinal(r.day).isoformat()
                    article_id = f"n{base + k:0{width}d}"
                    lines.append(json.dumps({"id": article_id, "text": r.text, "title": r.title, "published": published}, ensure_ascii=False))
                    if r.story != (0, len(r.text)):
                        furniture[article_id] = list(r.story)
                handle.write("\n".join(lines) + "\n")
                for s, d, kind, overlap, fam in block_edges:
                    source, derived = f"n{base + s:0{width}d}", f"n{base + d:0{width}d}"
                    family = f"f{block:05d}-{fam:04d}"
                    edges.append({"source": source, "derived": derived, "kind": kind, "overlap": round(overlap, 4), "family": family})
                    kinds[kind] += 1
                if progress and (block % 25 == 24 or block == len(jobs) - 1):
                    done = base + len(records)
                    print(f"generate: {done:,}/{articles:,} articles, {time.perf_counter() - began:.0f} s", file=sys.stderr)
            if syndicated:
                _init_worker(seed, topics)
                generator: Generator = _worker["generator"]  # type: ignore[assignment]
            for story in range(syndicated):
                first = articles + story * (copies + 1)
                lines, story_edges = _syndicated_story(generator, seed, story, copies, first, width, furniture)
                handle.write("\n".join(lines) + "\n")
                edges += story_edges
                kinds[SYNDICATED] = kinds.get(SYNDICATED, 0) + len(story_edges)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    os.replace(tmp, out / "articles.jsonl")
    for edge in edges:
        members = families.setdefault(edge["family"], [])
        members += [edge["source"], edge["derived"]]
    derived = {e["derived"] for e in edges}
    family_list = []
    for name in sorted(families):
        members = sorted(set(families[name]))
        roots = [m for m in members if m not in derived]
        family_list.append({"family": name, "root": roots[0], "articles": members})
    truth = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "articles": total,
        "family_share": family_share,
        "topics": topics,
        "kinds": kinds,
        "families": family_list,
        "edges": sorted(edges, key=lambda e: (e["source"], e["derived"])),
        # Per article with any: [start, end) of the story; before it the wire lede, after it footer lines.
        "story_spans": furniture,
    }
    if syndicated:
        truth["syndicated"] = {"stories": syndicated, "copies": copies}
    (out / "truth.json.tmp").write_text(json.dumps(truth, indent=0, sort_keys=True))
    os.replace(out / "truth.json.tmp", out / "truth.json")
    truth["seconds"] = round(time.perf_counter() - began, 2)
    return truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="corpus size (10,000 to 1,000,000 are the tiers)")
    parser.add_argument("--out", type=Path, required=True, help="folder for articles.jsonl and truth.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="processes (output does not depend on it)")
    parser.add_argument("--family-share", type=float, default=0.3, help="fraction of articles in planted families")
    parser.add_argument("--syndicated", type=int, default=0, help="syndicated stories added, each copied on --copies sites")
    parser.add_argument("--copies", type=int, default=200, help="republications of each syndicated story")
    args = parser.parse_args()
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    if args.syndicated < 0 or args.copies < 1:
        parser.error("--syndicated must be 0 or more and --copies at least 1")
    truth = generate(args.articles, args.out, args.seed, args.workers, args.family_share, syndicated=args.syndicated, copies=args.copies)
    print(
        f"generate: {truth['articles']:,} articles, {len(truth['families']):,} families, {len(truth['edges']):,} edges "
        f"{truth['kinds']} in {truth['seconds']} s -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
