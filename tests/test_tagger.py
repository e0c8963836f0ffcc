"""The tagger: what it learns, how it batches, how it saves, how its command line fails."""

import copy
import dataclasses
import importlib
import re
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import TOY, needs_bfloat16
from lstm_course import tagger as tagger_module
from lstm_course import training
from lstm_course.data import TaggedSentence, read_conllu
from lstm_course.runtime import native_bfloat16
from lstm_course.speed import Dropout
from lstm_course.tagger import (
    CheckpointError,
    LSTMTagger,
    NotesLSTMTagger,
    TaggerConfig,
    TaggerVocabs,
)
from lstm_course.tagger_cli import main
from lstm_course.training import evaluate, make_optimizer, train

SMALL = TaggerConfig(
    word_dim=16, hidden_dim=16, num_layers=1, char_dim=8, char_filters=8, dropout=0.0, min_freq=1
)


@pytest.fixture
def toy(toy_conllu):
    return read_conllu(toy_conllu)


@pytest.fixture
def model(toy):
    torch.manual_seed(0)
    return LSTMTagger(SMALL, TaggerVocabs.build(toy, SMALL)).eval()


def test_training_learns_the_toy_corpus(toy):
    result = train(toy, toy, config=SMALL, epochs=40, batch_size=2, lr=0.02, progress=False)
    assert result.best_dev_accuracy == 1.0
    assert evaluate(result.model, toy).accuracy == 1.0
    assert [h.epoch for h in result.history] == list(range(1, len(result.history) + 1))


def test_training_puts_the_denormal_flag_back(toy):
    # train() flushes denormal floats to zero while it runs (for speed), and only then
    denormal = torch.tensor(1e-39)
    train(toy, toy, config=SMALL, epochs=1, batch_size=2, progress=False)
    assert (denormal * 1.0).item() != 0.0


@needs_bfloat16
def test_mixed_precision_training_learns_the_toy_corpus_and_keeps_float32_weights(toy):
    # bfloat16 autocast: products in bfloat16, weights, Adam and the loss in float32
    result = train(
        toy, toy, config=SMALL, epochs=40, batch_size=2, lr=0.02, bfloat16=True, progress=False
    )
    assert result.best_dev_accuracy == 1.0
    assert {p.dtype for p in result.model.parameters()} == {torch.float32}


def test_automatic_precision_is_bfloat16_only_for_the_lstm(toy, monkeypatch):
    # on a CPU, only PyTorch's LSTM has fused bfloat16 kernels; a GRU or RNN gets slower
    used = {}
    monkeypatch.setattr(training, "native_bfloat16", lambda device: True)
    for kind in ("lstm", "gru", "rnn"):
        chosen = []
        monkeypatch.setattr(
            training,
            "mixed_precision",
            lambda device, bfloat16, chosen=chosen: chosen.append(bfloat16) or nullcontext(),
        )
        config = dataclasses.replace(SMALL, rnn=kind)
        train(toy, toy, config=config, epochs=1, batch_size=3, bfloat16=None, progress=False)
        used[kind] = set(chosen)
    assert used == {"lstm": {True}, "gru": {False}, "rnn": {False}}


def test_training_is_float32_unless_asked_even_where_bfloat16_is_native(toy, monkeypatch):
    # the same call must train the same model on every CPU: no precision chosen by hardware
    monkeypatch.setattr(training, "native_bfloat16", lambda device: True)
    chosen = []
    monkeypatch.setattr(
        training,
        "mixed_precision",
        lambda device, bfloat16: chosen.append(bfloat16) or nullcontext(),
    )
    train(toy, toy, config=SMALL, epochs=1, batch_size=3, progress=False)
    assert chosen and set(chosen) == {False}


def test_native_bfloat16_is_only_ever_claimed_for_a_cpu():
    assert native_bfloat16("meta") is False
    assert isinstance(native_bfloat16("cpu"), bool)


def test_a_sentence_gets_the_same_scores_alone_and_in_a_padded_batch(model, toy):
    words = [s.words for s in toy]
    with torch.no_grad():
        together = model(model.encode(words))
        for i, sentence in enumerate(words):
            alone = model(model.encode([sentence]))[0]
            torch.testing.assert_close(together[i, : len(sentence)], alone, atol=1e-5, rtol=0)


