"""A character-level LSTM language model of Python source, and what its cells track.

The text is the Python standard library's own source: every machine with Python has it,
so nothing is downloaded. The model reads one character (an *event*) at a time and
predicts the next; to do that well it has to remember things like "we are inside a
string" or "two brackets are open" in its long-term memory. Lesson 6 measures which units
of the cell state c_t do, after Karpathy, Johnson & Fei-Fei (2015), "Visualizing and
Understanding Recurrent Networks".
"""

from __future__ import annotations

import copy
import math
import os
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lstm_course.cells import Gates, LSTMCell, Trace
from lstm_course.files import check_model_size, load_model, save_model
from lstm_course.runtime import mixed_precision, require_bfloat16
from lstm_course.vocab import Vocab, require_vocab

CHECKPOINT_FORMAT = "lstm_course.charlm"
CHECKPOINT_VERSION = 1
# A fixed alphabet, not one read from the data: the same indices on every Python version.
ALPHABET = [c for c in string.printable if c not in "\x0b\x0c\r"]
# The longer-trained model shipped with the course (made by tools/train_char_lm.py).
SHIPPED_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "char_lm_stdlib.pt"
# Characters per call of nn.LSTM when tracing a long text (cuDNN refuses ~70,000 at once).
TRACE_CHUNK = 10_000
# The most memory a trace may take: it keeps six float32 numbers per unit per character
# (h, c and four gates), 12 KiB a character for the shipped model's 512 units, so a long
# text could fill any machine's memory. 1 GiB is about 87,000 characters for that model.
TRACE_MAX_BYTES = 2**30


# ---------------------------------------------------------------------- the alphabet
def char_vocab() -> Vocab:
    """Every printable ASCII character and newline; anything else is ``<unk>``."""
    return Vocab(ALPHABET, pad_token=None)


def encode_text(text: str, vocab: Vocab) -> Tensor:
    """Characters to a LongTensor of indices (unknown characters to ``<unk>``).

    A lookup table indexed by code point, so 30 MB of text takes a second, not a minute.
    """
    if require_vocab(vocab).unk_token is None:
        raise ValueError("encode_text needs a vocabulary with an unknown-character entry")
    singles = [t for t in vocab.tokens if len(t) == 1]
    table = np.full(max(map(ord, singles), default=0) + 2, vocab.unk_index, dtype=np.int64)
    for t in singles:
        table[ord(t)] = vocab.index(t)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    codes = np.minimum(codes, len(table) - 1)  # anything past the table: the last entry, <unk>
    return torch.from_numpy(table[codes])


# ---------------------------------------------------------------------- the model
@dataclass(frozen=True)
class CharLMConfig:
    embedding_dim: int = 32
    hidden_size: int = 128
    # in training, the share of the LSTM's outputs zeroed before the output layer: the model
    # cannot lean on any one unit to recall a file it has read many times, so it memorises
    # less and generalises more to files it has not read
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.embedding_dim < 1 or self.hidden_size < 1:
            raise ValueError("CharLMConfig: embedding_dim and hidden_size must be positive")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"CharLMConfig.dropout must be in [0, 1), got {self.dropout}")


