"""Settings: every tunable of the pipeline, defined and documented once.

Owns the frozen ``Settings`` record, its defaults, validation, and the
``settings_key`` stamped into every report (and later every index) so that
artefacts made with different settings are never mixed. Imports nothing of ours
but ``errors``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from provenance.errors import SettingsError

# Bump when a change to the algorithms changes results for the same settings.
ALGORITHM_VERSION = 13  # 2: context seeds, concentration test, equal-evidence tie-break by date; 3: grown passages;
# 4: sentences too short to seed join the next; 5: a crowded LSH bucket links its windows to its earliest article;
# 6: lengths within 1% do not decide direction; 7: invisible format characters (zero-width spaces,
# soft hyphens) dropped, Cyrillic and Greek lookalikes in a word with Latin letters read as Latin,
# each Chinese or Japanese character a word; 8: a letter and its combining marks read together
# (decomposed text, Hindi and other scripts with vowel signs), accents on Latin letters dropped,
# stroked letters and ligatures (ø, æ) and "fancy text" letters read as plain ones, variation
# selectors and fillers dropped, Indic, Urdu, Arabic and other full stops end sentences; 9: of
# sources of equal evidence, one whose gap in dates is far less usual than another's is passed over;
# 10: a source seeding 2 or more fewer of an article's sentences than another is passed over; 11: the
# gap rule of 9 among versions of one text (linked by a match), not only sources of equal evidence; 12:
# parents chosen by closeness (a Tversky index of the passages' rare stems), not the passages' Dice,
# and the rule of 10 dropped (closeness holds what it saw); 13: of an article's best source and a rival
# within 5% of its evidence, the one whose variant readings it never follows is passed over; stems
# weigh log(1 + N/df)
# The oldest version whose index files this one reads as its own (``Settings.readable_keys``). 5, 6
# and 7 changed how candidates are counted and direction read, or the signatures of a few unusual
# texts only, so a version-4 index needed no rebuilding then. 8 changes the words of every text
# with an accented letter (a French or German corpus: nearly every article): an older index's
# stored band keys of those texts would no longer meet a new copy of them; 9 to 13 change only
# how trees are drawn from the matches, nothing an index stores.
INDEX_READABLE_SINCE = 8
# Bounds past which a setting is a typo, not a choice: a signature of 1,024 permutations is 4 KB a
# passage window already (more took minutes and gigabytes on five articles), and a pair's collisions
# weigh at most one each, far fewer than a billion (and weights are counted in 55 bits of fixed point,
# ``candidates.WEIGHT_SCALE``: infinity or 1e30 overflowed there).
MAX_NUM_PERM = 1024
MAX_MIN_WEIGHT = 1_000_000_000


@dataclasses.dataclass(frozen=True)
class Settings:
    """Pipeline settings. Defaults are the tuned values; see the README."""

    # --- signatures -------------------------------------------------------
    num_perm: int = 64
    """MinHash permutations per passage signature (datasketch ``num_perm``).

    64, in 32 bands of 2 rows: a candidate rests on collisions summed over an article pair's
    windows and bands, and verification, not the signature, decides; 128 permutations in 42
    bands of 3 found no more (PAN 2013: 0.898 against 0.901 plagdet) at twice the signing, 2.4
    (100k articles) to 5.3 (300k) times the candidate pairs to verify, and more false pairs.
    """
    seed: int = 1
    """Seed of the MinHash permutations (datasketch ``seed``)."""

    # --- shingles and passages -------------------------------------------
    window_words: int = 8
    """Content words per passage window; windows start at every sentence."""
    max_df: float = 0.2
    """Stems in more than this fraction of articles are not shingles (corpora of 50+ articles).

    The cutoff keeps a corpus's everyday vocabulary out of the windows; since collisions weigh
    ``1/(k-1)`` in a bucket of ``k`` windows (``min_weight``), what many windows share counts
    little anyway, so it can keep more: a short passage translated or spun into everyday words
    is left with too few stems under 0.1. PAN 2013 training, 0.1 -> 0.2: translation pair recall
    0.967 -> 0.975, random 0.930 -> 0.940, 7 -> 9 of 1,000 false pairs; any value from 0.2 to 1.0
    scores within 0.002 of it, so 0.2 is the cheapest of that plateau, not a fitted optimum
    (1M synthetic articles: 315 MiB more memory at 0.2, 519 at 0.5; bench/README, "Session 23")."""
    bigram_windows: bool = False
    """Also sign windows of content-word bigrams (each word with the next, in either order, every
    stem kept however common; ``signatures.bigram_window_inputs``): a pair is a candidate if
    either kind's collisions pass ``min_hits`` and ``min_weight``. Two common words side by side
    are rare where one is not: a short passage written in everyday words, whose stems ``max_df``
    leaves out of the windows, still collides. At ``max_df`` 0.1 it raised PAN 2013 training's
    translation pair recall 0.967 -> 0.972 and random 0.930 -> 0.937 (7 false pairs); at 0.2 the
    passage windows keep those stems themselves and it adds one random pair of 1,000 (0.940 ->
    0.941). Off by default for its cost: false pairs from shared filler sentences (synthetic 100k
    50 -> 68, 1M 164 -> 336, at 0.1) and, at a million articles, 1.8 GB more memory (bench/README,
    "Session 22"). Local scans only for now (an index or Spark refuses it)."""

    # --- candidates -------------------------------------------------------
    lsh_rows: int = 2
    """Rows per LSH band; ``num_perm // lsh_rows`` bands. Fewer rows find fainter rewrites."""
    min_hits: int = 5
    """Least band collisions (over all window pairs) for an article pair to be a candidate ..."""
    min_weight: float = 1.0
    """... and least weight of those collisions.

    A collision in a bucket of ``k`` windows weighs ``1 / (k - 1)`` (``candidates.collision_weight``):
    a band key two windows share alone is evidence, one a crowd shares is a topic's words. With
    2-row bands a faint rewrite collides a little in many bands and windows, in small buckets; a
    same-topic article collides by chance, mostly in crowded ones. Each rule alone fails at one
    end: a count needs 8 collisions to keep topics out, and then misses faint rewrites; a weight
    alone is met by two private collisions, which chance makes in proportion to the corpus (at a
    million articles, more candidates than 8 collisions). Together (bench/README, "Session 14"),
    against 8 collisions: PAN 2013 training candidates 216k -> 122k with more listed pairs of
    every type; synthetic 100k 736k -> 273k and 1M 2.63M -> 1.47M, the same planted pairs.
    """
    max_bucket: int = 64
    """LSH buckets holding more windows than this are crowds (a topic's words, boilerplate, or a story
    copied on many sites): their windows pair only with the crowd's earliest article, in one band of
    four, at a low weight (``candidates.crowd_weight``); smaller buckets pair all their windows."""

    # --- verification and alignment --------------------------------------
    sentence_similarity: float = 0.35
    """Least Dice similarity of two sentences' content stems to seed a passage."""
    max_gap: int = 3
    """Most unmatched sentences between two seeds of one passage, in either article."""
    min_passage_words: int = 15
    """Fewest distinct content words a passage must hold on its longer side (half on the shorter)."""

    # --- decision ---------------------------------------------------------
    min_confidence: float = 0.5
    """Matches below this confidence are not reported as derivations."""

    def __post_init__(self) -> None:
        if not 1 <= self.num_perm <= MAX_NUM_PERM:
            raise SettingsError(f"num_perm must be between 1 and {MAX_NUM_PERM}, got {self.num_perm}")
        if not 1 <= self.lsh_rows <= self.num_perm:
            raise SettingsError(f"lsh_rows must be between 1 and num_perm ({self.num_perm}), got {self.lsh_rows}")
        for name in ("max_df", "sentence_similarity", "min_confidence"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise SettingsError(f"{name} must be in (0, 1], got {value}")
        for name in ("window_words", "max_bucket", "min_passage_words"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 1 <= self.min_hits <= 255:  # candidates.COUNT_CAP: collision counts saturate there
            raise SettingsError(f"min_hits must be between 1 and 255, got {self.min_hits}")
        if self.max_gap < 0:
            raise SettingsError(f"max_gap must be 0 or more, got {self.max_gap}")
        if not 0.0 <= self.min_weight <= MAX_MIN_WEIGHT:
            raise SettingsError(f"min_weight must be between 0 and {MAX_MIN_WEIGHT:,}, got {self.min_weight}")

    @property
    def bands(self) -> int:
        """Number of LSH bands."""
        return self.num_perm // self.lsh_rows

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain, JSON-ready dict in field order."""
        return dataclasses.asdict(self)

    def key(self, version: int = ALGORITHM_VERSION) -> str:
        """A short stable key naming these settings and the algorithm version (this one's, by default)."""
        blob = json.dumps({"v": version, **self.as_dict()}, sort_keys=True)
        return f"p{version}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"

    def readable_keys(self) -> set[str]:
        """The keys of these settings under every version whose index files this one reads (``INDEX_READABLE_SINCE``)."""
        return {self.key(version) for version in range(INDEX_READABLE_SINCE, ALGORITHM_VERSION + 1)}

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some fields changed (validated again); ``None`` values are ignored."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