def test_padding_does_not_count_in_the_loss(model, toy):
    short, long = toy[-1], toy[2]
    with torch.no_grad():
        both = model.loss(model.encode([short.words, long.words], [short.tags, long.tags]))
        a = model.loss(model.encode([short.words], [short.tags]))
        b = model.loss(model.encode([long.words], [long.tags]))
    expected = (a * len(short) + b * len(long)) / (len(short) + len(long))
    torch.testing.assert_close(both, expected)


def test_predict_returns_tags_in_the_order_given_whatever_the_lengths(model, toy):
    # predict() groups sentences by length internally; the answer must not show it
    sentences = [s.words for s in toy] + [s.words[:2] for s in toy] + [toy[0].words[:1]]
    alone = [model.predict([s])[0] for s in sentences]
    assert model.predict(sentences, batch_size=2) == alone
    assert [len(tags) for tags in alone] == [len(s) for s in sentences]


def test_no_state_is_kept_between_calls(model, toy):
    batch = model.encode([toy[0].words])
    with torch.no_grad():
        first, second = model(batch), model(batch)
    assert torch.equal(first, second)
    tensors = {k for k, v in vars(model).items() if isinstance(v, torch.Tensor)}
    assert not tensors, f"tensors stored on the module: {tensors}"


def test_unseen_words_are_tagged_without_error(model):
    assert len(model.predict([["Zyxt", "qwerty", "."]])[0]) == 3
    assert [w for w, _ in model.tag("The zyxt didn't sleep.")] == [
        "The",
        "zyxt",
        "did",
        "n't",
        "sleep",
        ".",
    ]


@settings(max_examples=40, deadline=None)
@given(indices=st.lists(st.integers(0, 5), min_size=1, max_size=8), chars=st.booleans())
@example(indices=[1, 3], chars=True)  # one length: the rows are stacked
@example(indices=[0, 1, 5], chars=True)  # mixed lengths: the rows are padded
def test_a_batch_of_the_encoded_corpus_is_what_encode_makes(indices, chars):
    # training encodes the corpus once and takes batches from it: the model must not see a
    # difference, whatever the sentences, their lengths (mixed or equal) or repetitions
    toy = [TaggedSentence(tuple(text.split()), tuple(tags.split())) for text, tags in TOY]
    config = SMALL if chars else dataclasses.replace(SMALL, char_dim=0)
    torch.manual_seed(0)
    model = LSTMTagger(config, TaggerVocabs.build(toy, config)).eval()
    corpus = model.encode_corpus([s.words for s in toy], [s.tags for s in toy])
    fast = corpus.batch(indices)
    slow = model.encode([toy[i].words for i in indices], [toy[i].tags for i in indices])
    for name in ("words", "tags", "lengths"):
        assert torch.equal(getattr(fast, name), getattr(slow, name)), name
    assert (fast.chars is None) == (not chars)
    with torch.no_grad():
        assert torch.equal(model(fast), model(slow))
        assert torch.equal(model.loss(fast), model.loss(slow))


def test_the_encoded_corpus_refuses_bad_indices_and_bad_input(model, toy):
    corpus = model.encode_corpus([s.words for s in toy], [s.tags for s in toy])
    assert len(corpus) == len(toy)
    with pytest.raises(ValueError, match="at least one sentence"):
        corpus.batch([])
    for bad in (len(toy), -1):
        with pytest.raises(IndexError, match=f"no sentence {bad}: the corpus has 6 sentences"):
            corpus.batch([0, bad])
    with pytest.raises(ValueError, match="has 4 words but 3 tags"):
        model.encode_corpus([toy[0].words], [toy[0].tags[:3]])


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_dropout_keeps_one_minus_p_of_the_values_and_scales_them(dtype):
    torch.manual_seed(0)
    p = 0.33
    dropout = Dropout(p)
    x = (torch.rand(200, 1000) + 0.5).to(dtype).requires_grad_()
    y = dropout(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - (1 - p)) < 0.005  # 200,000 draws: sd 0.001
    scaled = x.detach().float() / (1 - p)
    torch.testing.assert_close(y[kept], scaled[kept], rtol=1e-6, atol=0)
    y.sum().backward()  # the gradient flows through the kept values only, scaled the same
    torch.testing.assert_close(x.grad.float(), kept.float() / (1 - p), rtol=1e-2, atol=0)
    dropout.eval()
    assert dropout(x) is x
    assert Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        Dropout(1.0)


