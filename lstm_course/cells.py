"""The LSTM cell from plain tensor operations, in the course's words.

One step of an LSTM takes an **event** (x_t), the **short-term memory** STM (h_{t-1}) and
the **long-term memory** LTM (c_{t-1}), and returns the new STM and LTM::

    learn gate     i_t ⊙ g_t        keep part (the ignore factor i_t) of new information g_t
    forget gate    f_t ⊙ c_{t-1}    keep part (the forget factor f_t) of the old LTM
    remember gate  c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                    the new LTM
    use gate       h_t = o_t ⊙ tanh(c_t)                               the new STM

with i_t, f_t, o_t = σ(W x_t + U h_{t-1} + b) and g_t = tanh(W x_t + U h_{t-1} + b), each
with its own rows of W, U and b. This is exactly what ``torch.nn.LSTMCell`` computes, with
the weights stored the same way (rows in the order i, f, g, o), so :meth:`LSTMCell.from_torch`
can copy them and the two give the same numbers. :mod:`lstm_course.glossary` maps the words.

:class:`LectureLSTMCell` is the course notes' own use gate, which is *not* what PyTorch
computes; lesson 1 shows the difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor, nn

State = tuple[Tensor, Tensor]  # (STM, LTM) = (h, c)


class Gates(NamedTuple):
    """The four gate activations of one step, each of shape (batch, hidden_size)."""

    ignore: Tensor  # i_t, the learn gate's ignore factor (PyTorch: input gate)
    forget: Tensor  # f_t, the forget factor (PyTorch: forget gate)
    new_info: Tensor  # g_t, the new information N_t (PyTorch: cell candidate)
    use: Tensor  # o_t, the use factor (PyTorch: output gate)


_IGNORE, _FORGET, _NEW_INFO, _USE = range(4)  # torch's row blocks: i, f, g, o


class LSTMCell(nn.Module):
    """One LSTM step, ``cell(event, (stm, ltm)) -> (stm, ltm)``, shaped like torch's.

    Shapes follow ``torch.nn.LSTMCell``: the event is ``(batch, input_size)`` or, for a
    single example, ``(input_size,)``; the memories are ``(batch, hidden_size)`` or
    ``(hidden_size,)``. Leaving out the state starts both memories at zeros, as torch does.

    The parameters have torch's names and layout (``weight_ih`` is ``(4*hidden, input)``
    with row blocks i, f, g, o), so weights copy across in both directions.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if input_size < 1 or hidden_size < 1:
            raise ValueError(
                f"input_size and hidden_size must be positive, got {input_size} and {hidden_size}"
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size, **kw))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size, **kw))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ±1/√hidden_size, as torch initialises its LSTM."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    # ----------------------------------------------------------------- the four factors
    def _preactivation(self, block: int, event: Tensor, stm: Tensor) -> Tensor:
        """W x_t + U h_{t-1} + b for one of the four row blocks (i, f, g, o)."""
        rows = slice(block * self.hidden_size, (block + 1) * self.hidden_size)
        z = event @ self.weight_ih[rows].T + stm @ self.weight_hh[rows].T
        if self.bias_ih is not None:
            z = z + self.bias_ih[rows] + self.bias_hh[rows]
        return z

    def gates(self, event: Tensor, stm: Tensor) -> Gates:
        """All four activations for one step: what the gates decide from STM and the event."""
        return Gates(
            ignore=torch.sigmoid(self._preactivation(_IGNORE, event, stm)),
            forget=torch.sigmoid(self._preactivation(_FORGET, event, stm)),
            new_info=torch.tanh(self._preactivation(_NEW_INFO, event, stm)),
            use=torch.sigmoid(self._preactivation(_USE, event, stm)),
        )

    # ----------------------------------------------------------------- the four gates
    @staticmethod
    def learn_gate(gates: Gates) -> Tensor:
        """New information g_t, of which the ignore factor i_t keeps a part: i_t ⊙ g_t."""
        return gates.ignore * gates.new_info

    @staticmethod
    def forget_gate(gates: Gates, ltm: Tensor) -> Tensor:
        """The long-term memory, of which the forget factor f_t keeps a part: f_t ⊙ c_{t-1}."""
        return gates.forget * ltm

    @staticmethod
    def remember_gate(learned: Tensor, kept: Tensor) -> Tensor:
        """The new long-term memory: what was kept plus what was learned. c_t."""
        return kept + learned

    def use_gate(self, gates: Gates, new_ltm: Tensor, kept: Tensor) -> Tensor:
        """The new short-term memory, PyTorch's way: h_t = o_t ⊙ tanh(c_t).

        ``kept`` (f_t ⊙ c_{t-1}) is not used here; :class:`LectureLSTMCell` uses it instead
        of ``new_ltm``, which is exactly where the notes and PyTorch part ways.
        """
        return gates.use * torch.tanh(new_ltm)

    # ----------------------------------------------------------------- one whole step
    def step(self, event: Tensor, state: State | None = None) -> tuple[State, Gates]:
        """One step, returning the new (STM, LTM) and the gate activations that made them."""
        event, (stm, ltm), unbatched = self._check_inputs(event, state)
        g = self.gates(event, stm)
        kept = self.forget_gate(g, ltm)
        new_ltm = self.remember_gate(self.learn_gate(g), kept)
        new_stm = self.use_gate(g, new_ltm, kept)
        if unbatched:
            return (new_stm[0], new_ltm[0]), Gates(*(t[0] for t in g))
        return (new_stm, new_ltm), g

    def forward(self, event: Tensor, state: State | None = None) -> State:
        """``cell(x, (h, c)) -> (h, c)``: the new short- and long-term memory."""
        return self.step(event, state)[0]

    def _check_inputs(self, event: Tensor, state: State | None) -> tuple[Tensor, State, bool]:
        """Clear errors for the shapes and dtypes a learner gets wrong; adds a batch dim."""
        name = type(self).__name__
        if not isinstance(event, Tensor):
            raise TypeError(f"{name}: the event x must be a torch.Tensor, got {type(event)!r}")
        if event.dim() not in (1, 2) or event.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: the event x must have shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {tuple(event.shape)}"
            )
        if event.dtype != self.weight_ih.dtype:
            raise TypeError(
                f"{name}: the event x is {event.dtype} but the weights are "
                f"{self.weight_ih.dtype}; convert one of them, e.g. x.to({self.weight_ih.dtype})"
            )
        unbatched = event.dim() == 1
        if unbatched:
            event = event.unsqueeze(0)
        batch = event.shape[0]
        if state is None:
            zeros = event.new_zeros(batch, self.hidden_size)
            return event, (zeros, zeros), unbatched
        if not (isinstance(state, Sequence) and len(state) == 2):
            raise TypeError(f"{name}: the state must be a pair (h, c), got {type(state)!r}")
        expected = (self.hidden_size,) if unbatched else (batch, self.hidden_size)
        checked = []
        for label, t in zip(("h (short-term memory)", "c (long-term memory)"), state, strict=True):
            if not isinstance(t, Tensor) or tuple(t.shape) != expected:
                got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
                raise ValueError(f"{name}: {label} must have shape {expected}, got {got}")
            checked.append(t.unsqueeze(0) if unbatched else t)
        return event, (checked[0], checked[1]), unbatched

    # ----------------------------------------------------------------- weights from torch
    @classmethod
    def from_torch(
        cls, module: nn.LSTMCell | nn.LSTM, layer: int = 0, reverse: bool = False
    ) -> LSTMCell:
        """A cell with the weights (and dtype and device) of a ``torch.nn.LSTMCell``,
        or of one layer (and direction) of a ``torch.nn.LSTM``."""
        if isinstance(module, nn.LSTMCell):
            if layer != 0 or reverse:
                raise ValueError("an nn.LSTMCell has one layer and one direction")
            suffix = ""
            input_size = module.input_size
        elif isinstance(module, nn.LSTM):
            if module.proj_size:
                raise ValueError("LSTMs with proj_size > 0 are not covered by this cell")
            if not 0 <= layer < module.num_layers:
                raise ValueError(f"layer must be in 0..{module.num_layers - 1}, got {layer}")
            if reverse and not module.bidirectional:
                raise ValueError("reverse=True needs a bidirectional nn.LSTM")
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            directions = 2 if module.bidirectional else 1
            input_size = module.input_size if layer == 0 else module.hidden_size * directions
        else:
            raise TypeError(
                f"from_torch expects an nn.LSTMCell or nn.LSTM, got {type(module).__name__}"
            )
        weight_ih = getattr(module, "weight_ih" + suffix)
        cell = cls(
            input_size,
            module.hidden_size,
            bias=module.bias,
            device=weight_ih.device,
            dtype=weight_ih.dtype,
        )
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                if getattr(cell, name) is not None:
                    getattr(cell, name).copy_(getattr(module, name + suffix))
        return cell