class CharLM(nn.Module):
    """Embedding -> one LSTM layer -> a score for every possible next character.

    Stateless, like every model of the course: the state goes in and comes out as an
    argument, so reading a long text in chunks is ``logits, state = model(chunk, state)``.
    """

    def __init__(self, vocab: Vocab, config: CharLMConfig = CharLMConfig()) -> None:
        vocab_size, e, h = len(require_vocab(vocab)), config.embedding_dim, config.hidden_size
        check_model_size([(vocab_size, e), (4 * h, e + h + 2), (vocab_size, h + 1)], "this model")
        super().__init__()
        self.vocab, self.config = vocab, config
        self.embedding = nn.Embedding(len(vocab), config.embedding_dim)
        self.lstm = nn.LSTM(config.embedding_dim, config.hidden_size, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, len(vocab))
        self.info: dict = {}  # how a loaded checkpoint was made (see tools/train_char_lm.py)

    def forward(
        self, ids: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Indices ``(batch, time)`` -> next-character scores ``(batch, time, vocab)``."""
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(
                f"give character indices as a LongTensor (batch, time), got {ids.dtype} "
                f"of shape {tuple(ids.shape)}"
            )
        out, state = self.lstm(self.embedding(ids), state)
        return self.head(self.dropout(out)), state

    def trace(self, text: str, chunk: int = TRACE_CHUNK) -> Trace:
        """h, c and every gate at every character of ``text``: ``(time, hidden)`` each, on
        the CPU, ready to plot or correlate.

        What ``nn.LSTM`` computes but does not return. ``nn.LSTM`` gives every h_t fast;
        with h_{t-1} known, the course's :meth:`LSTMCell.gates` computes the gates of all
        steps at once, and only c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t is left to run in order.
        (:func:`lstm_course.cells.trace` does the same one step at a time: slower, and the
        tests check the two agree.) A long text is read ``chunk`` characters at a time,
        the memories carried from each chunk to the next: one call of ``nn.LSTM`` on a
        sequence of 70,000 steps fails on a GPU (cuDNN), and a chunked trace is the same.
        """
        if not isinstance(text, str) or not text:
            raise ValueError("give at least one character to trace")
        if not isinstance(chunk, int) or chunk < 1:
            raise ValueError(f"chunk must be at least 1 (an int), got {chunk!r}")
        units = self.config.hidden_size
        per_character = 6 * units * 4  # h, c and four gates, float32
        longest = TRACE_MAX_BYTES // per_character
        if len(text) > longest:
            raise ValueError(
                f"a trace of {len(text):,} characters would take "
                f"{len(text) * per_character / 2**30:.1f} GiB (h, c and four gates of "
                f"{units} units per character); trace at most {longest:,} characters at a "
                "time, carrying nothing between pieces, or sample the text"
            )
        ids = encode_text(text, self.vocab)
        cell = LSTMCell.from_torch(self.lstm)
        device = self.head.weight.device
        # filled in place, chunk by chunk: no list of pieces to concatenate into a second copy
        h_all, c_all = torch.empty(len(ids), units), torch.empty(len(ids), units)
        gates_all = Gates(*(torch.empty(len(ids), units) for _ in range(4)))
        state = None
        with torch.no_grad():
            for start in range(0, len(ids), chunk):
                events = self.embedding(ids[start : start + chunk].to(device))
                h, (h_last, c_last) = self.lstm(events[None], state)
                h = h[0]
                h_before = state[0][0, 0] if state is not None else torch.zeros_like(h[0])
                previous = torch.cat([h_before[None], h[:-1]])
                gates = cell.gates(events, previous)  # every step at once: time is the batch
                c_before = state[1][0, 0] if state is not None else torch.zeros_like(h[0])
                end = start + len(events)
                c_all[start:end] = _run_long_term_memory(gates, cell.learn_gate(gates), c_before)
                h_all[start:end] = h.float().cpu()
                for whole, part in zip(gates_all, gates, strict=True):
                    whole[start:end] = part.float().cpu()
                state = (h_last, c_last)
        return Trace(h_all, c_all, gates_all)

    # ------------------------------------------------------------------ checkpoints
    def save(self, path: str | os.PathLike, **info: object) -> None:
        """Weights, alphabet, configuration (and any ``info``) in one file, atomically;
        :meth:`load` reads it with ``weights_only=True``, which runs no pickled code."""
        vocab = self.vocab.to_dict()
        save_model(
            path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, self, self.config, vocab=vocab, info=info
        )

    @classmethod
    def load(cls, path: str | os.PathLike, map_location: str | torch.device = "cpu") -> CharLM:
        """A model saved by :meth:`save`; its ``info`` dict is in ``model.info``. A file that
        is not one is a :class:`~lstm_course.files.CheckpointError`."""

        def build(payload: dict) -> CharLM:
            vocab = Vocab.from_dict(payload["vocab"], source=str(path))
            return cls(vocab, CharLMConfig(**payload["config"]))

        model, payload = load_model(
            path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, build, map_location
        )
        model.info = dict(payload.get("info", {}))
        return model


def _run_long_term_memory(gates: Gates, learned: Tensor, ltm: Tensor) -> Tensor:
    """c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t (the remember gate) for every step, in order, from
    c_0 = ``ltm``; on the CPU, where a short loop of small steps is fastest."""
    forget = gates.forget.cpu().double().numpy()
    learned_np = learned.cpu().double().numpy()
    c = np.empty_like(forget)
    memory = ltm.cpu().double().numpy()
    for t in range(len(c)):
        memory = forget[t] * memory + learned_np[t]
        c[t] = memory
    return torch.from_numpy(c).float()


@torch.no_grad()
def sample(
    model: CharLM, prompt: str, length: int = 300, temperature: float = 0.8, seed: int = 0
) -> str:
    """``prompt`` followed by ``length`` characters the model writes, one at a time, each
    drawn from its predicted distribution (sharpened by a ``temperature`` below 1)."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("give a prompt of at least one character")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise ValueError(f"length must be a whole number of characters, 0 or more, got {length!r}")
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not (math.isfinite(temperature) and temperature > 0)
    ):
        raise ValueError(f"temperature must be a finite number above 0, got {temperature!r}")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    device = model.head.weight.device
    logits, state = model(encode_text(prompt, model.vocab).to(device)[None])
    written = []
    for _ in range(length):
        scores = logits[0, -1].cpu()
        scaled = scores / temperature
        if not bool(torch.isfinite(scaled).all()):
            # a tiny temperature overflowed the scores to infinity (NaN probabilities):
            # subtract the best first, so it is 0 and the others only fall further below
            scaled = (scores - scores.max()) / temperature
        probabilities = torch.softmax(scaled, dim=-1)
        index = int(torch.multinomial(probabilities, 1, generator=generator))
        written.append(model.vocab.decode([index])[0])
        logits, state = model(torch.tensor([[index]], device=device), state)
    return prompt + "".join(written)


