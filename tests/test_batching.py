"""Padding, masks and batches of sentences of one length."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_course.batching import Batch, bucketed_batches, pad_sequences


def test_pad_sequences_pads_after_each_end():
    padded, lengths = pad_sequences([[5, 6, 7], [8], [9, 10]], pad_index=0)
    assert padded.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert lengths.tolist() == [3, 1, 2] and padded.dtype == torch.long


def test_pad_sequences_refuses_empty_input():
    with pytest.raises(ValueError, match="at least one sequence"):
        pad_sequences([], 0)
    with pytest.raises(ValueError, match="empty sentence"):
        pad_sequences([[1], []], 0)


def test_mask_marks_real_words_and_to_keeps_lengths_on_cpu():
    words, lengths = pad_sequences([[1, 2, 3], [4]], 0)
    batch = Batch(words, lengths)
    assert batch.mask.tolist() == [[True, True, True], [True, False, False]]
    assert batch.n_words == 4
    assert batch.to("cpu").lengths.device.type == "cpu"


@settings(max_examples=50, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 60), min_size=1, max_size=200),
    batch_size=st.integers(1, 40),
    seed=st.integers(0, 1000),
)
def test_bucketed_batches_use_every_sentence_once_in_small_batches(lengths, batch_size, seed):
    batches = bucketed_batches(lengths, batch_size, generator=torch.Generator().manual_seed(seed))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(1 <= len(b) <= batch_size for b in batches)
    # every batch holds sentences of one length (the LSTM's fast path, and no padding)
    assert all(len({lengths[i] for i in b}) == 1 for b in batches)
    # and a length is split into no more batches than it needs
    for n in set(lengths):
        count = sum(1 for b in batches if lengths[b[0]] == n)
        assert count == -(-lengths.count(n) // batch_size)


def test_bucketing_pads_much_less_than_random_batches():
    gen = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, 60, (2000,), generator=gen).tolist()

    def padding(batches):
        return sum(
            len(b) * max(lengths[i] for i in b) - sum(lengths[i] for i in b) for b in batches
        )

    random_batches = [list(range(i, min(i + 32, 2000))) for i in range(0, 2000, 32)]
    assert padding(bucketed_batches(lengths, 32, generator=gen)) < padding(random_batches) / 10


def test_unshuffled_batches_are_sorted_by_length():
    batches = bucketed_batches([3, 1, 2, 5, 2, 2], 2, shuffle=False)
    assert batches == [[1], [2, 4], [5], [0], [3]]