def test_fused_adam_makes_the_ordinary_adam_step(model, toy):
    # make_optimizer takes Adam's fused implementation where PyTorch has it: same arithmetic
    batch = model.encode([s.words for s in toy], [s.tags for s in toy])
    twins = [copy.deepcopy(model) for _ in range(2)]
    fused = make_optimizer(twins[0], lr=0.01)
    plain = torch.optim.Adam(twins[1].parameters(), lr=0.01, betas=(0.9, 0.9))
    assert fused.defaults["betas"] == (0.9, 0.9)
    for twin, optimizer in zip(twins, (fused, plain), strict=True):
        for _ in range(3):
            optimizer.zero_grad()
            twin.loss(batch).backward()
            optimizer.step()
    for a, b in zip(twins[0].parameters(), twins[1].parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    ("words", "tags", "error", "message"),
    [
        (["The cat"], None, TypeError, "is a string; give a list of words"),
        ([["The", "cat"]], [["DET"]], ValueError, "has 2 words but 1 tags"),
        ([["The"]], [["DET"], ["NOUN"]], ValueError, "1 sentences but 2 tag sequences"),
        ([["The"]], [["NOUNISH"]], KeyError, "unknown token 'NOUNISH'"),
        ([[]], None, ValueError, "is empty"),
        ([], None, ValueError, "nothing to tag"),
    ],
)
def test_bad_input_is_refused_clearly(model, words, tags, error, message):
    with pytest.raises(error, match=message):
        model.encode(words, tags)


def test_checkpoint_round_trip_keeps_predictions(model, toy, tmp_path):
    path = tmp_path / "tagger.pt"
    model.save(path)
    loaded = LSTMTagger.load(path)
    assert loaded.config == model.config
    assert loaded.vocabs.words == model.vocabs.words and loaded.vocabs.tags == model.vocabs.tags
    words = [s.words for s in toy]
    assert loaded.predict(words) == model.predict(words)


def test_a_checkpoint_made_while_taggers_had_word_dropout_still_loads(model, toy, tmp_path):
    path = tmp_path / "tagger.pt"
    model.save(path)
    payload = torch.load(path, weights_only=True)
    payload["config"]["word_dropout"] = 0.0  # what TaggerConfig saved until it lost the option
    torch.save(payload, path)
    assert LSTMTagger.load(path).config == model.config
    payload["config"]["word_dropout"] = 0.25  # one that was used: not the same model now
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="word_dropout"):
        LSTMTagger.load(path)


def test_checkpoints_of_the_wrong_kind_are_refused(tmp_path):
    plain = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(2)}, plain)
    with pytest.raises(CheckpointError, match="not a tagger checkpoint"):
        LSTMTagger.load(plain)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match="not a readable tagger checkpoint"):
        LSTMTagger.load(garbage)
    with pytest.raises(FileNotFoundError):
        LSTMTagger.load(tmp_path / "missing.pt")


class _Exploit:
    def __reduce__(self):
        return (open, (str(_Exploit.marker), "w"))


def test_loading_never_runs_pickled_code(tmp_path):
    _Exploit.marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "lstm_course.tagger", "payload": _Exploit()}, evil)
    with pytest.raises(CheckpointError):
        LSTMTagger.load(evil)
    assert not _Exploit.marker.exists()


def test_an_interrupted_save_leaves_the_old_checkpoint(model, tmp_path, monkeypatch):
    folder = tmp_path / "models"
    path = folder / "tagger.pt"
    model.save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tagger_module.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["tagger.pt"]


