"""Lesson 3's exercise checks (lstm_course/exercises/lesson3.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import numpy as np
import torch
from exercise_cases import case_tests
from torch.nn.utils.rnn import pad_sequence

from lstm_course import exercises as ex


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


CASES = {
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
            lambda words, w2i, unk: [w2i.get(w, len(w2i)) for w in words],  # "next free index"
            lambda words, w2i, unk: [w2i.get(w, 4) for w in words],  # a hard-coded 4
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
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)
