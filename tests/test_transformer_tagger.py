"""The tagger with its BiLSTM swapped: each encoder fits the same inputs and output layer,
the parameter counts of lesson 8 hold, and bad input is refused in one line."""

import math

import pytest
import torch

from conftest import TOY
from lstm_course.data import TaggedSentence
from lstm_course.tagger import TaggerConfig, TaggerVocabs
from lstm_course.transformer_tagger import (
    ENCODERS,
    build_tagger,
    sinusoidal_positions,
    train_encoder_tagger,
)

SENTENCES = [TaggedSentence(t.split(), tags.split()) for t, tags in TOY]
CONFIG = TaggerConfig(word_dim=64, hidden_dim=64, num_layers=1, char_dim=16, char_filters=64)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_every_encoder_tags_the_same_inputs():
    vocabs = TaggerVocabs.build(SENTENCES, CONFIG)
    for encoder in ENCODERS:
        config = (
            TaggerConfig(**{**CONFIG.__dict__, "hidden_dim": 128})
            if encoder == "biminlstm"
            else CONFIG
        )
        model = build_tagger(encoder, config, vocabs)
        batch = model.encode([s.words for s in SENTENCES[:2]])  # 4 and 5 words: mixed lengths
        assert (
            model.predict([s.words for s in SENTENCES]) and len(model.predict([["a", "b"]])[0]) == 2
        )
        if encoder != "bilstm":
            with pytest.raises(TypeError, match="one length"):
                model(batch)


def test_the_lessons_encoders_have_about_the_same_parameters():
    vocabs = TaggerVocabs.build(SENTENCES, CONFIG)
    lstm = _count(build_tagger("bilstm", CONFIG, vocabs).rnn)
    mini = _count(
        build_tagger(
            "biminlstm", TaggerConfig(**{**CONFIG.__dict__, "hidden_dim": 128}), vocabs
        ).rnn
    )
    attention = _count(build_tagger("transformer", CONFIG, vocabs).rnn)
    assert lstm == 99_328
    assert abs(mini - lstm) < 0.01 * lstm and abs(attention - lstm) < 0.01 * lstm


def test_sinusoidal_positions_are_vaswanis():
    table = sinusoidal_positions(5, 8)
    assert torch.allclose(table[:, 0], torch.sin(torch.arange(5.0)))
    assert torch.allclose(table[:, 1], torch.cos(torch.arange(5.0)))
    with pytest.raises(ValueError):
        sinusoidal_positions(5, 7)


def test_bad_choices_are_refused():
    vocabs = TaggerVocabs.build(SENTENCES, CONFIG)
    with pytest.raises(ValueError, match="encoder must be one of"):
        build_tagger("mamba", CONFIG, vocabs)
    with pytest.raises(ValueError, match="2 \\* hidden_dim"):
        build_tagger("transformer", TaggerConfig(**{**CONFIG.__dict__, "hidden_dim": 32}), vocabs)
    with pytest.raises(ValueError, match="bidirectional"):
        build_tagger("bilstm", TaggerConfig(num_layers=2), vocabs)
    with pytest.raises(ValueError, match="epochs"):
        train_encoder_tagger("bilstm", SENTENCES, SENTENCES, CONFIG, epochs=0, lr=0.01)


def test_training_is_reproducible_and_reports_the_last_epoch():
    runs = [
        train_encoder_tagger("transformer", SENTENCES, SENTENCES, CONFIG, epochs=2, lr=0.01, seed=3)
        for _ in range(2)
    ]
    assert (
        runs[0].best_dev_accuracy == runs[1].best_dev_accuracy == runs[0].history[-1].dev_accuracy
    )
    assert [h.epoch for h in runs[0].history] == [1, 2]
    # each epoch's log says when it ended, counted from the start of training
    assert 0 < runs[0].history[0].seconds <= runs[0].history[1].seconds


def test_the_no_encoder_control_has_no_parameters_and_passes_features_through():
    vocabs = TaggerVocabs.build(SENTENCES, CONFIG)
    model = build_tagger("none", CONFIG, vocabs)
    assert _count(model.rnn) == 0
    x = torch.randn(2, 3, 128)
    assert torch.equal(model.rnn(x)[0], x)


def test_warmup_rises_linearly_then_follows_the_cosine():
    from lstm_course.transformer_tagger import _warm_cosine

    assert _warm_cosine(1.0, 0.0, 0.1) == 0.0
    assert _warm_cosine(1.0, 0.05, 0.1) == pytest.approx(0.5)
    assert _warm_cosine(1.0, 0.1, 0.1) == pytest.approx(1.0)
    assert _warm_cosine(1.0, 0.55, 0.1) == pytest.approx(0.5)
    assert _warm_cosine(1.0, 1.0, 0.1) == pytest.approx(0.0)
    assert _warm_cosine(2.0, 0.3, 0.0) == pytest.approx(2.0 * 0.5 * (1 + math.cos(math.pi * 0.3)))
    with pytest.raises(ValueError, match="warmup"):
        train_encoder_tagger("none", SENTENCES, SENTENCES, CONFIG, epochs=1, lr=0.01, warmup=1.0)
