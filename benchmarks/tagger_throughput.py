"""Training throughput, two comparisons in one run, each way for the same wall-clock time.

Each comparison runs its two ways in turns (``--rounds`` slices each), so that a shared
machine's drifting speed touches both alike.

1. The notes' architecture (embedding -> one unidirectional LSTM layer -> linear, the same
   sizes), trained the notes' way (one sentence per step) and the course's way (batches of
   sentences of one length); the line ``speedup: N.Nx`` is the ratio.
2. The full tagger of lesson 4, before and after the speed-ups of this benchmark's issue:
   before, the former defaults (192 units, 128 character filters, batches of 32 cut from the
   sorted lengths, so of mixed lengths, each encoded in Python when it is used, the ordinary
   Adam, PyTorch's dropout, denormal floats not flushed, float32); after, the current
   ``TaggerConfig()`` and ``train()`` defaults. The line ``full tagger: N.Nx`` is the ratio.

    python benchmarks/tagger_throughput.py [--seconds 30] [--rounds 3] [--batch-size 128]
        [--data DIR]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Iterator

import torch
from torch import nn

from lstm_course.batching import bucketed_batches
from lstm_course.data import load_ud_english_ewt
from lstm_course.runtime import set_seed
from lstm_course.scaling import MAX_ROUNDS
from lstm_course.tagger import LSTMTagger, NotesLSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.training import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CLIP,
    DEFAULT_LR,
    default_bfloat16,
    make_optimizer,
    train_step,
)

EMBEDDING_DIM = HIDDEN_DIM = 64


def notes_way(sentences, vocabs) -> Iterator[int]:
    """One sentence per forward/backward/step, as the notes train their tagger.

    Yields the words of each step (first 0, once it is set up), for :func:`interleave`.
    """
    set_seed(0)
    model = NotesLSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(vocabs.words), len(vocabs.tags))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_function = nn.NLLLoss()
    encoded = [
        (
            torch.tensor(vocabs.words.encode(list(s.words))),
            torch.tensor(vocabs.tags.encode(list(s.tags))),
        )
        for s in sentences
    ]
    yield 0
    while True:
        for i in torch.randperm(len(encoded)).tolist():
            words, tags = encoded[i]
            model.zero_grad()
            loss = loss_function(model(words), tags)
            loss.backward()
            optimizer.step()
            yield len(words)


def batched_way(sentences, vocabs, batch_size: int) -> Iterator[int]:
    """The same network in the course's tagger, trained on batches of one length each."""
    set_seed(0)
    config = TaggerConfig(
        word_dim=EMBEDDING_DIM,
        hidden_dim=HIDDEN_DIM,
        num_layers=1,
        bidirectional=False,
        char_dim=0,
        dropout=0.0,
        lowercase=False,
    )
    model = LSTMTagger(config, vocabs)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    corpus = model.encode_corpus([s.words for s in sentences], [s.tags for s in sentences])
    yield 0
    while True:
        for indices in bucketed_batches([len(s) for s in sentences], batch_size):
            batch = corpus.batch(indices)
            optimizer.zero_grad()
            model.loss(batch).backward()
            optimizer.step()
            yield batch.n_words


class EncodeEveryBatch:
    """The former way to make a batch: encoded from its words in Python, every time."""

    def __init__(self, model: LSTMTagger, sentences) -> None:
        self.model, self.sentences = model, sentences

    def batch(self, indices: list[int]):
        chunk = [self.sentences[i] for i in indices]
        return self.model.encode([s.words for s in chunk], [s.tags for s in chunk])


def full_tagger(
    sentences,
    config: TaggerConfig,
    batches: list[list[int]],
    *,
    lr: float,
    now: bool,
    bfloat16: bool,
) -> Iterator[int]:
    """The full tagger, each step made by the function ``train()`` uses, the way it is
    ``now`` (sentences encoded once, fused Adam, the course's cheaper dropout mask,
    denormal floats flushed) or before. Yields the words of each step (first 0)."""
    set_seed(0)
    model = LSTMTagger(config, TaggerVocabs.build(sentences, config))
    if now:
        optimizer = make_optimizer(model, lr)
        corpus = model.encode_corpus([s.words for s in sentences], [s.tags for s in sentences])
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.9))
        corpus = EncodeEveryBatch(model, sentences)
        model.dropout = nn.Dropout(config.dropout)  # PyTorch's, with its bernoulli_ mask
    lengths = [len(s) for s in sentences]
    model.train()
    yield 0
    while True:
        for indices in batches:
            torch.set_flush_denormal(now)  # the two ways take turns: each sets its own
            train_step(
                model, optimizer, corpus.batch(indices), clip=DEFAULT_CLIP, bfloat16=bfloat16
            )
            yield sum(lengths[i] for i in indices)


