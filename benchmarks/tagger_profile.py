"""Where one training epoch of the full tagger spends its time, on this machine.

    python benchmarks/tagger_profile.py [--batches 150] [--batch-size 64] [--data DIR]

Trains the course's default tagger (``TaggerConfig()``) on ``--batches`` batches of UD
English EWT train, as ``lstm_course.training.train`` does (batches of one length, the
default learning rate, bfloat16 mixed precision where the CPU has it), and prints two tables:

1. wall-clock time per phase of a training step (taking the batch from the corpus, encoded
   once before training; the forward pass, the backward pass, clipping and the optimizer
   step), and the dev evaluation that follows every epoch, scaled to a whole epoch;
2. torch.profiler's operators, grouped by what they belong to (the character CNN, packing,
   the LSTM, the optimizer, ...), forward and backward together.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from lstm_course.batching import bucketed_batches
from lstm_course.data import load_ud_english_ewt
from lstm_course.runtime import set_seed
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.training import (
    DEFAULT_CLIP,
    DEFAULT_LR,
    default_bfloat16,
    evaluate,
    make_optimizer,
    train_step,
)

WARM_UP = 5  # batches run before timing: the first steps allocate and are slow

# torch.profiler's operator names, by the part of the tagger they belong to (first match wins)
GROUPS = [
    ("LSTM", ("lstm", "rnn", "gru")),
    ("packing", ("pack", "sort", "index_select", "gather")),
    ("character CNN", ("conv", "max", "masked_fill", "embedding_dense", "embedding")),
    ("optimizer", ("adam", "_foreach", "addcdiv", "lerp", "sqrt", "clip", "norm")),
    ("loss and output layer", ("cross_entropy", "nll", "log_softmax", "linear", "addmm", "mm")),
    ("dropout masks", ("dropout", "bernoulli", "uniform")),
]


def group_of(name: str) -> str:
    lowered = name.lower()
    for group, keys in GROUPS:
        if any(k in lowered for k in keys):
            return group
    return "other (copies, concatenation, dispatch)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--data", default=None, help="folder with the EWT files")
    args = parser.parse_args()
    if args.batches <= WARM_UP:
        parser.error(f"--batches must be more than the {WARM_UP} warm-up batches")

    train_sents = load_ud_english_ewt("train", args.data)
    dev_sents = load_ud_english_ewt("dev", args.data)
    set_seed(0)
    config = TaggerConfig()
    model = LSTMTagger(config, TaggerVocabs.build(train_sents, config))
    optimizer = make_optimizer(model, lr=DEFAULT_LR)
    corpus = model.encode_corpus([s.words for s in train_sents], [s.tags for s in train_sents])
    bfloat16 = default_bfloat16("cpu", config)  # as train() decides
    batches = bucketed_batches([len(s) for s in train_sents], args.batch_size)
    per_epoch = len(batches)
    batches = batches[: args.batches]
    print(
        f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}; tagger: {config}; "
        f"{'bfloat16 mixed precision' if bfloat16 else 'float32'}"
    )
    print(f"{args.batches} batches of {args.batch_size} sentences (an epoch has {per_epoch})\n")

    phases: dict[str, float] = defaultdict(float)
    words = 0
    flush = torch.set_flush_denormal(True)
    model.train()

    lap_start = [0.0]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        phases[phase] += now - lap_start[0]
        lap_start[0] = now

    def step(indices: list[int]) -> int:
        lap_start[0] = time.perf_counter()
        batch = corpus.batch(indices)
        lap("take the batch from the corpus")
        # the step train() takes; it calls lap() after the forward pass, the backward pass,
        # and the clipping and the optimizer's step
        train_step(model, optimizer, batch, clip=DEFAULT_CLIP, bfloat16=bfloat16, lap=lap)
        return batch.n_words

    for indices in batches[:WARM_UP]:
        step(indices)
    phases.clear()
    start = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for indices in batches[WARM_UP:]:
            words += step(indices)
    elapsed = time.perf_counter() - start
    model.eval()
    t0 = time.perf_counter()
    evaluate(model, dev_sents)
    phases["dev evaluation (once per epoch)"] = (time.perf_counter() - t0) * (
        (len(batches) - WARM_UP) / per_epoch
    )
    if flush:
        torch.set_flush_denormal(False)

    total = sum(phases.values())
    rate = words / elapsed
    print(f"1. Wall-clock phases ({words:,} words in {elapsed:.1f} s: {rate:,.0f} words/s)")
    for name, seconds in sorted(phases.items(), key=lambda kv: -kv[1]):
        print(f"   {name:34s} {seconds:7.2f} s  {100 * seconds / total:5.1f}%")
    epoch_seconds = total * per_epoch / (len(batches) - WARM_UP)
    print(f"   a whole epoch at this rate: {epoch_seconds:.0f} s\n")

    grouped: dict[str, float] = defaultdict(float)
    for event in prof.key_averages():
        if event.key.startswith(("aten::", "mkldnn", "Optimizer", "autograd::")):
            grouped[group_of(event.key)] += event.self_cpu_time_total / 1e6
    profiled = sum(grouped.values())
    print("2. Operators by part of the tagger (self CPU time, forward and backward)")
    for name, seconds in sorted(grouped.items(), key=lambda kv: -kv[1]):
        print(f"   {name:40s} {seconds:7.2f} s  {100 * seconds / profiled:5.1f}%")
    print("\n   the ten most expensive operators:")
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=10)
    print("\n".join("   " + line for line in table.splitlines()))


if __name__ == "__main__":
    main()
