"""Training and evaluating a tagger: batched, shuffled, clipped, and kept at its best on dev.

:func:`train_step` is the one training step (the loss, its gradients, clipping, the
optimizer's step), which :func:`train_epoch`, :func:`train` and the benchmarks all take;
:func:`cosine_lr` is the learning-rate schedule, a plain function of the share of the
budget spent.
"""

from __future__ import annotations

import copy
import math
import numbers
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor
from tqdm.auto import tqdm

from lstm_course.batching import Batch, bucketed_batches
from lstm_course.data import TaggedSentence
from lstm_course.files import check_output_path
from lstm_course.runtime import (
    default_device,
    mixed_precision,
    native_bfloat16,
    require_bfloat16,
    set_seed,
)
from lstm_course.speed import denormals_flushed, fused_adam
from lstm_course.tagger import CHECKPOINT_FORMAT, LSTMTagger, TaggerConfig, TaggerVocabs

#: Sentences per training batch, and Adam's learning rate for it (measured on the course's
#: 2-core CPU: see docs/measured.md).
DEFAULT_BATCH_SIZE = 64
DEFAULT_LR = 3e-3
#: The largest total norm of the gradients of a step (see :func:`train_step`).
DEFAULT_CLIP = 5.0


@dataclass
class EpochLog:
    epoch: int
    train_loss: float
    dev_accuracy: float
    seconds: float  # since training started
    words_per_second: float  # training words processed per second in this epoch


@dataclass
class TrainingResult:
    model: LSTMTagger  # with the weights of its best epoch on dev
    history: list[EpochLog]
    best_epoch: int
    best_dev_accuracy: float


@dataclass
class Evaluation:
    """How a tagger did on tagged sentences, as a tagging practitioner reads it."""

    tags: list[str]
    correct: int
    total: int
    confusion: torch.Tensor  # (gold, predicted) counts, in the order of ``tags``
    predictions: list[list[str]]
    seen: tuple[int, int] | None = None  # (correct, total) on words seen in training
    unseen: tuple[int, int] | None = None  # (correct, total) on the other words
    per_tag: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # gold tag -> (correct, total)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total


def evaluate(
    model: LSTMTagger,
    sentences: Sequence[TaggedSentence],
    train_words: Collection[str] | None = None,
    batch_size: int = 256,
) -> Evaluation:
    """Accuracy overall, per gold tag, on seen and unseen words, and the confusion matrix."""
    if not sentences:
        raise ValueError("evaluate needs at least one sentence")
    predictions = model.predict([s.words for s in sentences], batch_size=batch_size)
    tags = model.vocabs.tags.tokens
    index = {t: i for i, t in enumerate(tags)}
    confusion = torch.zeros(len(tags), len(tags), dtype=torch.long)
    seen, unseen = [0, 0], [0, 0]
    for sentence, predicted in zip(sentences, predictions, strict=True):
        for word, gold, guess in zip(sentence.words, sentence.tags, predicted, strict=True):
            if gold not in index:
                raise ValueError(f"the gold tag {gold!r} is not one the model knows: {tags}")
            confusion[index[gold], index[guess]] += 1
            if train_words is not None:
                bucket = seen if word in train_words else unseen
                bucket[0] += gold == guess
                bucket[1] += 1
    per_tag = {t: (int(confusion[i, i]), int(confusion[i].sum())) for i, t in enumerate(tags)}
    return Evaluation(
        tags=tags,
        correct=int(confusion.diag().sum()),
        total=int(confusion.sum()),
        confusion=confusion,
        predictions=predictions,
        seen=tuple(seen) if train_words is not None else None,
        unseen=tuple(unseen) if train_words is not None else None,
        per_tag=per_tag,
    )


