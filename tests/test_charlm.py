"""The character model of lesson 6: text, features, tracing, checkpoints."""

import math
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import needs_bfloat16
from lstm_course import charlm, corpus
from lstm_course.cells import LSTMCell, trace


@pytest.fixture(scope="module")
def vocab():
    return charlm.char_vocab()


def test_alphabet_is_fixed_and_unknown_characters_are_unk(vocab):
    assert len(vocab) == 98  # 97 printable characters (with \n, \t, space) and <unk>
    ids = charlm.encode_text("a\né", vocab)
    assert vocab.decode(ids.tolist()) == ["a", "\n", "<unk>"]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=80))
def test_fast_encoding_is_the_vocabulary_lookup(vocab, text):
    # the lookup table by code point gives what Vocab.encode gives, for any text
    assert charlm.encode_text(text, vocab).tolist() == vocab.encode(list(text))


def test_fast_trace_equals_the_step_by_step_cell(vocab):
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    text = 'def f(x):\n    return "x"  # y\n'
    fast = model.trace(text)
    with torch.no_grad():
        slow = trace(
            LSTMCell.from_torch(model.lstm), model.embedding(charlm.encode_text(text, vocab))
        )
    torch.testing.assert_close(fast.h, slow.h, atol=1e-6, rtol=0)
    torch.testing.assert_close(fast.c, slow.c, atol=1e-6, rtol=0)
    torch.testing.assert_close(fast.gates.forget, slow.gates.forget, atol=1e-6, rtol=0)
    torch.testing.assert_close(fast.h, fast.gates.use * torch.tanh(fast.c), atol=1e-6, rtol=0)


@pytest.mark.parametrize("chunk", [1, 7, 30])
def test_a_trace_read_in_chunks_equals_one_read_whole(vocab, chunk):
    # a GPU refuses one nn.LSTM call on a very long text; chunks carry the memories across
    torch.manual_seed(1)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    text = 'class A:\n    """doc"""\n    def f(self, x=(1, 2)):\n        return x  # ok\n'
    whole, chunked = model.trace(text, chunk=len(text)), model.trace(text, chunk=chunk)
    for a, b in [
        (whole.h, chunked.h),
        (whole.c, chunked.c),
        *zip(whole.gates, chunked.gates, strict=True),
    ]:
        assert a.shape == (len(text), 16) and a.device.type == "cpu"
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="chunk must be at least 1"):
        model.trace(text, chunk=0)


def test_bits_per_character_of_chunks_equals_one_pass(vocab):
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    ids = charlm.encode_text("import os\nprint(os.sep)\n" * 20, vocab)
    whole = charlm.bits_per_character(model, ids, chunk=10_000)
    assert charlm.bits_per_character(model, ids, chunk=7) == pytest.approx(whole, rel=1e-5)
    assert 5 < whole < 8  # untrained: about log2(98) = 6.6


def test_surprise_per_character_is_each_characters_bits(vocab):
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    ids = charlm.encode_text("x = (1, 2)\n" * 30, vocab)
    bits = charlm.surprise_per_character(model, ids, chunk=13)
    assert bits.shape == (len(ids) - 1,) and bits.dtype == torch.float64
    with torch.no_grad():  # one pass, by hand: -log2 p of each next character
        logits, _ = model(ids[None, :-1])
        want = -torch.log_softmax(logits[0].double(), -1)[torch.arange(len(ids) - 1), ids[1:]]
    torch.testing.assert_close(bits, want / math.log(2), atol=1e-4, rtol=1e-5)
    assert charlm.bits_per_character(model, ids) == pytest.approx(bits.mean().item(), rel=1e-5)
    with pytest.raises(ValueError, match="at least two characters"):
        charlm.surprise_per_character(model, ids[:1])


def test_training_lowers_the_loss_and_is_reproducible(vocab):
    ids = charlm.encode_text("for i in range(10):\n    print(i)\n" * 50, vocab)

    def run():
        torch.manual_seed(0)
        model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=32))
        losses = charlm.train_char_lm(
            model, ids, steps=80, seq_len=32, batch_size=16, progress=False
        )
        return model, losses

    (model, losses), (_, again) = run(), run()
    assert losses == again
    assert sum(losses[-10:]) / 10 < 0.7 * sum(losses[:10]) / 10
    assert charlm.sample(model, "for", length=20, seed=3) == charlm.sample(
        model, "for", length=20, seed=3
    )
    with pytest.raises(ValueError, match="too short for 64 streams"):
        charlm.train_char_lm(model, ids[:10], steps=1, seq_len=32)


@needs_bfloat16
def test_mixed_precision_training_learns_and_keeps_float32_weights(vocab):
    ids = charlm.encode_text("for i in range(10):\n    print(i)\n" * 50, vocab)
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=32))
    losses = charlm.train_char_lm(
        model, ids, steps=80, seq_len=32, batch_size=16, bfloat16=True, progress=False
    )
    assert all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-10:]) / 10 < 0.7 * sum(losses[:10]) / 10
    # only the products ran in bfloat16: what is kept, and what is evaluated, is float32
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert charlm.bits_per_character(model, ids) < 0.7 * losses[0]


