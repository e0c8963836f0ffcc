"""The character model of lesson 6: text, features, tracing, checkpoints."""

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course import charlm
from lstm_course.cells import LSTMCell, trace


@pytest.fixture(scope="module")
def vocab():
    return charlm.char_vocab()


def test_stdlib_is_found_and_split_by_whole_files():
    files = charlm.stdlib_files()
    assert len(files) > 50 and all(f.suffix == ".py" for f in files)
    train, held_out = charlm.split_files(files)
    assert set(train).isdisjoint(held_out) and set(train) | set(held_out) == set(files)
    assert len(held_out) == len(files) // 10 + (len(files) % 10 > 5)
    with pytest.raises(FileNotFoundError, match="standard library"):
        charlm.stdlib_files("/nonexistent")


def test_alphabet_is_fixed_and_unknown_characters_are_unk(vocab):
    assert len(vocab) == 98  # 97 printable characters (with \n, \t, space) and <unk>
    ids = charlm.encode_text("a\né", vocab)
    assert vocab.decode(ids.tolist()) == ["a", "\n", "<unk>"]


def test_features_of_a_line():
    line = 'f(x, "a # b")  # c\n  y = [1,\n'
    f = charlm.code_features(line)
    assert set(f) == set(charlm.FEATURES)
    assert all(v.shape == (len(line),) for v in f.values())
    quote, hash_in_string, comment = line.index('"'), line.index("#"), line.index("# c")
    assert f["in string"][quote] == 1 and f["in string"][hash_in_string] == 1
    assert f["in comment"][hash_in_string] == 0 and f["in comment"][comment] == 1
    assert f["in string"][:quote].sum() == 0 and f["in comment"][:comment].sum() == 0
    assert f["bracket depth"][line.index("x")] == 1 and f["bracket depth"][line.index("  #")] == 0
    assert f["bracket depth"][-1] == 1  # the [ is still open
    second = line.index("\n") + 1
    assert f["position in line"][second] == 0 and f["position in line"][second - 1] == len(
        'f(x, "a # b")  # c'
    )
    assert f["indentation"][second + 3] == 0.5 and f["indentation"][0] == 0


def test_features_survive_a_snippet_cut_mid_string():
    f = charlm.code_features('x = (1, "unfinished')
    assert len(f["in string"]) == len('x = (1, "unfinished')


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="ab \n", max_size=60))
def test_position_in_line_restarts_after_every_newline(text):
    position = charlm.code_features(text)["position in line"]
    column = 0
    for ch, p in zip(text, position, strict=True):
        assert p == column
        column = 0 if ch == "\n" else column + 1


def test_correlations_find_a_planted_unit():
    rng = np.random.default_rng(0)
    feature = rng.normal(size=500)
    states = rng.normal(size=(500, 8))
    states[:, 3] = -feature
    states[:, 5] = 1.0  # never changes: r is 0, not nan
    r = charlm.correlations(torch.tensor(states), {"f": feature})["f"]
    assert r[3] == pytest.approx(-1.0) and r[5] == 0.0 and np.abs(r).argmax() == 3
    with pytest.raises(ValueError, match="4 values for 500 steps"):
        charlm.correlations(states, {"f": feature[:4]})


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


def test_bits_per_character_of_chunks_equals_one_pass(vocab):
    torch.manual_seed(0)
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    ids = charlm.encode_text("import os\nprint(os.sep)\n" * 20, vocab)
    whole = charlm.bits_per_character(model, ids, chunk=10_000)
    assert charlm.bits_per_character(model, ids, chunk=7) == pytest.approx(whole, rel=1e-5)
    assert 5 < whole < 8  # untrained: about log2(98) = 6.6


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
    assert {"steps", "seed", "python", "held_out_files", "held_out_bpc"} <= set(model.info)
    assert model.head.weight.dtype == torch.float32
    assert model.info["held_out_bpc"] < 2.5


def test_bad_input_is_refused_clearly(vocab):
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=8, hidden_size=16))
    with pytest.raises(ValueError, match=r"LongTensor \(batch, time\)"):
        model(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="at least one character"):
        model.trace("")
    with pytest.raises(ValueError, match="temperature"):
        charlm.sample(model, "x", temperature=0)
