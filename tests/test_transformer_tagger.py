"""The tagger with its BiLSTM swapped: each encoder fits the same inputs and output layer,
the parameter counts of lesson 8 hold, and bad input is refused in one line."""

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
