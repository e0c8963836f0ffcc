"""Vocabularies: the notes' add_word, the Vocab class, and their round trips."""

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course.vocab import Vocab, add_word

NOTES_DATA = [
    ("The cat ate the cheese".lower().split(), ["DET", "NN", "V", "DET", "NN"]),
    ("She read that book".lower().split(), ["NN", "V", "DET", "NN"]),
    ("The dog loves art".lower().split(), ["DET", "NN", "V", "NN"]),
    ("The elephant answers the phone".lower().split(), ["DET", "NN", "V", "DET", "NN"]),
]

tokens = st.text(min_size=1, max_size=8)
corpora = st.lists(st.lists(tokens, max_size=10), max_size=10)


def test_add_word_numbers_words_in_order_of_first_appearance():
    word2idx: dict[str, int] = {}
    for sentence, _ in NOTES_DATA:
        for word in sentence:
            add_word(word, word2idx)
    assert list(word2idx)[:5] == ["the", "cat", "ate", "cheese", "she"]
    assert sorted(word2idx.values()) == list(range(len(word2idx))) and len(word2idx) == 14
    assert add_word("cat", word2idx) == 1 and len(word2idx) == 14


def test_vocab_without_specials_agrees_with_add_word():
    word2idx: dict[str, int] = {}
    vocab = Vocab(pad_token=None, unk_token=None)
    for sentence, _ in NOTES_DATA:
        for word in sentence:
            assert vocab.add(word) == add_word(word, word2idx)
    assert {t: vocab.index(t) for t in vocab} == word2idx


def test_pad_and_unk_are_distinct_and_unknown_words_map_to_unk():
    vocab = Vocab(["the", "cat"])
    assert (vocab.pad_index, vocab.unk_index) == (0, 1)
    assert vocab.encode(["the", "dog", "cat"]) == [2, vocab.unk_index, 3]
    assert vocab.decode([2, 1, 3]) == ["the", "<unk>", "cat"]
    with pytest.raises(ValueError, match="must differ"):
        Vocab(pad_token="<x>", unk_token="<x>")


def test_from_corpus_orders_by_frequency_and_cuts_rare_words():
    sentences = [s for s, _ in NOTES_DATA]
    vocab = Vocab.from_corpus(sentences, min_freq=2)
    assert vocab.tokens == ["<pad>", "<unk>", "the"]
    full = Vocab.from_corpus(sentences)
    assert full.tokens[2:5] == ["the", "cat", "ate"]  # 'the' most frequent, then first seen


def test_tag_vocab_without_unk_refuses_unknown_tags():
    tags = Vocab.from_corpus([t for _, t in NOTES_DATA], pad_token=None, unk_token=None)
    assert tags.tokens == ["NN", "DET", "V"]
    with pytest.raises(KeyError, match=r"unknown token 'ADJ'.*no <unk>"):
        tags.encode(["ADJ"])
    with pytest.raises(AttributeError, match="no <unk>"):
        _ = tags.unk_index


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda v: v.encode("the cat"), TypeError, r"not one string.*split"),
        (lambda v: v.encode(["the", 3]), TypeError, "must be a str"),
        (lambda v: v.add(None), TypeError, "must be a str"),
        (lambda v: v.decode([0, 99]), IndexError, r"index 99 is out of range 0..3"),
        (lambda v: v.decode([-1]), IndexError, "out of range"),
        (lambda v: v.decode([1.0]), TypeError, "must be an int"),
        (lambda v: v.decode(3), TypeError, "sequence of indices"),
        (lambda v: Vocab.from_corpus([["a"]], min_freq=0), ValueError, "min_freq"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call(Vocab(["the", "cat"]))


def test_decode_accepts_a_tensor():
    vocab = Vocab(["the", "cat"])
    assert vocab.decode(torch.tensor([3, 2])) == ["cat", "the"]


@settings(max_examples=60, deadline=None)
@given(corpus=corpora, min_freq=st.integers(1, 3), specials=st.booleans())
def test_encode_decode_round_trip(corpus, min_freq, specials):
    kw = {} if specials else {"pad_token": None, "unk_token": None}
    vocab = Vocab.from_corpus(corpus, min_freq=min_freq, **kw)
    for sentence in corpus:
        known = [t for t in sentence if t in vocab]
        assert vocab.decode(vocab.encode(known)) == known
        if specials:
            decoded = vocab.decode(vocab.encode(sentence))
            assert decoded == [t if t in vocab else "<unk>" for t in sentence]
    assert sorted(vocab.encode(vocab.tokens)) == list(range(len(vocab)))


@settings(max_examples=40, deadline=None)
@given(corpus=corpora, specials=st.booleans())
def test_save_load_round_trips_exactly(tmp_path_factory, corpus, specials):
    kw = {} if specials else {"pad_token": None, "unk_token": None}
    vocab = Vocab.from_corpus(corpus, **kw)
    path = tmp_path_factory.mktemp("vocab") / "vocab.json"
    vocab.save(path)
    loaded = Vocab.load(path)
    assert loaded == vocab and loaded.tokens == vocab.tokens
    assert (loaded.pad_token, loaded.unk_token) == (vocab.pad_token, vocab.unk_token)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "lstm_course.vocab", "version": 1, "tokens": ["<pad>", "<unk>", "a"', "JSON"),
        ("[1, 2]", "not a vocabulary written by Vocab"),
        (
            '{"format": "lstm_course.vocab", "version": 9, "tokens": []}',
            "version 9 is not supported",
        ),
        (
            '{"format": "lstm_course.vocab", "version": 1, "pad_token": "<pad>", "unk_token": null,'
            ' "tokens": ["<pad>", "a", "a"]}',
            "duplicates",
        ),
        (
            '{"format": "lstm_course.vocab", "version": 1, "pad_token": "<pad>", "unk_token": null,'
            ' "tokens": ["a", "<pad>"]}',
            "must come first",
        ),
        (
            '{"format": "lstm_course.vocab", "version": 1, "pad_token": null, "unk_token": null,'
            ' "tokens": ["a", 3]}',
            "list of strings",
        ),
    ],
)
def test_load_rejects_a_corrupt_file_naming_it(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        Vocab.load(path)
    assert "vocab.json" in str(info.value)


def test_save_is_atomic_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "vocab.json"
    Vocab(["old"]).save(path)
    before = path.read_bytes()

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        Vocab(["new"]).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]


def test_load_of_deeply_nested_json_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)  # json.loads recurses once per bracket
    with pytest.raises(ValueError, match=r"deep\.json: not a vocabulary file .*nested too deeply"):
        Vocab.load(path)