# the planted pickle below is written with Python's protocol, which torch warns about
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_checkpoint_round_trip_and_refusals(vocab, tmp_path):
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    path = tmp_path / "m.pt"
    model.save(path, steps=3, python="3.11")
    loaded = charlm.CharLM.load(path)
    assert loaded.info == {"steps": 3, "python": "3.11"}
    ids = torch.tensor([[1, 2, 3]])
    torch.testing.assert_close(loaded(ids)[0], model(ids)[0])
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(print))
    with pytest.raises(ValueError, match=r"not a readable lstm_course\.charlm checkpoint"):
        charlm.CharLM.load(tmp_path / "evil.pt")
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"not a lstm_course\.charlm checkpoint"):
        charlm.CharLM.load(tmp_path / "other.pt")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"not a readable lstm_course\.charlm checkpoint"):
        charlm.CharLM.load(path)


def test_the_shipped_checkpoint_loads_safely_and_says_how_it_was_made():
    model = charlm.CharLM.load(charlm.SHIPPED_CHECKPOINT)
    made_with = {"steps", "batch_size", "seq_len", "seed", "seconds", "device", "python", "torch"}
    assert made_with | {"train_files", "held_out_files", "held_out_bpc"} <= set(model.info)
    assert model.head.weight.dtype == torch.float32
    assert set(model.info["train_files"]).isdisjoint(model.info["held_out_files"])
    # the split it records is the course's rule, so any Python can tell which files it saw
    assert all(corpus.is_held_out(f) for f in model.info["held_out_files"])
    assert not any(corpus.is_held_out(f) for f in model.info["train_files"])
    # it has learned Python (a uniform guess is 6.6 bits), and rounding to float16 cost nothing
    assert model.info["held_out_bpc"] < 2.0
    assert abs(model.info["held_out_bpc"] - model.info["held_out_bpc_float32"]) < 0.01
    # stored in float16: two bytes a weight, plus the file lists and the zip's headers
    n_weights = sum(p.numel() for p in model.parameters())
    assert charlm.SHIPPED_CHECKPOINT.stat().st_size < 2 * n_weights + 200_000


def test_bad_input_is_refused_clearly(vocab):
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    with pytest.raises(ValueError, match=r"LongTensor \(batch, time\)"):
        model(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="at least one character"):
        model.trace("")
    with pytest.raises(ValueError, match="temperature"):
        charlm.sample(model, "x", temperature=0)


def test_a_trace_too_long_for_memory_is_refused_before_any_work(vocab, monkeypatch):
    # h, c and four gates per character: 50,000 characters of the shipped model took 1.7 GiB
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=4, hidden_size=8))
    per_character = 6 * 8 * 4
    monkeypatch.setattr(charlm, "TRACE_MAX_BYTES", 100 * per_character)
    assert model.trace("x" * 100).c.shape == (100, 8)
    with pytest.raises(ValueError, match=r"101 characters would take .* at most 100 characters"):
        model.trace("x" * 101)
    # the real limit, for the shipped model's 512 units: about 87,000 characters, not millions
    monkeypatch.undo()
    big = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=4, hidden_size=512))
    with pytest.raises(ValueError, match="at most 87,381 characters"):
        big.trace("x" * 1_000_000)


def test_sampling_refuses_bad_settings_and_survives_a_tiny_temperature(vocab):
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    for bad in ({"temperature": math.nan}, {"temperature": math.inf}, {"temperature": -1.0}):
        with pytest.raises(ValueError, match="temperature must be a finite number above 0"):
            charlm.sample(model, "x", **bad)
    with pytest.raises(ValueError, match="length must be a whole number"):
        charlm.sample(model, "x", length=-1)
    assert charlm.sample(model, "x", length=0) == "x"
    # a tiny temperature used to overflow the scores to NaN probabilities: it means "always
    # the most likely character"
    greedy = "x"
    with torch.no_grad():
        logits, state = model(charlm.encode_text("x", vocab)[None])
        for _ in range(20):
            index = int(logits[0, -1].argmax())
            greedy += vocab.decode([index])[0]
            logits, state = model(torch.tensor([[index]]), state)
    assert charlm.sample(model, "x", length=20, temperature=1e-30) == greedy


def test_bits_per_file_split_the_surprise_by_file():
    torch.manual_seed(0)
    model = charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(hidden_size=8))
    pieces = ["def f(x):\n", "    return x\n", "y"]
    per_file = charlm.bits_per_file(model, pieces)
    bits = charlm.surprise_per_character(model, charlm.encode_text("".join(pieces), model.vocab))
    assert per_file[:, 1].tolist() == [9, 13, 1]  # the first character is not predicted
    assert per_file[:, 0].sum() == pytest.approx(bits.sum().item())
    assert per_file[2, 0] == pytest.approx(bits[-1].item())


def test_bits_with_units_zeroed_untouched_row_is_the_models_surprise():
    torch.manual_seed(0)
    model = charlm.CharLM(charlm.char_vocab(), charlm.CharLMConfig(hidden_size=8))
    text = "print('hi')  # x\n"
    bits, predicted = charlm.bits_with_units_zeroed(model, text, [[], [3], list(range(8))])
    want = charlm.surprise_per_character(model, charlm.encode_text(text, model.vocab))
    assert bits.shape == (3, len(text) - 1) and len(predicted) == len(text) - 1
    torch.testing.assert_close(bits[0].double(), want, atol=1e-4, rtol=0)
    assert not torch.allclose(bits[1], bits[0])  # zeroing a unit changes the predictions
    with pytest.raises(ValueError):
        charlm.bits_with_units_zeroed(model, text, [[8]])
