"""The tagger of lesson 4 with its BiLSTM swapped for another sequence encoder: a
bidirectional minLSTM, or a Transformer encoder layer, everything else equal.

Lesson 8 compares them on the same inputs (word embeddings and character features, from
:class:`lstm_course.tagger.LSTMTagger`), the same output layer, the same batches and the
same number of steps. Each encoder maps ``(batch, time, features)`` to
``(batch, time, 2 * hidden)`` and, like ``nn.LSTM``, returns a pair (the second item None),
so it drops into ``LSTMTagger.rnn``. Training batches hold sentences of one length (see
:func:`lstm_course.batching.bucketed_batches`), so no encoder here needs padding masks; a
``PackedSequence`` (a batch of mixed lengths) is refused in one line.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lstm_course.batching import bucketed_batches
from lstm_course.data import TaggedSentence
from lstm_course.minrnn import MinLSTM
from lstm_course.runtime import set_seed
from lstm_course.speed import denormals_flushed
from lstm_course.tagger import LSTMTagger, TaggerConfig, TaggerVocabs
from lstm_course.training import (
    EpochLog,
    TrainingResult,
    check_arguments,
    cosine_lr,
    evaluate,
    make_optimizer,
    train_epoch,
)

ENCODERS = ("bilstm", "biminlstm", "transformer", "none")


def _tensor_only(x: object) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(
            "this encoder takes a (batch, time, features) tensor of sentences of one length, "
            f"not a {type(x).__name__}: tag mixed lengths with predict(), which buckets them"
        )
    return x


class BiMinLSTM(nn.Module):
    """Two minLSTMs, one reading left to right, one right to left, outputs side by side."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.forward_layer = MinLSTM(input_size, hidden_size)
        self.backward_layer = MinLSTM(input_size, hidden_size)

    def forward(self, x: Tensor) -> tuple[Tensor, None]:
        x = _tensor_only(x)
        left, _ = self.forward_layer(x)
        right, _ = self.backward_layer(x.flip(1))
        return torch.cat([left, right.flip(1)], dim=-1), None


class NoEncoder(nn.Module):
    """The control: no sequence encoder at all. Each word's own features (embedding and
    character features) go straight to the output layer, so whatever an encoder adds over
    this row, it learned from the context."""

    def forward(self, x: Tensor) -> tuple[Tensor, None]:
        return _tensor_only(x), None


