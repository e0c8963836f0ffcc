"""lstm_course.lookup: each fallback of the lookup table, in its order, and bad input."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_course.data import TaggedSentence
from lstm_course.lookup import LookupTagger


def _sent(pairs):
    words, tags = zip(*(p.split("/") for p in pairs.split()), strict=True)
    return TaggedSentence(tuple(words), tuple(tags))


TRAIN = [
    _sent("the/DET dog/NOUN runs/VERB quickly/ADV ./PUNCT"),
    _sent("The/DET cat/NOUN sleeps/VERB ./PUNCT"),
    _sent("run/VERB ,/PUNCT run/NOUN run/VERB slowly/ADV"),
    _sent("Paris/PROPN is/AUX 2024/NUM nice/ADJ ./PUNCT ./PUNCT"),
]


def test_each_fallback_in_its_order():
    table = LookupTagger(TRAIN)
    assert table.tag("run") == "VERB"  # exact: the word's most frequent tag (2 of 3)
    assert table.tag("The") == "DET"  # exact, as written
    assert table.tag("Rome") == "PROPN"  # unseen, capitalised
    assert table.tag("DOG") == "PROPN"  # the capital rule comes before the lower-cased word
    assert table.tag("1999") == "NUM"  # unseen, a digit
    assert table.tag("lowly") == "ADV"  # unseen: the last three letters, "-wly" (slowly)
    assert table.tag("zzz") == "PUNCT"  # nothing matches: the most common tag (5 of 20)


def test_lower_cased_word_is_used_for_an_unseen_lower_case_spelling():
    table = LookupTagger([_sent("Cat/NOUN sat/VERB")])
    assert "cat" not in table.by_word and table.tag("cat") == "NOUN"  # via "cat" lower-cased


def test_suffix_counts_only_words_of_the_same_shape():
    table = LookupTagger([_sent("Boring/PROPN boring/ADJ running/VERB singing/VERB")])
    assert table.tag("ringing") == "VERB"  # lower-case "-ing" words: VERB 2, ADJ 1


def test_scores_split_seen_and_unseen_words():
    table = LookupTagger(TRAIN)
    scores = table.score([_sent("the/DET dog/VERB Rome/PROPN")])
    assert scores.all == pytest.approx(2 / 3)
    assert scores.seen == pytest.approx(1 / 2) and scores.unseen == 1.0
    assert math.isnan(table.score([_sent("the/DET")]).unseen)


@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=30))
def test_every_training_word_gets_one_of_its_own_tags(words):
    """Property: a word seen in training is tagged with a tag it had there, whatever the
    words (any Unicode), and any string gets a tag seen in training."""
    tags = [("NOUN", "VERB", "ADJ")[len(w) % 3] for w in words]
    table = LookupTagger([TaggedSentence(tuple(words), tuple(tags))])
    had = {}
    for w, t in zip(words, tags, strict=True):
        had.setdefault(w, set()).add(t)
    for w in words:
        assert table.tag(w) in had[w]
    assert set(table.tag_sentence(["?", "Xy", "42", ""])) <= set(tags) | {"PROPN", "NUM"}


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one tagged word"):
        LookupTagger([])
    with pytest.raises(TypeError, match="TaggedSentence"):
        LookupTagger([("the", "DET")])
    with pytest.raises(ValueError, match="suffix_length"):
        LookupTagger(TRAIN, suffix_length=0)
    with pytest.raises(TypeError, match="a word is a str"):
        LookupTagger(TRAIN).tag(3)