# ---------------------------------------------------------------------- training
def train_char_lm(
    model: CharLM,
    ids: Tensor,
    *,
    steps: int,
    seq_len: int = 128,
    batch_size: int = 64,
    lr: float = 3e-3,
    clip: float = 1.0,
    bfloat16: bool = False,
    progress: bool = True,
) -> list[float]:
    """Train with truncated backpropagation through time; return each step's loss in bits
    per character.

    The text is cut into ``batch_size`` long streams, read side by side, ``seq_len``
    characters per step, and the memories are carried from each step to the next (but not
    the gradient: it stops at the step's first character). So the model learns to work with
    a memory that has been running for thousands of characters, which is how it is used
    afterwards, instead of always starting from zeros. Adam, with a learning rate that
    decays to zero along a cosine.

    ``bfloat16`` trains with mixed precision (``torch.autocast``: the LSTM's matrix products
    in bfloat16; weights, optimizer, loss and the carried memories in float32): faster on a
    CPU that computes bfloat16 natively (:func:`lstm_course.runtime.native_bfloat16`), and
    how the shipped model was made (docs/measured.md).
    """
    _check_training_options(steps=steps, seq_len=seq_len, batch_size=batch_size, lr=lr, clip=clip)
    stream_length = len(ids) // batch_size
    if stream_length <= seq_len + 1:
        raise ValueError(
            f"the text ({len(ids)} characters) is too short for {batch_size} streams of "
            f"more than {seq_len} characters"
        )
    device = model.head.weight.device
    if bfloat16:
        require_bfloat16(device)  # before any work, not oneDNN's error from the first step
    streams = ids[: stream_length * batch_size].view(batch_size, stream_length).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / steps))
    )
    losses, state, start = [], None, 0
    model.train()
    for _ in tqdm(range(steps), desc="training", disable=not progress):
        if start + seq_len + 1 > stream_length:  # the end of the streams: start over
            state, start = None, 0
        window = streams[:, start : start + seq_len + 1]
        with mixed_precision(device, bfloat16):
            logits, state = model(window[:, :-1], state)
        state = tuple(s.detach().float() for s in state)  # keep the memory, cut the gradient
        loss = nn.functional.cross_entropy(logits.float().flatten(0, 1), window[:, 1:].flatten())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        schedule.step()
        losses.append(loss.item() / math.log(2))
        start += seq_len
    model.eval()
    return losses