def sinusoidal_positions(length: int, width: int) -> Tensor:
    """Vaswani et al.'s (2017) fixed positions: sin and cos of the position at geometric
    frequencies, ``(length, width)``. No parameters: the order of the words is the one thing
    self-attention cannot see by itself."""
    if length < 1 or width < 2 or width % 2:
        raise ValueError(f"need length >= 1 and an even width >= 2, got {length} and {width}")
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, width, 2) * (-math.log(10_000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2], table[:, 1::2] = (
        torch.sin(position * frequency),
        torch.cos(position * frequency),
    )
    return table


class TransformerEncoder(nn.Module):
    """One ``nn.TransformerEncoderLayer`` (pre-norm, 4 heads) over the features plus fixed
    sinusoidal positions. Its width is the tagger's feature size, which must equal
    ``2 * hidden`` (the BiLSTM's output width) so the same output layer fits."""

    def __init__(self, width: int, feedforward: int, heads: int = 4, dropout: float = 0.1) -> None:
        super().__init__()
        if width % heads or width % 2:
            raise ValueError(f"width {width} must be even and divisible by heads={heads}")
        self.layer = nn.TransformerEncoderLayer(
            width, heads, feedforward, dropout=dropout, batch_first=True, norm_first=True
        )

    def forward(self, x: Tensor) -> tuple[Tensor, None]:
        x = _tensor_only(x)
        positions = sinusoidal_positions(x.shape[1], x.shape[2]).to(x.device, x.dtype)
        return self.layer(x + positions), None


def build_tagger(
    encoder: str, config: TaggerConfig, vocabs: TaggerVocabs, feedforward: int = 128
) -> LSTMTagger:
    """A tagger whose recurrent layer is ``encoder`` ("bilstm": the config's own nn.LSTM;
    "biminlstm"; "transformer", of width word_dim + char_filters = 2 * hidden_dim; "none",
    :class:`NoEncoder`, which needs that same equality)."""
    if encoder not in ENCODERS:
        raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
    if not config.bidirectional or config.num_layers != 1:
        raise ValueError("the comparison uses one bidirectional layer: set those in the config")
    model = LSTMTagger(config, vocabs)
    features = config.word_dim + (config.char_filters if config.char_dim else 0)
    if encoder == "biminlstm":
        model.rnn = BiMinLSTM(features, config.hidden_dim)
    elif encoder in ("transformer", "none"):
        if features != 2 * config.hidden_dim:
            raise ValueError(
                f"the {encoder} encoder's width is the feature size ({features}); it must "
                f"equal 2 * hidden_dim ({2 * config.hidden_dim}) to fit the output layer"
            )
        model.rnn = (
            TransformerEncoder(features, feedforward) if encoder == "transformer" else NoEncoder()
        )
    return model


def _warm_cosine(lr: float, done: float, warmup: float) -> float:
    """A linear rise over the first ``warmup`` of the budget, then a cosine down to 0."""
    if done < warmup:
        return lr * done / warmup
    return cosine_lr(lr, (done - warmup) / (1 - warmup))


def train_encoder_tagger(
    encoder: str,
    train_sentences: Sequence[TaggedSentence],
    dev_sentences: Sequence[TaggedSentence],
    config: TaggerConfig,
    *,
    epochs: int,
    lr: float,
    batch_size: int = 32,
    clip: float = 5.0,
    seed: int = 0,
    warmup: float = 0.0,
    progress: bool = False,
) -> TrainingResult:
    """Train :func:`build_tagger`'s model for exactly ``epochs`` epochs (Adam, a cosine from
    ``lr`` to 0, the same shuffled batches for every encoder at one seed) and report the
    *last* epoch's dev accuracy: no choice of epoch on dev, so dev stays a fair judge.

    ``warmup`` (a share of all steps, 0 to 1) raises the rate linearly from 0 to ``lr`` first,
    then the cosine runs over the rest: the schedule Transformers are trained with (Vaswani
    et al. 2017), since Adam's first steps, before its averages settle, can upset attention."""
    # the same checks as train(): a NaN, negative or 1e9 epochs, lr or clip, before any work
    check_arguments(None, epochs, batch_size, lr, clip, seed, None)
    if not (isinstance(warmup, (int, float)) and 0 <= warmup < 1):
        raise ValueError(f"warmup must be a share of the steps, 0 <= warmup < 1, not {warmup!r}")
    if not train_sentences or not dev_sentences:
        raise ValueError("training needs training and dev sentences")
    set_seed(seed)
    shuffler = torch.Generator().manual_seed(seed)
    model = build_tagger(encoder, config, TaggerVocabs.build(train_sentences, config))
    optimizer = make_optimizer(model, lr)
    corpus = model.encode_corpus(
        [s.words for s in train_sentences], [s.tags for s in train_sentences]
    )
    lengths = [len(s) for s in train_sentences]
    history, accuracy = [], 0.0
    start = time.perf_counter()
    with denormals_flushed():
        for epoch in range(epochs):
            batches = bucketed_batches(lengths, batch_size, generator=shuffler)
            bar = tqdm(batches, desc=f"{encoder}, epoch {epoch + 1}", disable=not progress)
            steps = len(batches)
            loss, speed = train_epoch(
                model,
                optimizer,
                (corpus.batch(indices) for indices in bar),
                clip=clip,
                learning_rate=lambda step, e=epoch, n=steps: _warm_cosine(
                    lr, (e * n + step) / (epochs * n), warmup
                ),
            )
            accuracy = evaluate(model, dev_sentences).accuracy
            history.append(EpochLog(epoch + 1, loss, accuracy, time.perf_counter() - start, speed))
    return TrainingResult(model, history, epochs, accuracy)
