"""The exercises' checks accept right answers, reject wrong ones, and wait for blank ones."""

import math

import pytest
import torch

from lstm_course import exercises as ex


def _lstm_step(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _wrong_gate_order(x, h, c, weight_ih, weight_hh, bias):
    f, i, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _step_by_step(lstm, x):
    outputs, state = [], None
    for x_t in x:
        out, state = lstm(x_t.unsqueeze(0), state)
        outputs.append(out[0])
    return torch.stack(outputs)


def _initial_state_every_step(lstm, x):
    return torch.cat([lstm(x_t.unsqueeze(0))[0] for x_t in x])


def _pad_batch(seqs, pad_index):
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.full((len(seqs), int(lengths.max())), pad_index, dtype=torch.long)
    for row, s in enumerate(seqs):
        padded[row, : len(s)] = torch.tensor(s)
    return padded, lengths


CASES = [
    (ex.check_lstm_step, _lstm_step, _wrong_gate_order),
    (ex.check_memory_after_steps, 0.9**10, 9.0),
    (ex.check_forget_bias, math.log(99), 0.99),
    (
        ex.check_lstm_shapes,
        {"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
        {"output": (4, 7, 40), "h_n": (4, 6, 20), "c_n": (6, 4, 20)},
    ),
    (ex.check_step_by_step, _step_by_step, _initial_state_every_step),
    (
        ex.check_last_layer_states,
        lambda h_n: torch.cat([h_n[-2], h_n[-1]], dim=1),
        lambda h_n: torch.cat([h_n[0], h_n[1]], 1),
    ),
    (
        ex.check_encode_with_unk,
        lambda words, w2i, unk: [w2i.get(w, unk) for w in words],
        lambda words, w2i, unk: [w2i.setdefault(w, len(w2i)) for w in words],
    ),
    (ex.check_vocab_size, 3, 1),
    (ex.check_pad_batch, _pad_batch, lambda seqs, pad: _pad_batch(seqs, 0)),
]


@pytest.mark.parametrize(("check", "right", "wrong"), CASES, ids=[c[0].__name__ for c in CASES])
def test_check_accepts_right_rejects_wrong_and_waits_for_blank(check, right, wrong, capsys):
    assert check(right) is None  # nothing for a notebook to echo after the verdict
    assert capsys.readouterr().out.startswith("✅ Correct!")
    check(wrong)
    assert capsys.readouterr().out.startswith("❌ Not yet:")
    check(...)
    assert capsys.readouterr().out.startswith("✏️ Your turn")


def test_a_crashing_answer_is_reported_not_raised(capsys):
    def crashes(*args):
        raise RuntimeError("boom")

    ex.check_lstm_step(crashes)
    assert capsys.readouterr().out.startswith("❌ Not yet: your function raised RuntimeError: boom")


def test_checks_leave_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_lstm_step(_lstm_step)
    ex.check_step_by_step(_step_by_step)
    ex.check_lstm_shapes({"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)})
    assert torch.equal(torch.rand(3), expected)


def _masked_accuracy(scores, tags):
    real = tags != -100
    return ((scores.argmax(-1) == tags) & real).sum().item() / real.sum().item()


def _decode(scores, lengths, tag_vocab):
    best = scores.argmax(-1)
    return [tag_vocab.decode(best[i, :n]) for i, n in enumerate(lengths.tolist())]


LESSON4 = [
    (
        ex.check_masked_accuracy,
        _masked_accuracy,
        lambda s, t: (s.argmax(-1) == t).float().mean().item(),
    ),
    (
        ex.check_unknown_rate,
        lambda sents, v: sum(w not in v for s in sents for w in s) / sum(len(s) for s in sents),
        lambda sents, v: len({w for s in sents for w in s if w not in v}) / 5,
    ),
    (
        ex.check_decode_predictions,
        _decode,
        lambda scores, lengths, v: [v.decode(row) for row in scores.argmax(-1)],
    ),
]


@pytest.mark.parametrize(("check", "right", "wrong"), LESSON4, ids=[c[0].__name__ for c in LESSON4])
def test_lesson4_checks(check, right, wrong, capsys):
    test_check_accepts_right_rejects_wrong_and_waits_for_blank(check, right, wrong, capsys)


def _gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, n_h = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    return z * h + (1 - z) * torch.tanh(n_i + r * n_h)


def _paper_gru_step(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + bias_hh[2 * hidden :]
    return z * h + (1 - z) * torch.tanh(n_i + n_h)


def _parameters(kind, n_in, n_hid):
    return {"rnn": 1, "gru": 3, "lstm": 4}[kind] * (n_hid * n_in + n_hid * n_hid + 2 * n_hid)


def _forget_bias_one(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = 1.0
            elif name.startswith("bias_hh"):
                p[h : 2 * h] = 0.0


def _forget_bias_first_layer_only(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[h : 2 * h] = 1.0
        lstm.bias_hh_l0[h : 2 * h] = 0.0


LESSON5 = [
    (ex.check_gru_step, _gru_step, _paper_gru_step),
    (ex.check_parameter_count, _parameters, lambda kind, i, h: _parameters(kind, i, h) - h),
    (ex.check_set_forget_bias, _forget_bias_one, _forget_bias_first_layer_only),
]


@pytest.mark.parametrize(("check", "right", "wrong"), LESSON5, ids=[c[0].__name__ for c in LESSON5])
def test_lesson5_checks(check, right, wrong, capsys):
    test_check_accepts_right_rejects_wrong_and_waits_for_blank(check, right, wrong, capsys)


def test_forget_bias_check_catches_a_change_elsewhere(capsys):
    def also_zeroes_input_gate(lstm):
        _forget_bias_one(lstm)
        with torch.no_grad():
            lstm.bias_ih_l0[: lstm.hidden_size] = 0.0

    ex.check_set_forget_bias(also_zeroes_input_gate)
    assert "bias_ih_l0 changed outside" in capsys.readouterr().out
