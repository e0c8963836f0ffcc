"""The LSTM cell (and its cousins, the GRU and the plain RNN) from plain tensor operations,
in the course's words.

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

:class:`LectureLSTMCell` has the use gate of "the lecture": the course's reconstruction of the
formulas of the video lecture the course notes summarise without naming it (lesson 1,
section 1). It is *not* what PyTorch computes; lesson 1 shows the difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, NamedTuple

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


class _RecurrentCell(nn.Module):
    """What every cell of this module shares with torch's: the parameter names and layout
    (``weight_ih`` is ``(blocks*hidden, input)``, one row block per gate, in torch's order),
    torch's initialisation, clear errors for bad input, and copying weights from torch."""

    blocks: ClassVar[int]  # row blocks in weight_ih: 4 for the LSTM, 3 for the GRU, 1 for the RNN
    torch_types: ClassVar[tuple[type[nn.Module], type[nn.Module]]]  # (cell, layer) in torch.nn

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
        rows = self.blocks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size, **kw))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(rows, **kw))
            self.bias_hh = nn.Parameter(torch.empty(rows, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ±1/√hidden_size, as torch initialises its recurrent layers."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _from_event(self, block: int, event: Tensor) -> Tensor:
        """W x_t + b_i for one row block: what the event says to this gate."""
        rows = slice(block * self.hidden_size, (block + 1) * self.hidden_size)
        z = event @ self.weight_ih[rows].T
        return z + self.bias_ih[rows] if self.bias_ih is not None else z

    def _from_memory(self, block: int, memory: Tensor) -> Tensor:
        """U h_{t-1} + b_h for one row block: what the memory says to this gate."""
        rows = slice(block * self.hidden_size, (block + 1) * self.hidden_size)
        z = memory @ self.weight_hh[rows].T
        return z + self.bias_hh[rows] if self.bias_hh is not None else z

    def _check_event(self, event: Tensor) -> tuple[Tensor, bool]:
        """The event as ``(batch, input)``, and whether it came without a batch dim."""
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
        return (event.unsqueeze(0) if unbatched else event), unbatched

    def _check_memory(self, memory: object, label: str, event: Tensor, unbatched: bool) -> Tensor:
        """One memory tensor, checked against the event's batch, with a batch dim."""
        expected = (self.hidden_size,) if unbatched else (event.shape[0], self.hidden_size)
        if not isinstance(memory, Tensor) or tuple(memory.shape) != expected:
            got = tuple(memory.shape) if isinstance(memory, Tensor) else type(memory).__name__
            raise ValueError(
                f"{type(self).__name__}: {label} must have shape {expected}, got {got}"
            )
        return memory.unsqueeze(0) if unbatched else memory

    def _memory_or_zeros(
        self, memory: object, label: str, event: Tensor, unbatched: bool
    ) -> Tensor:
        """The one memory of a GRU or RNN step: zeros if none is given, as torch does."""
        if memory is None:
            return event.new_zeros(event.shape[0], self.hidden_size)
        return self._check_memory(memory, label, event, unbatched)

    @classmethod
    def from_torch(cls, module: nn.Module, layer: int = 0, reverse: bool = False, **kw):
        """A cell with the weights (and dtype and device) of the matching ``torch.nn`` cell,
        or of one layer (and direction) of the matching ``torch.nn`` layer."""
        cell_type, layer_type = cls.torch_types
        if isinstance(module, cell_type):
            if layer != 0 or reverse:
                raise ValueError(f"an nn.{cell_type.__name__} has one layer and one direction")
            suffix = ""
            input_size = module.input_size
        elif isinstance(module, layer_type):
            if not 0 <= layer < module.num_layers:
                raise ValueError(f"layer must be in 0..{module.num_layers - 1}, got {layer}")
            if reverse and not module.bidirectional:
                raise ValueError(f"reverse=True needs a bidirectional nn.{layer_type.__name__}")
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            directions = 2 if module.bidirectional else 1
            input_size = module.input_size if layer == 0 else module.hidden_size * directions
        else:
            raise TypeError(
                f"{cls.__name__}.from_torch expects an nn.{cell_type.__name__} or "
                f"nn.{layer_type.__name__}, got {type(module).__name__}"
            )
        cls._check_torch_module(module)
        weight_ih = getattr(module, "weight_ih" + suffix)
        cell = cls(
            input_size,
            module.hidden_size,
            bias=module.bias,
            device=weight_ih.device,
            dtype=weight_ih.dtype,
            **kw,
        )
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                if getattr(cell, name) is not None:
                    getattr(cell, name).copy_(getattr(module, name + suffix))
        return cell

    @classmethod
    def _check_torch_module(cls, module: nn.Module) -> None:
        """Refuse torch options this cell does not compute (overridden where there are any)."""


class LSTMCell(_RecurrentCell):
    """One LSTM step, ``cell(event, (stm, ltm)) -> (stm, ltm)``, shaped like torch's.

    Shapes follow ``torch.nn.LSTMCell``: the event is ``(batch, input_size)`` or, for a
    single example, ``(input_size,)``; the memories are ``(batch, hidden_size)`` or
    ``(hidden_size,)``. Leaving out the state starts both memories at zeros, as torch does.

    The parameters have torch's names and layout (``weight_ih`` is ``(4*hidden, input)``
    with row blocks i, f, g, o), so weights copy across in both directions.
    """

    blocks = 4
    torch_types = (nn.LSTMCell, nn.LSTM)

    # ----------------------------------------------------------------- one whole step
    def step(self, event: Tensor, state: State | None = None) -> tuple[State, Gates]:
        """One step, returning the new (STM, LTM) and the gate activations that made them."""
        event, (stm, ltm), unbatched = self._check_inputs(event, state)
        gates = self.gates(event, stm)
        new_stm, new_ltm = self.new_memories(gates, ltm)
        if unbatched:
            return (new_stm[0], new_ltm[0]), Gates(*(t[0] for t in gates))
        return (new_stm, new_ltm), gates

    def forward(self, event: Tensor, state: State | None = None) -> State:
        """``cell(x, (h, c)) -> (h, c)``: the new short- and long-term memory."""
        return self.step(event, state)[0]

    def gates(self, event: Tensor, stm: Tensor) -> Gates:
        """All four activations for one step: what the gates decide from STM and the event,
        each from its own rows of W, U and b: σ or tanh of W x_t + U h_{t-1} + b."""

        def from_both(block: int) -> Tensor:
            return self._from_event(block, event) + self._from_memory(block, stm)

        return Gates(
            ignore=torch.sigmoid(from_both(_IGNORE)),
            forget=torch.sigmoid(from_both(_FORGET)),
            new_info=torch.tanh(from_both(_NEW_INFO)),
            use=torch.sigmoid(from_both(_USE)),
        )

    def new_memories(self, gates: Gates, ltm: Tensor) -> State:
        """The new (STM, LTM), as lesson 1's ``lstm_step``: forget + learn = remember, then
        use. (:class:`LectureLSTMCell` changes what the use gate reads.)"""
        new_ltm = self.remember_gate(self.learn_gate(gates), self.forget_gate(gates, ltm))
        return self.use_gate(gates, new_ltm), new_ltm

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

    @staticmethod
    def use_gate(gates: Gates, new_ltm: Tensor) -> Tensor:
        """The new short-term memory, PyTorch's way: h_t = o_t ⊙ tanh(c_t)."""
        return gates.use * torch.tanh(new_ltm)

    def _check_inputs(self, event: Tensor, state: State | None) -> tuple[Tensor, State, bool]:
        """Clear errors for the shapes and dtypes a learner gets wrong; adds a batch dim."""
        event, unbatched = self._check_event(event)
        if state is None:
            zeros = event.new_zeros(event.shape[0], self.hidden_size)
            return event, (zeros, zeros), unbatched
        if not (isinstance(state, Sequence) and len(state) == 2):
            raise TypeError(
                f"{type(self).__name__}: the state must be a pair (h, c), got {type(state)!r}"
            )
        stm = self._check_memory(state[0], "h (short-term memory)", event, unbatched)
        ltm = self._check_memory(state[1], "c (long-term memory)", event, unbatched)
        return event, (stm, ltm), unbatched

    @classmethod
    def _check_torch_module(cls, module: nn.Module) -> None:
        if getattr(module, "proj_size", 0):
            raise ValueError("LSTMs with proj_size > 0 are not covered by this cell")


class LectureLSTMCell(LSTMCell):
    """The lecture's LSTM, as the course reconstructs its formulas, whose **use gate** is
    not PyTorch's.

    The course notes summarise a video lecture they do not name, so "the lecture" here is
    the course's reconstruction of its formulas, not a quotation; lesson 1 quotes the notes
    and compares three use gates: the notes' words, this reconstruction, and PyTorch's. The
    lecture's use gate takes the forget gate's output f_t ⊙ c_{t-1} (the *old* memory,
    after forgetting, *before* the learn gate adds to it), passes it through a small layer
    of its own and a tanh, and multiplies by the use factor::

        lecture:  h_t = σ(W_o x_t + U_o h_{t-1} + b_o) ⊙ tanh(W_u (f_t ⊙ c_{t-1}) + b_u)
        PyTorch:  h_t = σ(W_o x_t + U_o h_{t-1} + b_o) ⊙ tanh(c_t)

    So the lecture's cell has H·H + H more weights (``weight_use``, ``bias_use``) and its
    short-term memory never sees what the learn gate just added. The long-term memory is
    the same in both. With ``weight_use`` the identity and ``bias_use`` zero (how it starts),
    the tanh reads f_t ⊙ c_{t-1} itself, as the notes' words say; the notes' sigmoid, taken
    literally, reads the STM alone, without weights, which no cell here implements.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, **kw) -> None:
        super().__init__(input_size, hidden_size, bias, **kw)
        factory = {"device": self.weight_ih.device, "dtype": self.weight_ih.dtype}
        self.weight_use = nn.Parameter(torch.eye(hidden_size, **factory))
        self.bias_use = nn.Parameter(torch.zeros(hidden_size, **factory))

    def new_memories(self, gates: Gates, ltm: Tensor) -> State:
        """The new (STM, LTM): the LTM as PyTorch's, the STM from what the forget gate kept."""
        kept = self.forget_gate(gates, ltm)
        new_ltm = self.remember_gate(self.learn_gate(gates), kept)
        return self.lecture_use_gate(gates, kept), new_ltm

    def lecture_use_gate(self, gates: Gates, kept: Tensor) -> Tensor:
        """The lecture's use gate: o_t ⊙ tanh(W_u (f_t ⊙ c_{t-1}) + b_u), which reads the old
        memory after forgetting, ``kept``, where PyTorch's reads the new one, c_t."""
        return gates.use * torch.tanh(kept @ self.weight_use.T + self.bias_use)


class GRUGates(NamedTuple):
    """The GRU's three activations of one step, each of shape (batch, hidden_size)."""

    reset: Tensor  # r_t: how much of the working memory goes into the candidate
    update: Tensor  # z_t: how much of the old working memory is kept (1 - z_t: how much is learned)
    candidate: Tensor  # n_t: the new information, made from the event and the reset memory


_RESET, _UPDATE, _CANDIDATE = range(3)  # torch's row blocks: r, z, n


class GRUCell(_RecurrentCell):
    """One GRU step, ``cell(event, memory) -> memory``, shaped like ``torch.nn.GRUCell``.

    The GRU (Cho et al. 2014) keeps one **working memory** h instead of an LTM and an STM,
    and merges the forget and learn gates into one **update gate** z_t: what it keeps of
    the old memory, it does not learn from the new information, and the other way round::

        r_t = σ(W_r x_t + b_ir + U_r h_{t-1} + b_hr)          reset gate
        z_t = σ(W_z x_t + b_iz + U_z h_{t-1} + b_hz)          update gate
        n_t = tanh(W_n x_t + b_in + r_t ⊙ (U_n h_{t-1} + b_hn))   candidate (torch)
        h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t                 the new working memory

    The candidate is where implementations part ways. PyTorch (and cuDNN) apply the reset
    gate *after* the hidden-to-hidden product, ``r_t ⊙ (U_n h_{t-1} + b_hn)``; the paper
    applies it *before*, ``U_n (r_t ⊙ h_{t-1}) + b_hn``. ``reset_after=True`` (the default)
    is torch's formula; ``reset_after=False`` is the paper's. The two agree only where r_t
    is 1; elsewhere they differ, even from a zero memory, as torch's r_t also scales b_hn.
    """

    blocks = 3
    torch_types = (nn.GRUCell, nn.GRU)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        reset_after: bool = True,
        **kw,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, **kw)
        self.reset_after = reset_after

    def gates(self, event: Tensor, memory: Tensor) -> GRUGates:
        """r_t, z_t and n_t for one step."""
        reset = torch.sigmoid(self._from_event(_RESET, event) + self._from_memory(_RESET, memory))
        update = torch.sigmoid(
            self._from_event(_UPDATE, event) + self._from_memory(_UPDATE, memory)
        )
        if self.reset_after:  # torch: r ⊙ (U_n h + b_hn)
            recalled = reset * self._from_memory(_CANDIDATE, memory)
        else:  # the paper: U_n (r ⊙ h) + b_hn
            recalled = self._from_memory(_CANDIDATE, reset * memory)
        candidate = torch.tanh(self._from_event(_CANDIDATE, event) + recalled)
        return GRUGates(reset=reset, update=update, candidate=candidate)

    def step(self, event: Tensor, memory: Tensor | None = None) -> tuple[Tensor, GRUGates]:
        """One step, returning the new working memory and the gates that made it."""
        event, unbatched = self._check_event(event)
        memory = self._memory_or_zeros(memory, "h (working memory)", event, unbatched)
        g = self.gates(event, memory)
        new_memory = g.update * memory + (1 - g.update) * g.candidate
        if unbatched:
            return new_memory[0], GRUGates(*(t[0] for t in g))
        return new_memory, g

    def forward(self, event: Tensor, memory: Tensor | None = None) -> Tensor:
        """``cell(x, h) -> h``: the new working memory."""
        return self.step(event, memory)[0]


class RNNCell(_RecurrentCell):
    """One step of a plain (Elman) RNN, ``cell(event, memory) -> memory``, like
    ``torch.nn.RNNCell`` with its default tanh: no gates at all,

        h_t = tanh(W x_t + b_i + U h_{t-1} + b_h)

    so every step rewrites the whole memory, and a gradient going back in time is
    multiplied by U and by tanh's slope at every step it crosses.
    """

    blocks = 1
    torch_types = (nn.RNNCell, nn.RNN)

    def forward(self, event: Tensor, memory: Tensor | None = None) -> Tensor:
        """``cell(x, h) -> h``: the new memory."""
        event, unbatched = self._check_event(event)
        memory = self._memory_or_zeros(memory, "h (memory)", event, unbatched)
        new_memory = torch.tanh(self._from_event(0, event) + self._from_memory(0, memory))
        return new_memory[0] if unbatched else new_memory

    @classmethod
    def _check_torch_module(cls, module: nn.Module) -> None:
        if module.nonlinearity != "tanh":
            raise ValueError(
                f"only tanh RNNs are covered, got nonlinearity={module.nonlinearity!r}"
            )


Cell = LSTMCell | GRUCell | RNNCell

# torch's whole-sequence layers by name: what a config file or a lesson's loop says.
RECURRENT_LAYERS: dict[str, type[nn.RNNBase]] = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


def cell_from_torch(module: nn.Module, layer: int = 0, reverse: bool = False) -> Cell:
    """The course's cell with the weights of any torch recurrent cell or layer:
    ``nn.LSTM(Cell)`` -> :class:`LSTMCell`, ``nn.GRU(Cell)`` -> :class:`GRUCell`,
    ``nn.RNN(Cell)`` -> :class:`RNNCell`."""
    for cls in (LSTMCell, GRUCell, RNNCell):
        if isinstance(module, cls.torch_types):
            return cls.from_torch(module, layer=layer, reverse=reverse)
    raise TypeError(
        f"cell_from_torch expects a torch.nn LSTM, GRU or RNN (or its Cell), "
        f"got {type(module).__name__}"
    )


def unroll(
    cell: Cell, events: Tensor, state: State | Tensor | None = None
) -> tuple[Tensor, State | Tensor]:
    """Run ``cell`` over a sequence of events ``(time, batch, input)`` (or ``(time, input)``),
    carrying the state from each step to the next, like ``nn.LSTM``, ``nn.GRU``, ``nn.RNN``.

    Returns the (short-term or working) memory at every step ``(time, batch, hidden)`` and
    the last state: ``(h, c)`` for an LSTM cell, ``h`` for the others.
    """
    _check_sequence(events)
    outputs = []
    for event in events:
        state = cell(event, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
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