def train(
    train_sentences: Sequence[TaggedSentence],
    dev_sentences: Sequence[TaggedSentence],
    *,
    config: TaggerConfig | None = None,
    minutes: float | None = None,
    epochs: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    lr: float = DEFAULT_LR,
    clip: float = DEFAULT_CLIP,
    seed: int = 0,
    device: torch.device | str | None = None,
    bfloat16: bool | None = False,
    checkpoint: str | os.PathLike | None = None,
    progress: bool = True,
) -> TrainingResult:
    """Train a tagger with Adam on shuffled batches of sentences of one length each.

    Stops after ``epochs`` epochs or ``minutes`` of wall-clock time, whichever comes first
    (at least one must be given; a budget that runs out mid-epoch ends that epoch early).
    The learning rate follows a cosine from ``lr`` down to zero over the budget, so the last
    steps make small, careful updates whatever the budget is. After every epoch the dev
    accuracy is measured; the best model is kept (and written to ``checkpoint``, atomically)
    and returned.

    Training is in float32 unless asked otherwise, so that the same call trains the same
    model on every CPU. ``bfloat16=True`` trains with mixed precision (``torch.autocast``:
    matrix products in bfloat16, weights, optimizer and loss in float32): faster where the
    CPU computes bfloat16 natively, slower where it emulates it, and with other rounding, so
    other digits. ``None`` decides by :func:`default_bfloat16` (an LSTM, on a CPU that
    computes bfloat16 natively): the command line's ``--precision auto``. Evaluation is
    always in float32.

    With ``minutes`` the cosine follows the share of the budget spent, in seconds, not in
    steps: whatever the machine's load, the learning rate reaches zero exactly when the time
    runs out, so the last steps are always small ones. (A schedule in steps, fixed from an
    early estimate of the speed, would stop half-way down the cosine on a machine that slows
    down.) Such a run is not reproducible across machines; ``epochs`` alone is.
    """
    if minutes is None and epochs is None:
        raise ValueError("give a time budget (minutes) or a number of epochs, or both")
    check_arguments(minutes, epochs, batch_size, lr, clip, seed, checkpoint)
    if not train_sentences or not dev_sentences:
        raise ValueError("training needs training and dev sentences")
    set_seed(seed)
    shuffler = torch.Generator().manual_seed(seed)
    config = config or TaggerConfig()
    device = torch.device(device) if device is not None else default_device()
    if bfloat16 is None:
        bfloat16 = default_bfloat16(device, config)
    elif bfloat16:
        require_bfloat16(device)  # before any work: one line where the LSTM cannot run in it
    model = LSTMTagger(config, TaggerVocabs.build(train_sentences, config)).to(device)
    optimizer = make_optimizer(model, lr)
    corpus = model.encode_corpus(
        [s.words for s in train_sentences], [s.tags for s in train_sentences]
    )
    lengths = [len(s) for s in train_sentences]
    budget = _Budget(minutes, epochs)
    best = _BestOnDev(model, checkpoint)
    history: list[EpochLog] = []
    with denormals_flushed():
        for epoch in budget.epochs():
            batches = bucketed_batches(lengths, batch_size, generator=shuffler)
            bar = tqdm(
                batches, desc=f"epoch {epoch}", unit="batch", disable=not progress, leave=False
            )
            loss, words_per_second = train_epoch(
                model,
                optimizer,
                (corpus.batch(indices) for indices in bar),
                clip=clip,
                bfloat16=bfloat16,
                learning_rate=budget.cosine(lr, epoch, len(batches)),
                deadline=budget.deadline,
            )
            accuracy = evaluate(model, dev_sentences).accuracy
            history.append(EpochLog(epoch, loss, accuracy, budget.seconds(), words_per_second))
            is_best = best.offer(epoch, accuracy)
            if progress:
                tqdm.write(
                    f"epoch {epoch:2d}  loss {loss:.4f}  dev accuracy {100 * accuracy:.2f}%  "
                    f"{words_per_second:,.0f} words/s" + ("  (best)" if is_best else "")
                )
    if best.epoch == 0:  # the budget ran out while the data was being prepared
        raise ValueError(
            f"no epoch completed within minutes={minutes}: the time ran out before the first "
            "one began, so there is no model to keep; give more minutes or a number of epochs"
        )
    return TrainingResult(best.restore(), history, best.epoch, best.accuracy)


def cosine_lr(lr: float, done: float) -> float:
    """The learning rate once ``done`` (0 to 1) of the budget is spent: a cosine from ``lr``
    at the start down to 0 at the end (and 0 after it). It falls slowly at first, while the
    model is far from any minimum, and slowly at the end, where small steps settle it."""
    return lr * 0.5 * (1 + math.cos(math.pi * min(done, 1.0)))


def train_step(
    model: LSTMTagger,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    *,
    clip: float,
    bfloat16: bool = False,
    lap: Callable[[str], object] | None = None,
) -> Tensor:
    """One update from one batch (on the model's device): the loss (in bfloat16 mixed
    precision if asked, see :func:`train`), its gradients, clipped to a total norm of at
    most ``clip`` (one exploding batch must not throw the weights far away), and the
    optimizer's step. Returns the loss, the mean over the batch's words, detached.

    ``lap``, if given, is called as each phase ends, with its name ("forward", "backward",
    "clip + optimizer step"): the clock of ``benchmarks/tagger_profile.py``.
    """
    with mixed_precision(model.hidden2tag.weight.device, bfloat16):
        loss = model.loss(batch)
    if lap:
        lap("forward")
    optimizer.zero_grad()
    loss.backward()
    if lap:
        lap("backward")
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    if lap:
        lap("clip + optimizer step")
    return loss.detach()


def train_epoch(
    model: LSTMTagger,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[Batch],
    *,
    clip: float,
    bfloat16: bool = False,
    learning_rate: Callable[[int], float] | None = None,
    deadline: float = math.inf,
) -> tuple[float, float]:
    """:func:`train_step` on each of ``batches`` in turn, the learning rate of step ``i`` set
    to ``learning_rate(i)`` first (if given), stopping early once ``time.perf_counter()``
    passes ``deadline``. Returns the mean loss per word and the words trained on per second.
    """
    device = model.hidden2tag.weight.device
    model.train()
    total_loss, words, start = 0.0, 0, time.perf_counter()
    for step, batch in enumerate(batches):
        if learning_rate is not None:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step)
        batch = batch.to(device)
        loss = train_step(model, optimizer, batch, clip=clip, bfloat16=bfloat16)
        total_loss += loss.item() * batch.n_words
        words += batch.n_words
        if time.perf_counter() > deadline:
            break
    return total_loss / words, words / (time.perf_counter() - start)