class LectureLSTMCell(LSTMCell):
    """The course notes' LSTM, whose **use gate** is not PyTorch's.

    The lecture's use gate takes the forget gate's output f_t ⊙ c_{t-1} (the *old* memory,
    after forgetting, *before* the learn gate adds to it), passes it through a small layer of
    its own and a tanh, and multiplies by the use factor::

        lecture:  h_t = σ(W_o x_t + U_o h_{t-1} + b_o) ⊙ tanh(W_u (f_t ⊙ c_{t-1}) + b_u)
        PyTorch:  h_t = σ(W_o x_t + U_o h_{t-1} + b_o) ⊙ tanh(c_t)

    So the lecture's cell has H·H + H more weights (``weight_use``, ``bias_use``) and its
    short-term memory never sees what the learn gate just added. The long-term memory is
    the same in both.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, **kw) -> None:
        super().__init__(input_size, hidden_size, bias, **kw)
        factory = {"device": self.weight_ih.device, "dtype": self.weight_ih.dtype}
        self.weight_use = nn.Parameter(torch.eye(hidden_size, **factory))
        self.bias_use = nn.Parameter(torch.zeros(hidden_size, **factory))

    def use_gate(self, gates: Gates, new_ltm: Tensor, kept: Tensor) -> Tensor:
        """The lecture's use gate: o_t ⊙ tanh(W_u (f_t ⊙ c_{t-1}) + b_u)."""
        return gates.use * torch.tanh(kept @ self.weight_use.T + self.bias_use)