def test_notes_tagger_takes_one_sentence_or_an_equal_length_batch():
    torch.manual_seed(0)
    notes = NotesLSTMTagger(embedding_dim=6, hidden_dim=6, vocab_size=10, tagset_size=3)
    sentences = torch.tensor([[1, 2, 3], [4, 5, 6]])
    with torch.no_grad():
        batched = notes(sentences)
        assert batched.shape == (2, 3, 3)
        torch.testing.assert_close(batched[1], notes(sentences[1]))
        torch.testing.assert_close(batched.exp().sum(-1), torch.ones(2, 3))
    with pytest.raises(IndexError, match=r"0\.\.9"):
        notes(torch.tensor([1, 12]))
    with pytest.raises(ValueError, match="LongTensor"):
        notes(torch.tensor([1.0, 2.0]))


# --------------------------------------------------------------------------- command line
def test_cli_train_evaluate_tag(toy_conllu, tmp_path, capsys):
    out = tmp_path / "model.pt"
    assert (
        main(
            [
                "train",
                "--train",
                str(toy_conllu),
                "--dev",
                str(toy_conllu),
                "--out",
                str(out),
                "--epochs",
                "2",
                "--minutes",
                "1",
            ]
        )
        == 0
    )
    assert "best dev accuracy" in capsys.readouterr().out
    assert main(["evaluate", str(out), str(toy_conllu)]) == 0
    assert capsys.readouterr().out.startswith("UPOS accuracy: ")
    assert main(["tag", str(out), "The dog sleeps."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["The", "dog", "sleeps", "."]


def test_cli_errors_are_one_line_and_exit_non_zero(toy_conllu, tmp_path, capsys):
    broken = tmp_path / "broken.conllu"
    broken.write_text("1\tThe\tthe\tDET\n", encoding="utf-8")
    not_a_model = tmp_path / "x.pt"
    torch.save([1, 2, 3], not_a_model)
    cases = [
        (["evaluate", str(tmp_path / "none.pt"), str(toy_conllu)], "no checkpoint at"),
        (
            [
                "train",
                "--train",
                str(broken),
                "--dev",
                str(toy_conllu),
                "--out",
                str(tmp_path / "m"),
                "--epochs",
                "1",
            ],
            "broken.conllu, line 1: expected 10",
        ),
        (["tag", str(not_a_model), "hello"], "not a tagger checkpoint"),
        (
            ["train", "--train", str(tmp_path / "nope"), "--dev", str(toy_conllu), "--out", "m"],
            "no such file",
        ),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and message in err and "\n" not in err


def test_the_module_runs_as_a_command():
    done = subprocess.run(
        [sys.executable, "-m", "lstm_course.tagger", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "train" in done.stdout and "evaluate" in done.stdout
    assert done.stdout.startswith("usage: python -m lstm_course.tagger ")


def test_the_lstm_tagger_command_is_the_same_program():
    """pyproject.toml installs ``lstm-tagger`` as the command line's ``main``."""
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    scripts = pyproject.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    (target,) = re.findall(r'^lstm-tagger = "([\w.]+):(\w+)"$', scripts, flags=re.MULTILINE)
    module, name = target
    assert getattr(importlib.import_module(module), name) is main


def test_training_is_reproducible_bit_for_bit(ewt_dir):
    """Same seed, same losses: the stored notebook outputs depend on it (nbval)."""
    from lstm_course.data import load_ud_english_ewt

    sentences = load_ud_english_ewt("train", ewt_dir)[:600]
    config = TaggerConfig(word_dim=32, hidden_dim=32, num_layers=1, char_dim=16, char_filters=32)
    runs = [
        train(sentences, sentences[:100], config=config, epochs=1, lr=0.02, progress=False)
        for _ in range(2)
    ]
    assert runs[0].history[0].train_loss == runs[1].history[0].train_loss


@pytest.mark.parametrize(
    "budget", [{}, {"minutes": 0}, {"epochs": 0}, {"minutes": -1, "epochs": 3}]
)
def test_training_needs_a_positive_budget(toy, budget):
    with pytest.raises(ValueError, match="minutes"):
        train(toy, toy, config=SMALL, progress=False, **budget)