def interleave(ways: dict[str, Iterator[int]], seconds: float, rounds: int) -> dict[str, float]:
    """Words per second of each way, run in turns: ``rounds`` slices of ``seconds / rounds``
    each. On a shared machine whose speed drifts, every way then meets the same drift."""
    for steps in ways.values():
        next(steps)  # set up, outside the clock
    words = dict.fromkeys(ways, 0)
    elapsed = dict.fromkeys(ways, 0.0)
    for _ in range(rounds):
        for name, steps in ways.items():
            start = time.perf_counter()
            while time.perf_counter() - start < seconds / rounds:
                words[name] += next(steps)
            elapsed[name] += time.perf_counter() - start
    torch.set_flush_denormal(False)
    return {name: words[name] / elapsed[name] for name in ways}


def sorted_runs(lengths: list[int], batch_size: int) -> list[list[int]]:
    """The former batches: runs of the sentences sorted by length, in a shuffled order."""
    order = sorted(torch.randperm(len(lengths)).tolist(), key=lambda i: lengths[i])
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="training time for each way")
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns the ways take, each of seconds / rounds"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--data", default=None, help="folder with the EWT files (default: as the course finds them)"
    )
    args = parser.parse_args()
    if not (0 < args.seconds <= 3600) or not 1 <= args.rounds <= MAX_ROUNDS:  # NaN too
        parser.error(f"--seconds must be from 0 to 3600 and --rounds from 1 to {MAX_ROUNDS}")
    if not 1 <= args.batch_size <= 100_000:
        parser.error(f"--batch-size must be from 1 to 100000, got {args.batch_size}")

    sentences = load_ud_english_ewt("train", args.data)
    config = TaggerConfig(char_dim=0, lowercase=False, min_freq=1)
    vocabs = TaggerVocabs.build(sentences, config)
    threads = torch.get_num_threads()
    print(f"machine: {platform.machine()}, {threads} torch threads, torch {torch.__version__}")
    print(
        f"network: embedding {EMBEDDING_DIM} -> LSTM {HIDDEN_DIM} (1 layer, 1 direction) -> "
        f"{len(vocabs.tags)} tags; {len(sentences):,} training sentences; {args.seconds:.0f} s "
        f"each, in {args.rounds} turns"
    )
    rates = interleave(
        {
            "notes": notes_way(sentences, vocabs),
            "course": batched_way(sentences, vocabs, args.batch_size),
        },
        args.seconds,
        args.rounds,
    )
    print(f"notes' way, one sentence per step:     {rates['notes']:10,.0f} tokens/s")
    print(f"course's way, bucketed batches of {args.batch_size}: {rates['course']:10,.0f} tokens/s")
    print(f"speedup: {rates['course'] / rates['notes']:.1f}x")

    print("\nthe full tagger (lesson 4's command line), before and after:")
    lengths = [len(s) for s in sentences]
    set_seed(0)
    before = full_tagger(
        sentences,
        TaggerConfig(hidden_dim=192, char_filters=128),
        sorted_runs(lengths, 32),
        lr=2e-3,
        now=False,
        bfloat16=False,
    )
    after = full_tagger(
        sentences,
        TaggerConfig(),
        bucketed_batches(lengths, DEFAULT_BATCH_SIZE, generator=torch.Generator().manual_seed(0)),
        lr=DEFAULT_LR,
        now=True,
        bfloat16=default_bfloat16("cpu", TaggerConfig()),
    )
    rates = interleave({"before": before, "after": after}, args.seconds, args.rounds)
    config = TaggerConfig()
    precision = "bfloat16 mixed precision" if default_bfloat16("cpu", config) else "float32"
    print(
        "before: 192 units, 128 filters, mixed-length batches of 32: "
        f"{rates['before']:8,.0f} words/s"
    )
    print(
        f"after:  {config.hidden_dim} units, {config.char_filters} filters, one-length batches "
        f"of {DEFAULT_BATCH_SIZE}, {precision}: {rates['after']:8,.0f} words/s"
    )
    print(f"full tagger: {rates['after'] / rates['before']:.1f}x")


if __name__ == "__main__":
    main()