class _Budget:
    """Epochs, minutes, or both: which epochs to start, and how much of the budget is done."""

    def __init__(self, minutes: float | None, epochs: int | None) -> None:
        self.minutes, self.max_epochs = minutes, epochs
        self.start = time.perf_counter()
        self.deadline = self.start + 60 * minutes if minutes is not None else math.inf

    def epochs(self) -> Iterator[int]:
        """1, 2, ... while epochs and time are left."""
        epoch = 0
        while (self.max_epochs is None or epoch < self.max_epochs) and (
            time.perf_counter() < self.deadline
        ):
            epoch += 1
            yield epoch

    def cosine(self, lr: float, epoch: int, steps: int) -> Callable[[int], float]:
        """The learning rate of each step of epoch ``epoch`` (of ``steps`` steps), by
        :func:`cosine_lr` of the share of the budget spent when the step begins."""
        return lambda step: cosine_lr(lr, self.done(epoch, step / steps))

    def seconds(self) -> float:
        return time.perf_counter() - self.start

    def done(self, epoch: int, share_of_epoch: float) -> float:
        """The share of the budget spent, 0 to 1: of the time, of the epochs, the larger."""
        return max(
            self.seconds() / (self.deadline - self.start) if self.minutes else 0.0,
            (epoch - 1 + share_of_epoch) / self.max_epochs if self.max_epochs else 0.0,
        )


class _BestOnDev:
    """The model's weights at its best dev accuracy so far, in memory and in ``checkpoint``."""

    def __init__(self, model: LSTMTagger, checkpoint: str | os.PathLike | None) -> None:
        self.model, self.checkpoint = model, checkpoint
        self.state: dict[str, Tensor] | None = None
        self.epoch, self.accuracy = 0, -1.0

    def offer(self, epoch: int, accuracy: float) -> bool:
        """Keep the model's weights if ``accuracy`` beats the best so far; True if so."""
        if accuracy <= self.accuracy:
            return False
        self.state = copy.deepcopy(self.model.state_dict())
        self.epoch, self.accuracy = epoch, accuracy
        if self.checkpoint is not None:
            self.model.save(self.checkpoint)
        return True

    def restore(self) -> LSTMTagger:
        """The model, with its best weights back, in evaluation mode."""
        self.model.load_state_dict(self.state)
        return self.model.eval()


def check_arguments(
    minutes: float | None,
    epochs: int | None,
    batch_size: int,
    lr: float,
    clip: float,
    seed: int,
    checkpoint: str | os.PathLike | None,
) -> None:
    """Refuse, before any work, what :func:`train` cannot use: a NaN or infinite budget
    would never stop or never start, a batch of 0 sentences has no gradient, and a
    checkpoint path that cannot be written would fail only after the first epoch."""

    def positive(value: object) -> bool:
        return (
            isinstance(value, numbers.Real)  # int, float, NumPy's numbers, not bool
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        )

    def whole(value: object, low: int, high: float = math.inf) -> bool:
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        return integral and low <= value <= high

    if minutes is not None and not positive(minutes):
        raise ValueError(f"minutes must be a finite number above 0 (or None), got {minutes!r}")
    if epochs is not None and not whole(epochs, 1):
        raise ValueError(
            f"epochs must be an int >= 1 (or None, with minutes as the budget), got {epochs!r}"
        )
    if not whole(batch_size, 1):
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    for name, value in (("lr", lr), ("clip", clip)):
        if not positive(value):
            raise ValueError(f"{name} must be a finite number above 0, got {value!r}")
    if not whole(seed, 0, 2**64 - 1):
        raise ValueError(f"seed must be an int from 0 to 2**64 - 1, got {seed!r}")
    if checkpoint is not None:
        # written over only if it is a tagger checkpoint: never a learner's other file
        check_output_path(checkpoint, replaces=CHECKPOINT_FORMAT)


def default_bfloat16(device: torch.device | str, config: TaggerConfig) -> bool:
    """Whether :func:`train` uses bfloat16 mixed precision when not told: for an LSTM, on a
    CPU that computes bfloat16 natively (:func:`lstm_course.runtime.native_bfloat16`).

    On a CPU only PyTorch's LSTM has fused kernels (oneDNN) that compute in bfloat16; its GRU
    and RNN step through the sequence, where bfloat16's conversions cost more than its
    cheaper products save: it made them slower, not faster (figures in
    docs/measured.md).
    """
    return native_bfloat16(device) and config.rnn == "lstm"


def make_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    """Adam with β2 = 0.9: the second-moment average forgets faster than the default 0.999,
    which suits the sparse, bursty gradients of word embeddings.

    Adam's fused implementation where PyTorch has it (:func:`lstm_course.speed.fused_adam`).
    """
    return fused_adam(model.parameters(), lr=lr, betas=(0.9, 0.9))