def unroll(cell: LSTMCell, events: Tensor, state: State | None = None) -> tuple[Tensor, State]:
    """Run ``cell`` over a sequence of events ``(time, batch, input)`` (or ``(time, input)``),
    carrying the state from each step to the next, like ``nn.LSTM``.

    Returns the short-term memory at every step ``(time, batch, hidden)`` and the last
    ``(h, c)``.
    """
    _check_sequence(events)
    outputs = []
    for event in events:
        state = cell(event, state)
        outputs.append(state[0])
    return torch.stack(outputs), state


def _check_sequence(events: Tensor) -> None:
    if not isinstance(events, Tensor) or events.dim() not in (2, 3) or len(events) == 0:
        shape = tuple(events.shape) if isinstance(events, Tensor) else type(events).__name__
        raise ValueError(
            f"events must be a non-empty tensor (time, batch, input) or (time, input), got {shape}"
        )


class Trace(NamedTuple):
    """Everything a cell did over a sequence, one row per step: ``(time, [batch,] hidden)``."""

    h: Tensor  # short-term memory after each step
    c: Tensor  # long-term memory after each step
    gates: Gates  # each gate's activations at each step


def trace(cell: LSTMCell, events: Tensor, state: State | None = None) -> Trace:
    """Run ``cell`` over ``events`` like :func:`unroll`, keeping h, c and the gates of every
    step: what ``nn.LSTM`` computes but does not return."""
    _check_sequence(events)
    hs, cs, gates = [], [], []
    for event in events:
        state, g = cell.step(event, state)
        hs.append(state[0])
        cs.append(state[1])
        gates.append(g)
    return Trace(
        torch.stack(hs), torch.stack(cs), Gates(*(torch.stack(x) for x in zip(*gates, strict=True)))
    )
