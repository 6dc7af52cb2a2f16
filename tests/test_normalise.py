"""normalise: mojibake repair, folding, whitespace, and the offset map back to the original."""

from __future__ import annotations

import unicodedata

import ftfy
from hypothesis import assume, given, settings, strategies as st

from provenance.normalise import normalise


def test_ascii_is_lowercased_and_whitespace_collapsed():
    n = normalise("  Hello   World\n\n Again  ")
    assert n.text == "hello world\nagain"
    assert n.to_original(0, 5) == (2, 7)


def test_invisible_format_characters_are_dropped_and_offsets_still_map_back():
    # A zero-width space inside a word, a soft hyphen, a zero-width joiner before a space, a
    # right-to-left mark and a tag character: none renders, and each split or joined words.
    text = "Hel\u200blo wor\u00adld\u200d next\u200f \U000e0041end"
    n = normalise(text)
    assert n.text == "hello world next end"
    assert text[slice(*n.to_original(0, 5))] == "Hel\u200blo"
    assert text[slice(*n.to_original(17, 20))] == "end"


def test_lookalike_letters_in_a_latin_word_read_as_latin_and_other_scripts_stay():
    # "pаper" with a Cyrillic а, "Кim" with a Cyrillic К (it folds to к), "οnly" with a Greek ο.
    text = "The pаper sаid Кim wrote οnly once. Правительство города. Ο Αλέξανδρος."
    n = normalise(text)
    assert n.text == "the paper said kim wrote only once. правительство города. ο αλέξανδροσ."
    assert text[slice(*n.to_original(4, 9))] == "pаper"


def test_a_letter_and_its_marks_fold_together_and_latin_accents_go():
    # Decomposed text (a letter, then its combining accent: NFD) split every accented word at the
    # accent, so a page saved so matched nothing of itself composed; an accent on a Latin letter
    # made another word ("Zürich" and "Zurich"). Other scripts keep their marks: Cyrillic й,
    # Greek tonos, Hindi vowel signs.
    composed = "Le café de Zürich, naïve São Paulo. Йод ά हिन्दी"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    for text in (composed, decomposed):
        assert normalise(text).text == "le cafe de zurich, naive sao paulo. йод ά हिन्दी"
    n = normalise(decomposed)
    start = n.text.index("zurich")
    assert decomposed[slice(*n.to_original(start, start + 6))] == unicodedata.normalize("NFD", "Zürich")
    assert decomposed[slice(*n.to_original(start, start + 2))] == "Zu\u0308"  # the u with its diaeresis


def test_variation_selectors_and_fillers_are_dropped_like_other_invisible_characters():
    # Default-ignorable characters outside Unicode's Cf: a variation selector, a Hangul filler (a
    # "letter" that renders as nothing), the combining grapheme joiner.
    assert normalise("mini\ufe0fster mi\u3164nister min\u034fister").text == "minister minister minister"


def test_fancy_text_letters_read_as_plain_letters():
    # Small capitals and negative circled or squared letters (NFKC folds the circled, full-width and
    # mathematical ones itself); a combining strike-through or underline on each letter.
    text = "ᴍɪɴɪsᴛᴇʀ 🅿🆄🆃🅸🅽 🅜🅔🅣 ⓜⓔⓣ 𝔪𝔢𝔱 m\u0336e\u0336t\u0336 m\u0332e\u0332t\u0332"
    n = normalise(text)
    assert n.text == "minister putin met met met met met"
    start = n.text.index("putin")
    assert text[slice(*n.to_original(start, start + 5))] == "🅿🆄🆃🅸🅽"


def test_mojibake_is_repaired_and_maps_back():
    text = "Russia‚Äôs leader"
    n = normalise(text)
    assert n.text == "russia's leader"
    start, end = n.to_original(0, len("russia's"))
    assert text[start:end] == "Russia‚Äôs"


def test_nfkc_ligature_and_quotes():
    n = normalise("ﬁle “quoted” — dash")
    assert n.text == 'file "quoted" - dash'


def test_empty_and_blank():
    assert normalise("").text == ""
    assert normalise(" \n\t ").text == ""


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text())
def test_offsets_stay_inside_original(text):
    n = normalise(text)
    assert len(n.starts) == len(n.text) == len(n.ends)
    for start, end in zip(n.starts.tolist(), n.ends.tolist()):
        assert 0 <= start < end <= len(text)
    assert list(n.starts) == sorted(n.starts)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text())
def test_idempotent(text):
    once = normalise(text).text
    # Mojibake repair is a heuristic: a folded string can itself look like mojibake
    # ("÷à"). Folding, quotes and whitespace are idempotent; that is what is checked.
    assume(ftfy.fix_encoding(text) == text and ftfy.fix_encoding(once) == once)
    assert normalise(once).text == once
