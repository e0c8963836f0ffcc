"""Every exercise check accepts right answers however they are written, rejects the wrong
answers a learner is likely to write, waits for a blank one, and never crashes."""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pad_sequence

from lstm_course import exercises as ex
from lstm_course.adding import SequenceRegressor, evaluate_mse, train_adding


# --------------------------------------------------------------------------- lesson 1
def _lstm_step(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _lstm_step_gate_by_gate(x, h, c, weight_ih, weight_hh, bias):
    hidden = h.shape[1]

    def block(k):
        rows = slice(k * hidden, (k + 1) * hidden)
        return torch.nn.functional.linear(x, weight_ih[rows]) + h @ weight_hh[rows].T + bias[rows]

    ignore, forget, use = (torch.sigmoid(block(k)) for k in (0, 1, 3))
    c_new = forget * c + ignore * torch.tanh(block(2))
    return use * torch.tanh(c_new), c_new


def _wrong_gate_order(x, h, c, weight_ih, weight_hh, bias):
    f, i, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _notes_use_gate(x, h, c, weight_ih, weight_hh, bias):
    # the notes' use gate: tanh of the forget gate's output, not of the new memory
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    kept = torch.sigmoid(f) * c
    return torch.sigmoid(o) * torch.tanh(kept), kept + torch.sigmoid(i) * torch.tanh(g)


def _no_tanh_on_memory(x, h, c, weight_ih, weight_hh, bias):
    i, f, g, o = (x @ weight_ih.T + h @ weight_hh.T + bias).chunk(4, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c, c


# --------------------------------------------------------------------------- lesson 2
def _step_by_step(lstm, x):
    outputs, state = [], None
    for x_t in x:
        out, state = lstm(x_t.unsqueeze(0), state)
        outputs.append(out[0])
    return torch.stack(outputs)


def _step_by_step_slices(lstm, x):
    batch = x.shape[1]
    h = torch.zeros(1, batch, lstm.hidden_size, dtype=x.dtype)
    state, outputs = (h, h.clone()), []
    for t in range(len(x)):
        out, state = lstm(x[t : t + 1], state)
        outputs.append(out)
    return torch.cat(outputs)


def _initial_state_every_step(lstm, x):
    return torch.cat([lstm(x_t.unsqueeze(0))[0] for x_t in x])


def _all_at_once(lstm, x):
    return lstm(x)[0]


def _unbatched_steps(lstm, x):  # x[t] is (batch, input): the LSTM reads the batch as time
    state, outputs = None, []
    for x_t in x:
        out, state = lstm(x_t, state)
        outputs.append(out)
    return torch.stack(outputs)


def _last_layer_by_view(h_n):
    layers_directions, batch, hidden = h_n.shape
    last = h_n.view(layers_directions // 2, 2, batch, hidden)[-1]
    return torch.cat([last[0], last[1]], dim=-1)


# --------------------------------------------------------------------------- lesson 3
def _pad_batch(seqs, pad_index):
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.full((len(seqs), int(lengths.max())), pad_index, dtype=torch.long)
    for row, s in enumerate(seqs):
        padded[row, : len(s)] = torch.tensor(s)
    return padded, lengths


def _pad_batch_with_torch(seqs, pad_index):
    tensors = [torch.tensor(s, dtype=torch.long) for s in seqs]
    padded = pad_sequence(tensors, batch_first=True, padding_value=pad_index)
    return padded, torch.tensor([len(s) for s in seqs], dtype=torch.long)


def _pad_batch_refuses_other_pads(seqs, pad_index):
    if pad_index != 0:
        raise ValueError("only 0 is supported")
    return _pad_batch(seqs, 0)


def _encode_with_setdefault(words, w2i, unk):
    return [w2i.setdefault(w, unk) for w in words]


# --------------------------------------------------------------------------- lesson 4
def _masked_accuracy(scores, tags):
    real = tags != -100
    return ((scores.argmax(-1) == tags) & real).sum().item() / real.sum().item()


def _masked_accuracy_by_indexing(scores, tags):
    mask = tags.ne(-100)
    return (scores.argmax(dim=-1)[mask] == tags[mask]).float().mean()


def _decode(scores, lengths, tag_vocab):
    best = scores.argmax(-1)
    return [tag_vocab.decode(best[i, :n]) for i, n in enumerate(lengths.tolist())]


def _decode_by_loops(scores, lengths, tag_vocab):
    result = []
    for row, n in zip(scores, lengths, strict=True):
        result.append([tag_vocab.tokens[int(s.argmax())] for s in row[: int(n)]])
    return result


def _alone_in_batch(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    inside = model(model.encode(sentences))[i, : len(sentences[i])]
    return bool((alone - inside).abs().max() < 1e-9)


def _alone_in_batch_by_allclose(model, sentences, i):
    with torch.no_grad():
        alone = model(model.encode(sentences[i : i + 1]))
        batch = model(model.encode(sentences))
    return torch.allclose(alone[0], batch[i, : alone.shape[1]], rtol=0, atol=1e-9)


def _alone_in_batch_bitwise(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    return torch.equal(alone, model(model.encode(sentences))[i, : len(sentences[i])])


def _alone_in_batch_whole_row(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    return bool((alone - model(model.encode(sentences))[i]).abs().max() < 1e-9)


# --------------------------------------------------------------------------- lesson 5
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


def _paper_gru_step_by_rows(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    rows = [slice(k * hidden, (k + 1) * hidden) for k in range(3)]

    def gate(k, memory):
        from_x = x @ weight_ih[rows[k]].T + bias_ih[rows[k]]
        return from_x + memory @ weight_hh[rows[k]].T + bias_hh[rows[k]]

    r, z = torch.sigmoid(gate(0, h)), torch.sigmoid(gate(1, h))
    n = torch.tanh(gate(2, r * h))  # the paper: U_n (r ⊙ h) + b_hn
    return h + (1 - z) * (n - h)


def _paper_gru_step_bias_reset(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    # r_t scales b_hn too: neither the paper's formula nor torch's
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + r * bias_hh[2 * hidden :]
    return z * h + (1 - z) * torch.tanh(n_i + n_h)


def _paper_gru_step_z_swapped(x, h, weight_ih, weight_hh, bias_ih, bias_hh):
    hidden = h.shape[1]
    r_i, z_i, n_i = (x @ weight_ih.T + bias_ih).chunk(3, dim=1)
    r_h, z_h, _ = (h @ weight_hh.T + bias_hh).chunk(3, dim=1)
    r, z = torch.sigmoid(r_i + r_h), torch.sigmoid(z_i + z_h)
    n_h = (r * h) @ weight_hh[2 * hidden :].T + bias_hh[2 * hidden :]
    return (1 - z) * h + z * torch.tanh(n_i + n_h)  # z_t taken as the share replaced


def _three_seeds(kind, length, steps):
    mses = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size=32)
        train_adding(model, length, steps=steps, seed=seed, progress=False)
        mses.append(evaluate_mse(model, length))
    return mses


def _seeds_torch_and_answers(kind, length, steps):
    torch.manual_seed(7)  # as a right answer does: the check must restore the lesson's stream
    return list(ex._adding_over_seeds(kind, length, steps))


def _three_seeds_weights_only(kind, length, steps):
    mses = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        model = SequenceRegressor(kind, hidden_size=32)
        train_adding(model, length, steps=steps, progress=False)  # the same problems each time
        mses.append(evaluate_mse(model, length))
    return mses


def _forget_bias_one(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = 1.0
            elif name.startswith("bias_hh"):
                p[h : 2 * h] = 0.0


def _forget_bias_split_between_both(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if "bias" in name:
                p[h : 2 * h].fill_(0.5)


def _forget_bias_first_layer_only(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[h : 2 * h] = 1.0
        lstm.bias_hh_l0[h : 2 * h] = 0.0


def _forget_bias_ih_only(lstm):  # forgets that torch adds bias_hh too
    h = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[h : 2 * h] = 1.0


# --------------------------------------------------------------------------- lesson 6
def _bpc(logits, targets):
    return torch.nn.functional.cross_entropy(logits, targets).item() / math.log(2)


def _bpc_by_hand(logits, targets):
    log_p = torch.log_softmax(logits, dim=-1)[torch.arange(len(targets)), targets]
    return -(log_p / math.log(2)).mean()  # a 0-d tensor


def _position(text):
    positions, column = [], 0
    for ch in text:
        positions.append(column)
        column = 0 if ch == "\n" else column + 1
    return positions


def _position_by_lines(text):
    return np.concatenate(
        [np.arange(len(line)) for line in text.splitlines(keepends=True)] or [np.zeros(0)]
    )


def _best_unit(states, feature):
    r = [
        np.corrcoef(states[:, u], feature)[0, 1] if states[:, u].std() > 0 else 0.0
        for u in range(states.shape[1])
    ]
    unit = int(np.argmax(np.abs(r)))
    return unit, r[unit]


def _best_unit_nan_for_a_constant_unit(states, feature):  # np.corrcoef gives 0/0 = NaN
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    unit = int(np.argmax(np.abs(r)))
    return unit, r[unit]


def _best_unit_nan_skipped_by_nanargmax(states, feature):  # right unit, but r is NaN-safe
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    return int(np.nanargmax(np.abs(r))), r[int(np.nanargmax(np.abs(r)))]


def _best_unit_largest_positive(states, feature):
    r = [np.corrcoef(states[:, u], feature)[0, 1] for u in range(states.shape[1])]
    return int(np.argmax(r)), max(r)


def _best_unit_abs_r(states, feature):
    unit, r = _best_unit(states, feature)
    return unit, abs(r)


def _split_in_time(n, n_val, n_test):
    weeks = list(range(n))
    return weeks[: n - n_val - n_test], weeks[n - n_val - n_test : n - n_test], weeks[n - n_test :]


def _split_shuffled(n, n_val, n_test):  # the tutorials' random split: same sizes, leaks
    weeks = np.random.default_rng(0).permutation(n)
    return weeks[: n - n_val - n_test], weeks[n - n_val - n_test : n - n_test], weeks[n - n_test :]


def _split_overlapping(n, n_val, n_test):  # validation repeats the last training weeks
    train, _, test = _split_in_time(n, n_val, n_test)
    return train, list(range(n - n_test - n_val - 1, n - n_test - 1)), test


def _seasonal_naive_loop(windows, horizon, season):
    last = windows.shape[1] - 1
    back = [season * ((h + season - 1) // season) for h in range(1, horizon + 1)]
    columns = [windows[:, last + h - b] for h, b in zip(range(1, horizon + 1), back, strict=True)]
    return np.stack(columns, axis=1)


def _seasonal_naive_no_wrap(windows, horizon, season):  # runs into the future beyond a season
    last = windows.shape[1] - 1
    return np.stack([windows[:, min(last + h - season, last)] for h in range(1, horizon + 1)], 1)


def _windows(series, window, horizon):
    starts = range(len(series) - window - horizon + 1)
    inputs = np.stack([series[s : s + window] for s in starts])
    return inputs, np.stack([series[s + window : s + window + horizon] for s in starts])


def _windows_as_tensors(series, window, horizon):
    inputs, targets = _windows(series, window, horizon)
    return torch.from_numpy(inputs), [list(row) for row in targets]


def _windows_target_overlaps(series, window, horizon):  # the first target is the last input
    starts = range(len(series) - window - horizon + 1)
    inputs = np.stack([series[s : s + window] for s in starts])
    return inputs, np.stack([series[s + window - 1 : s + window - 1 + horizon] for s in starts])


def _windows_one_short(series, window, horizon):  # forgets the last origin
    inputs, targets = _windows(series, window, horizon)
    return inputs[:-1], targets[:-1]


# For every check: answers that must pass, however written, and plausible wrong ones.
CASES = {
    ex.check_lstm_step: (
        [_lstm_step, _lstm_step_gate_by_gate],
        [_wrong_gate_order, _notes_use_gate, _no_tanh_on_memory, lambda *a: a[1]],
    ),
    ex.check_memory_after_steps: (
        [0.9**10, 0.35, 0.349, 0.3487, torch.tensor(0.9) ** 10, np.float32(0.9) ** 10],
        [9.0, 0.9, 0.1, 0.34, 1 - 0.9**10, 34.87, "0.35", True],
    ),
    ex.check_forget_bias: (
        [math.log(99), 4.595, torch.logit(torch.tensor(0.99)), np.log(0.99 / 0.01)],
        [0.99, 99, -math.log(99), math.log10(99), torch.tensor([4.595, 1.0]), "4.6", -1e6],
    ),
    ex.check_lstm_shapes: (
        [
            {"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": [4, 7, 40], "h_n": torch.Size([6, 4, 20]), "c_n": (6, 4, 20)},
        ],
        [
            {"output": (4, 7, 40), "h_n": (4, 6, 20), "c_n": (6, 4, 20)},
            {"output": (4, 7, 20), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": (7, 4, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": 40, "h_n": (6, 4, 20), "c_n": (6, 4, 20)},
            {"output": (4, 7, 40), "h_n": (6, 4, 20)},
            [(4, 7, 40), (6, 4, 20), (6, 4, 20)],
        ],
    ),
    ex.check_step_by_step: (
        [_step_by_step, _step_by_step_slices],
        [_all_at_once, _initial_state_every_step, _unbatched_steps],
    ),
    ex.check_last_layer_states: (
        [lambda h_n: torch.cat([h_n[-2], h_n[-1]], dim=1), _last_layer_by_view],
        [
            lambda h_n: torch.cat([h_n[0], h_n[1]], 1),  # the first layer
            lambda h_n: torch.cat([h_n[-1], h_n[-2]], 1),  # backward first
            lambda h_n: h_n[-1],
        ],
    ),
    ex.check_encode_with_unk: (
        [
            lambda words, w2i, unk: [w2i.get(w, unk) for w in words],
            lambda words, w2i, unk: [unk if w not in w2i else w2i[w] for w in words],  # noqa: SIM401
        ],
        [
            _encode_with_setdefault,  # right numbers, but it adds the unknown words
            lambda words, w2i, unk: [w2i.setdefault(w, len(w2i)) for w in words],
            lambda words, w2i, unk: [w2i.get(w, 0) for w in words],
            lambda words, w2i, unk: [w2i[w] for w in words],  # KeyError
        ],
    ),
    ex.check_vocab_size: ([3, np.int64(3), torch.tensor(3)], [1, 2, 4, 11, "3"]),
    ex.check_pad_batch: (
        [_pad_batch, _pad_batch_with_torch],
        [
            lambda seqs, pad: _pad_batch(seqs, 0),
            _pad_batch_refuses_other_pads,
            lambda seqs, pad: (_pad_batch(seqs, pad)[0], [len(s) for s in seqs]),
            lambda seqs, pad: (_pad_batch(seqs, pad)[0].float(), _pad_batch(seqs, pad)[1]),
            lambda seqs, pad: _pad_batch(seqs, pad)[0],
        ],
    ),
    ex.check_masked_accuracy: (
        [_masked_accuracy, _masked_accuracy_by_indexing],
        [
            lambda s, t: (s.argmax(-1) == t).float().mean().item(),  # padding counted
            lambda s, t: ((s.argmax(-1) == t) & (t != -100)).sum().item() / t.numel(),
        ],
    ),
    ex.check_unknown_rate: (
        [
            lambda sents, v: sum(w not in v for s in sents for w in s) / sum(map(len, sents)),
            lambda sents, v: float(np.mean([v.index(w) == v.unk_index for s in sents for w in s])),
        ],
        [
            lambda sents, v: len({w for s in sents for w in s if w not in v}) / 5,  # types
            lambda sents, v: sum(w not in v for s in sents for w in s),  # a count
        ],
    ),
    ex.check_decode_predictions: (
        [_decode, _decode_by_loops],
        [
            lambda scores, lengths, v: [v.decode(row) for row in scores.argmax(-1)],
            lambda scores, lengths, v: [v.decode(row) for row in scores.argmin(-1)],
        ],
    ),
    ex.check_alone_in_batch: (
        [_alone_in_batch, _alone_in_batch_by_allclose],
        [
            lambda model, sentences, i: True,  # what a zero <pad> embedding would suggest
            lambda model, sentences, i: i == 1,  # only the longest
            _alone_in_batch_bitwise,  # packed and unpacked runs differ in the last bits
            _alone_in_batch_whole_row,  # the padded positions are not the sentence's
            lambda model, sentences, i: torch.tensor([True, False]),
        ],
    ),
    ex.check_paper_gru_step: (
        [_paper_gru_step, _paper_gru_step_by_rows],
        [_gru_step, _paper_gru_step_bias_reset, _paper_gru_step_z_swapped],
    ),
    ex.check_set_forget_bias: (
        [_forget_bias_one, _forget_bias_split_between_both],
        [_forget_bias_first_layer_only, _forget_bias_ih_only],
    ),
    ex.check_adding_over_seeds: (  # each trains three small models: a few seconds
        [_three_seeds, lambda *config: np.array(ex._adding_over_seeds(*config))],
        [
            _three_seeds_weights_only,
            lambda *config: list(ex._adding_over_seeds(*config))[::-1],
            lambda *config: [ex._adding_over_seeds(*config)[0]] * 3,
            lambda *config: sum(ex._adding_over_seeds(*config)) / 3,  # the mean alone
            lambda *config: [*ex._adding_over_seeds(*config)[:2], math.nan],
        ],
    ),
    ex.check_bits_per_character: (
        [_bpc, _bpc_by_hand],
        [
            lambda logits, targets: torch.nn.functional.cross_entropy(logits, targets).item(),
            lambda logits, targets: _bpc(logits, targets) * len(targets),
        ],
    ),
    ex.check_position_in_line: (
        [_position, _position_by_lines],
        [
            lambda text: list(range(len(text))),
            lambda text: [0, *_position(text)[:-1]],
        ],
    ),
    ex.check_best_unit: (
        [
            _best_unit,
            _best_unit_nan_skipped_by_nanargmax,
            lambda s, f: tuple(np.float64(v) for v in _best_unit(s, f)),
        ],
        [
            _best_unit_largest_positive,
            _best_unit_abs_r,
            _best_unit_nan_for_a_constant_unit,
            lambda s, f: 4,
            lambda s, f: ("4", -1),
        ],
    ),
    ex.check_split_in_time: (
        [_split_in_time, lambda *a: tuple(np.array(p) for p in _split_in_time(*a))],
        [
            _split_shuffled,
            _split_overlapping,
            lambda n, v, t: _split_in_time(n, v, t)[::-1],
            lambda n, v, t: [sorted(p, reverse=True) for p in _split_in_time(n, v, t)],
            lambda n, v, t: (list(range(n)), [], []),
            lambda n, v, t: [float("nan")] * 3,
            lambda *a: "train, val, test",
        ],
    ),
    ex.check_seasonal_naive: (
        [_seasonal_naive_loop, lambda w, h, s: torch.tensor(_seasonal_naive_loop(w, h, s))],
        [
            _seasonal_naive_no_wrap,
            lambda w, h, s: np.repeat(w[:, -1:], h, axis=1),
            lambda w, h, s: _seasonal_naive_loop(w, h, s + 1),
            lambda w, h, s: _seasonal_naive_loop(w, h, s).T,
            lambda w, h, s: np.full((w.shape[0], h), np.nan),
            lambda w, h, s: None,
        ],
    ),
    ex.check_make_windows: (
        [_windows, _windows_as_tensors],
        [
            _windows_target_overlaps,
            _windows_one_short,
            lambda s, w, h: _windows(s, w, h)[::-1],
            lambda s, w, h: (_windows(s, w, h)[0].T, _windows(s, w, h)[1]),
            lambda s, w, h: (_windows(s, w, h)[0] * np.nan, _windows(s, w, h)[1]),
            lambda s, w, h: _windows(s, w, h)[0],
        ],
    ),
    ex.check_skill_score: (
        [lambda e, n: 1 - e / n, lambda e, n: np.float32(1 - e / n), lambda e, n: (n - e) / n],
        [
            lambda e, n: e / n,
            lambda e, n: 100 * (1 - e / n),
            lambda e, n: 1 - n / e,
            lambda e, n: float("nan"),
            lambda e, n: str(1 - e / n),
            lambda e, n: n - e,
        ],
    ),
}
RIGHT = [(c, a) for c, (rights, _) in CASES.items() for a in rights]
WRONG = [(c, a) for c, (_, wrongs) in CASES.items() for a in wrongs]


def _ids(cases):
    seen: dict[str, int] = {}
    ids = []
    for check, _ in cases:
        seen[check.__name__] = seen.get(check.__name__, 0) + 1
        ids.append(f"{check.__name__}-{seen[check.__name__]}")
    return ids


def test_every_check_of_the_course_is_covered():
    checks = {name for name in dir(ex) if name.startswith("check_")}
    assert checks == {c.__name__ for c in CASES}


@pytest.mark.parametrize(("check", "answer"), RIGHT, ids=_ids(RIGHT))
def test_right_answers_pass(check, answer, capsys):
    assert check(answer) is None  # nothing for a notebook to echo after the verdict
    out = capsys.readouterr().out
    assert out.startswith("✅ Correct!") and out.count("\n") == 1, out


@pytest.mark.parametrize(("check", "answer"), WRONG, ids=_ids(WRONG))
def test_wrong_answers_fail_with_a_message(check, answer, capsys):
    check(answer)  # never raises
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: ") and len(out) > len("❌ Not yet: ") + 10, out


@pytest.mark.parametrize("check", list(CASES), ids=lambda c: c.__name__)
def test_a_blank_answer_is_the_learners_turn(check, capsys):
    check(...)
    assert capsys.readouterr().out.startswith("✏️ Your turn")


def test_a_crashing_answer_is_reported_not_raised(capsys):
    def crashes(*args):
        raise RuntimeError("boom")

    ex.check_lstm_step(crashes)
    assert capsys.readouterr().out.startswith("❌ Not yet: your function raised RuntimeError: boom")


def test_the_all_at_once_call_is_told_why(capsys):
    ex.check_step_by_step(_all_at_once)
    assert "one step at a time" in capsys.readouterr().out


def test_the_dictionary_handed_to_the_answer_is_the_one_checked(capsys):
    ex.check_encode_with_unk(_encode_with_setdefault)
    assert "changed the dictionary" in capsys.readouterr().out


def test_checks_leave_the_global_random_stream_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_lstm_step(_lstm_step)
    ex.check_step_by_step(_step_by_step)
    ex.check_lstm_shapes({"output": (4, 7, 40), "h_n": (6, 4, 20), "c_n": (6, 4, 20)})
    ex.check_set_forget_bias(_forget_bias_one)
    ex.check_paper_gru_step(_paper_gru_step)
    ex.check_adding_over_seeds(_seeds_torch_and_answers)
    assert torch.equal(torch.rand(3), expected)


def test_best_unit_check_explains_the_nan_of_a_unit_that_never_changes(capsys):
    ex.check_best_unit(_best_unit_nan_for_a_constant_unit)
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: unit 2 never changes") and out.count("\n") == 1, out


def test_forget_bias_check_catches_a_change_elsewhere(capsys):
    def also_zeroes_input_gate(lstm):
        _forget_bias_one(lstm)
        with torch.no_grad():
            lstm.bias_ih_l0[: lstm.hidden_size] = 0.0

    ex.check_set_forget_bias(also_zeroes_input_gate)
    assert "bias_ih_l0 changed outside" in capsys.readouterr().out
