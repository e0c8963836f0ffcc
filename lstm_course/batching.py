"""Many sentences at once: padding, lengths and length-bucketed batches.

Training one sentence at a time (as the notes do) spends most of its time on Python and
kernel-launch overhead for tiny matrices. A batch runs many sentences through each matrix
product. Sentences differ in length, so a batch is padded to its longest sentence; the
padded positions are skipped by ``pack_padded_sequence`` in the LSTM and by ``IGNORE_INDEX``
in the loss. Putting sentences of similar length together (bucketing) keeps padding small.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

#: The label of a padded position: ``nn.CrossEntropyLoss`` ignores it by default.
IGNORE_INDEX = -100


def pad_sequences(sequences: Sequence[Sequence[int]], pad_index: int) -> tuple[Tensor, Tensor]:
    """A ``(batch, longest)`` LongTensor, ``pad_index`` after each end, and the lengths."""
    if len(sequences) == 0:
        raise ValueError("pad_sequences needs at least one sequence")
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    if int(lengths.min()) == 0:
        raise ValueError("every sequence needs at least one element (an empty sentence?)")
    padded = torch.full((len(sequences), int(lengths.max())), pad_index, dtype=torch.long)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
    return padded, lengths


@dataclass
class Batch:
    """Encoded sentences ready for a tagger.

    ``words`` and ``tags`` are ``(batch, longest)``; ``tags`` is ``IGNORE_INDEX`` at padded
    positions (or None for untagged text). ``chars`` holds each *distinct* word of the batch
    once, as a row of character indices, and ``char_rows`` says which row each position uses,
    so the character model runs once per distinct word instead of once per position.
    """

    words: Tensor
    lengths: Tensor  # on the CPU, as pack_padded_sequence wants
    tags: Tensor | None = None
    chars: Tensor | None = None
    char_rows: Tensor | None = None

    @property
    def mask(self) -> Tensor:
        """True at real words, False at padding."""
        steps = torch.arange(self.words.shape[1], device=self.words.device)
        return steps[None, :] < self.lengths.to(self.words.device)[:, None]

    @property
    def n_words(self) -> int:
        return int(self.lengths.sum())

    def to(self, device: torch.device | str) -> Batch:
        moved = {}
        for f in fields(self):
            value = getattr(self, f.name)
            keep_on_cpu = f.name == "lengths"
            moved[f.name] = value if value is None or keep_on_cpu else value.to(device)
        return Batch(**moved)


@dataclass
class EncodedCorpus:
    """Tagged sentences encoded once, before training (by ``LSTMTagger.encode_corpus``).

    Encoding a batch word by word and character by character is a Python loop, and training
    would run it for every sentence again each epoch; encoded once, a batch is a few tensor
    operations (the share of a step this saves: ``benchmarks/tagger_profile.py``; figures in
    docs/measured.md). ``words[i]`` and
    ``tags[i]`` are sentence i's indices; with character features, ``types[i]`` says which
    row of ``type_chars`` (every distinct word of the corpus, spelled once) each word is.
    """

    words: list[Tensor]
    tags: list[Tensor]
    word_pad: int  # the padding index of the word vocabulary
    types: list[Tensor] | None = None
    type_chars: Tensor | None = None  # (distinct words, longest + 2)
    type_lengths: Tensor | None = None  # characters in each row of type_chars
    lengths: list[int] = field(init=False)  # words in each sentence

    def __post_init__(self) -> None:
        self.lengths = [len(w) for w in self.words]

    def __len__(self) -> int:
        return len(self.words)

    def batch(self, indices: Sequence[int]) -> Batch:
        """The sentences at ``indices`` as the :class:`Batch` that ``LSTMTagger.encode``
        makes of them (on the CPU; its ``chars`` rows may come in another order)."""
        indices = list(indices)
        if not indices:
            raise ValueError("a batch needs at least one sentence")
        bad = [i for i in indices if not 0 <= i < len(self.words)]
        if bad:
            raise IndexError(f"no sentence {bad[0]}: the corpus has {len(self.words)} sentences")
        lengths = [self.lengths[i] for i in indices]
        one_length = min(lengths) == max(lengths)  # as in all of training's batches
        batch = Batch(
            words=_rows([self.words[i] for i in indices], self.word_pad, one_length),
            lengths=torch.tensor(lengths),
            tags=_rows([self.tags[i] for i in indices], IGNORE_INDEX, one_length),
        )
        if self.types is not None and self.type_chars is not None:
            # a padded position points at row 0: harmless, as packing skips it and the loss
            # ignores it (encode does the same)
            types = _rows([self.types[i] for i in indices], 0, one_length)
            distinct, batch.char_rows = torch.unique(types, return_inverse=True)
            longest = int(self.type_lengths[distinct].max())
            batch.chars = self.type_chars[distinct, :longest]
        return batch


def _rows(sequences: list[Tensor], padding_value: int, one_length: bool) -> Tensor:
    """Sequences as the rows of one tensor: stacked when they have one length (for 128
    sentences, 15 instead of 200 microseconds), else padded after each end."""
    if one_length:
        return torch.stack(sequences)
    return pad_sequence(sequences, batch_first=True, padding_value=padding_value)


def bucketed_batches(
    lengths: Sequence[int],
    batch_size: int,
    *,
    shuffle: bool = True,
    generator: torch.Generator | None = None,
) -> list[list[int]]:
    """Indices of the sentences, grouped in batches of sentences of the **same** length.

    Sentences of each length are cut into batches of at most ``batch_size`` (in random order
    when shuffling), and the batches are shuffled, so every epoch sees different neighbours
    and no padding at all. Equal lengths matter for speed, not only for padding: for a batch
    whose sequences all have one length, PyTorch's CPU LSTM takes its fused path (oneDNN);
    for mixed lengths it falls back to a step-by-step loop, whose backward pass is slower
    (``benchmarks/tagger_throughput.py``; figures in docs/measured.md). Rare
    lengths make small batches; there are few of them.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = (
        torch.randperm(len(lengths), generator=generator) if shuffle else torch.arange(len(lengths))
    )
    by_length: dict[int, list[int]] = {}
    for i in order.tolist():
        by_length.setdefault(lengths[i], []).append(i)
    batches = [
        group[k : k + batch_size]
        for _, group in sorted(by_length.items())
        for k in range(0, len(group), batch_size)
    ]
    if shuffle:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    return batches
