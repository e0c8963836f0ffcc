"""Training throughput: the notes' one-sentence-per-step loop vs the course's batches.

Both train the notes' architecture (embedding -> one unidirectional LSTM layer -> linear,
the same sizes) on UD English EWT train for the same wall-clock time, one after the other
in one run, and report training tokens per second. The last line is the ratio.

    python benchmarks/tagger_throughput.py [--seconds 30] [--batch-size 128] [--data DIR]
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
from torch import nn

from lstm_course.batching import bucketed_batches
from lstm_course.data import load_ud_english_ewt
from lstm_course.runtime import set_seed
from lstm_course.tagger import LSTMTagger, NotesLSTMTagger, TaggerConfig, TaggerVocabs

EMBEDDING_DIM = HIDDEN_DIM = 64


def notes_way(sentences, vocabs, seconds: float) -> float:
    """One sentence per forward/backward/step, as the notes train their tagger."""
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
    tokens, start = 0, time.perf_counter()
    for i in torch.randperm(len(encoded)).tolist():
        words, tags = encoded[i]
        model.zero_grad()
        loss = loss_function(model(words), tags)
        loss.backward()
        optimizer.step()
        tokens += len(words)
        if time.perf_counter() - start > seconds:
            break
    return tokens / (time.perf_counter() - start)


def batched_way(sentences, vocabs, seconds: float, batch_size: int) -> float:
    """The same network in the course's tagger: length-bucketed, packed, padded batches."""
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
    tokens, start = 0, time.perf_counter()
    while time.perf_counter() - start <= seconds:
        for indices in bucketed_batches([len(s) for s in sentences], batch_size):
            chunk = [sentences[i] for i in indices]
            batch = model.encode([s.words for s in chunk], [s.tags for s in chunk])
            optimizer.zero_grad()
            model.loss(batch).backward()
            optimizer.step()
            tokens += batch.n_words
            if time.perf_counter() - start > seconds:
                break
    return tokens / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="training time for each way")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--data", default=None, help="folder with the EWT files (default: as the course finds them)"
    )
    args = parser.parse_args()

    sentences = load_ud_english_ewt("train", args.data)
    config = TaggerConfig(char_dim=0, lowercase=False, min_freq=1)
    vocabs = TaggerVocabs.build(sentences, config)
    threads = torch.get_num_threads()
    print(f"machine: {platform.machine()}, {threads} torch threads, torch {torch.__version__}")
    print(
        f"network: embedding {EMBEDDING_DIM} -> LSTM {HIDDEN_DIM} (1 layer, 1 direction) -> "
        f"{len(vocabs.tags)} tags; {len(sentences):,} training sentences; {args.seconds:.0f} s each"
    )
    one = notes_way(sentences, vocabs, args.seconds)
    print(f"notes' way, one sentence per step:     {one:10,.0f} tokens/s")
    many = batched_way(sentences, vocabs, args.seconds, args.batch_size)
    print(f"course's way, bucketed batches of {args.batch_size}: {many:10,.0f} tokens/s")
    print(f"speedup: {many / one:.1f}x")


if __name__ == "__main__":
    main()