def _check_training_options(**options: object) -> None:
    """Each of :func:`train_char_lm`'s numbers a whole number >= 1 (steps, sizes) or a
    finite number above 0 (lr, clip): one line, before any work, never a
    ``ZeroDivisionError`` or a NaN loss from deep inside the loop."""
    for name, value in options.items():
        if name in ("lr", "clip"):
            try:  # a NumPy scalar is as good as a float
                number = math.nan if isinstance(value, (bool, str)) else float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not (math.isfinite(number) and number > 0):
                raise ValueError(f"{name} must be a finite number above 0, got {value!r}")
        elif isinstance(value, bool) or not hasattr(type(value), "__index__") or value < 1:
            raise ValueError(f"{name} must be a whole number, at least 1, got {value!r}")


@torch.no_grad()
def surprise_per_character(model: CharLM, ids: Tensor, chunk: int = 4096) -> Tensor:
    """The model's surprise at each character of ``ids`` but the first, in bits
    (``-log2 p``), reading the whole text in order and carrying the state from chunk to
    chunk: ``(len(ids) - 1,)``, float64, on the CPU. Summed over any stretch (a file, say),
    it is that stretch's cost in bits."""
    if len(ids) < 2:
        raise ValueError("need at least two characters to predict one")
    model.eval()
    device = model.head.weight.device
    state, bits = None, []
    with torch.no_grad():
        for start in range(0, len(ids) - 1, chunk):
            x = ids[start : start + chunk].to(device)[None]
            y = ids[start + 1 : start + chunk + 1].to(device)[None]
            x = x[:, : y.shape[1]]
            logits, state = model(x, state)
            nats = nn.functional.cross_entropy(logits[0], y[0], reduction="none")
            bits.append(nats.double().cpu() / math.log(2))
    return torch.cat(bits)


def bits_per_file(model: CharLM, pieces: list[str]) -> np.ndarray:
    """``(files, 2)``: each piece's (file's) bits and predicted characters, the pieces read
    one after another as one text, the state carried along (the text's first character is
    not predicted). Sums that add up over files, for
    :func:`lstm_course.probes.bootstrap_over_files`."""
    if not pieces or not all(isinstance(p, str) and p for p in pieces):
        raise ValueError("give a list of non-empty texts, one per file")
    lengths = np.array([len(p) for p in pieces])
    bits = surprise_per_character(model, encode_text("".join(pieces), model.vocab)).numpy()
    file_of = np.repeat(np.arange(len(pieces)), lengths)[1:]  # of each predicted character
    n = len(pieces)
    return np.stack([np.bincount(file_of, bits, n), np.bincount(file_of, None, n)], 1)


@torch.no_grad()
def bits_with_units_zeroed(
    model: CharLM, text: str, unit_sets: list[list[int]]
) -> tuple[Tensor, Tensor]:
    """An intervention: ``(bits, predicted)``, the bits of every predicted character of
    ``text`` (``(rows, characters - 1)``), one row per set of units whose c_t is set to 0
    after every step (an empty set: the model untouched), so the network goes on from the
    changed memory; and the predicted characters. A correlation says a unit follows a
    feature; only this says whether the model uses it."""
    units = model.config.hidden_size
    if not unit_sets or any(not 0 <= u < units for s in unit_sets for u in s):
        raise ValueError(f"give sets of units between 0 and {units - 1}")
    if not isinstance(text, str) or len(text) < 2:
        raise ValueError("give a text of at least two characters")
    m = copy.deepcopy(model).cpu().float()  # the loop runs on the CPU, in float32
    cell = LSTMCell.from_torch(m.lstm)
    ids = encode_text(text, m.vocab)
    events = m.embedding(ids)
    mask = torch.ones(len(unit_sets), units)
    for row, chosen in enumerate(unit_sets):
        mask[row, list(chosen)] = 0.0
    state = (torch.zeros(len(unit_sets), units), torch.zeros(len(unit_sets), units))
    bits = []
    for t in range(len(ids) - 1):
        h, c = cell(events[t].expand(len(unit_sets), -1), state)
        state = (h, c * mask)
        bits.append(-torch.log_softmax(m.head(h), dim=-1)[:, ids[t + 1]] / math.log(2))
    return torch.stack(bits, dim=1), ids[1:]


def bits_per_character(model: CharLM, ids: Tensor, chunk: int = 4096) -> float:
    """The model's average surprise on ``ids``, in bits per character
    (:func:`surprise_per_character`, averaged)."""
    return surprise_per_character(model, ids, chunk).mean().item()
