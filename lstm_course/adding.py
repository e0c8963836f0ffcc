"""The adding problem: a test of memory that a plain RNN fails and gated cells pass.

Hochreiter & Schmidhuber (1997) made it to show what the LSTM is for. Every step's event
is a pair (value, marker): the value is uniform in [0, 1) (the version of Le, Jaitly &
Hinton 2015, which most later work uses; the original drew values from [-1, 1]), and the
marker is 1 at exactly two steps, one in the first half of the sequence and one in the
second, 0 elsewhere. The
target is the sum of the two marked values. To answer, a network must notice the first
marked value, keep it in memory for up to ``length`` steps of noise, and add the second.

A network that remembers nothing can do no better than always answering 1, the mean of
the target, which has a mean squared error of Var(u1 + u2) = 2/12 = 1/6 ≈ 0.167
(:data:`BASELINE_MSE`). Getting clearly below that line means having remembered.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lstm_course.cells import RECURRENT_LAYERS, cell_from_torch

BASELINE_MSE = 1 / 6  # always answering 1


def adding_problem(
    batch_size: int,
    length: int,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> tuple[Tensor, Tensor]:
    """A batch of adding problems: events ``(batch, length, 2)`` and targets ``(batch,)``."""
    if batch_size < 1 or length < 2:
        raise ValueError(f"need batch_size >= 1 and length >= 2, got {batch_size} and {length}")
    values = torch.rand(batch_size, length, generator=generator)
    half = length // 2
    first = torch.randint(0, half, (batch_size,), generator=generator)
    second = torch.randint(half, length, (batch_size,), generator=generator)
    markers = torch.zeros(batch_size, length)
    rows = torch.arange(batch_size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    events = torch.stack([values, markers], dim=-1)
    target = (values * markers).sum(dim=1)
    return events.to(device), target.to(device)


class SequenceRegressor(nn.Module):
    """A recurrent layer reads the whole sequence; a linear layer turns its last
    (short-term or working) memory into one number."""

    def __init__(self, kind: str = "lstm", hidden_size: int = 64, input_size: int = 2) -> None:
        super().__init__()
        if kind not in RECURRENT_LAYERS:
            raise ValueError(f"kind must be one of {sorted(RECURRENT_LAYERS)}, got {kind!r}")
        self.kind = kind
        self.rnn = RECURRENT_LAYERS[kind](input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, events: Tensor) -> Tensor:
        """Events ``(batch, time, input)`` -> one prediction per sequence, ``(batch,)``."""
        if events.dim() != 3 or events.shape[-1] != self.rnn.input_size:
            raise ValueError(
                f"events must have shape (batch, time, {self.rnn.input_size}), "
                f"got {tuple(events.shape)}"
            )
        out, _ = self.rnn(events)  # zeros as the initial state, every call
        return self.head(out[:, -1]).squeeze(-1)


def set_forget_bias(lstm: nn.LSTM | nn.LSTMCell, value: float = 1.0) -> None:
    """Start every forget factor f_t near σ(value) by setting the forget gate's bias.

    Jozefowicz, Zaremba & Sutskever (2015) found a forget bias of 1 helps: at the start of
    training f_t ≈ σ(1) ≈ 0.73 instead of ≈ 0.5, so the long-term memory, and the gradient
    flowing back along it, fades much more slowly. torch adds *two* biases, ``bias_ih`` and
    ``bias_hh``; the forget gate sees their sum, so this sets ``bias_ih``'s forget rows
    to ``value`` and ``bias_hh``'s to 0, in every layer and direction.
    """
    if not isinstance(lstm, nn.LSTM | nn.LSTMCell):
        raise TypeError(
            f"set_forget_bias needs an nn.LSTM or nn.LSTMCell, got {type(lstm).__name__}"
        )
    if not lstm.bias:
        raise ValueError("this LSTM was made with bias=False: it has no forget bias to set")
    rows = slice(lstm.hidden_size, 2 * lstm.hidden_size)  # torch's blocks: i, f, g, o
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[rows] = value
            elif name.startswith("bias_hh"):
                p[rows] = 0.0


def train_adding(
    model: SequenceRegressor,
    length: int,
    *,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-2,
    clip: float = 1.0,
    seed: int = 0,
    stop_when_solved: bool = False,
    progress: bool = True,
) -> list[float]:
    """Train on fresh random batches with Adam; return the loss (MSE) of every step.

    Gradients are clipped to norm ``clip``: the exploding side of the same problem that
    makes gradients vanish would otherwise throw a plain RNN off in one step. With
    ``stop_when_solved``, training ends as soon as :func:`steps_to_solve` says the loss has
    stayed below a tenth of the baseline, which saves the time of runs that are done.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    bar = tqdm(
        range(steps), desc=f"{model.kind}, length {length}", disable=not progress, leave=False
    )
    for _ in bar:
        events, target = adding_problem(batch_size, length, generator=generator, device=device)
        loss = nn.functional.mse_loss(model(events), target)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
        if stop_when_solved and _solved_now(losses):
            break
    return losses


@torch.no_grad()
def evaluate_mse(model: SequenceRegressor, length: int, n: int = 2000, seed: int = 1234) -> float:
    """Mean squared error on ``n`` fresh problems (the same ones for every model)."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    events, target = adding_problem(n, length, generator=generator, device=device)
    return nn.functional.mse_loss(model(events), target).item()


def memory_gradient_norms(model: SequenceRegressor, events: Tensor, target: Tensor) -> Tensor:
    """‖∂L/∂h_t‖ for every step t: how strongly the loss at the end reaches back to the
    memory at step t.

    ``nn.LSTM`` does not keep its intermediate memories as tensors one can ask for a
    gradient, so this runs the same weights one step at a time with the course's cells
    (:func:`lstm_course.cells.cell_from_torch`) and keeps every h_t.
    """
    cell = cell_from_torch(model.rnn)
    state, memories = None, []
    for t in range(events.shape[1]):
        state = cell(events[:, t], state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        memories.append(h)
    loss = nn.functional.mse_loss(model.head(memories[-1]).squeeze(-1), target)
    loss.backward()
    return torch.stack([m.grad.norm() for m in memories]).detach()


SOLVED_MSE = 0.1 * BASELINE_MSE  # a run is solved once its loss stays below this
SOLVED_WINDOW = 20  # ... as a mean over this many consecutive training steps


def steps_to_solve(
    losses: list[float], threshold: float = SOLVED_MSE, window: int = SOLVED_WINDOW
) -> int | None:
    """The first step after which the mean loss over ``window`` steps is below
    ``threshold`` (a tenth of the baseline by default), or None if it never is."""
    for end in range(window, len(losses) + 1):
        if math.fsum(losses[end - window : end]) / window < threshold:
            return end
    return None


def _solved_now(losses: list[float]) -> bool:
    recent = losses[-SOLVED_WINDOW:]
    return len(recent) == SOLVED_WINDOW and math.fsum(recent) / SOLVED_WINDOW < SOLVED_MSE
