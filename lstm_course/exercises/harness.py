"""The shared harness of the exercise checks: one verdict line, never a traceback.

Every ``check_*`` of every lesson is wrapped in :func:`_never_crashes`, prints its verdict
with :func:`_verdict`, builds torch modules inside :func:`_own_rng` (so the lesson's random
stream is left alone) and turns answers into plain values with :func:`_as_number`,
:func:`_int_list` and :func:`_close` before comparing them."""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from lstm_course.files import one_line

_NOT_ANSWERED = (Ellipsis, None)
#: The most items read from an answer whose length no check states (an endless iterator
#: such as ``itertools.count()`` would otherwise fill the memory, or never end).
MAX_ITEMS = 100_000


class _TooManyItems(ValueError):
    """An answer with more items than the exercise asks for (an endless iterator, say):
    :func:`_never_crashes` prints it as the verdict, without the "could not be checked"."""


class _NotPlain(_TooManyItems):
    """An answer whose values cannot be trusted to be what they print as (a tensor subclass
    that answers every operation itself) or that is complex where the exercise is real:
    printed as the verdict, like :class:`_TooManyItems`."""


def _verdict(ok: bool, message: str = "") -> None:
    print(("✅ Correct! " if ok else "❌ Not yet: ") + one_line(message, limit=400))


def _unanswered(answer: Any) -> bool:
    if any(answer is blank for blank in _NOT_ANSWERED):
        print("✏️ Your turn: replace the ... with your answer, then run this cell again.")
        return True
    return False


def _never_crashes(check: Callable[[Any], None]) -> Callable[[Any], None]:
    """Make ``check`` print one ❌ line, never a traceback, whatever the answer does.

    A learner's answer can be anything: a huge int, NaN, a NumPy array where a list was
    asked for, an object whose ``==`` raises, a function that calls ``sys.exit()`` or
    moves the model to another device. The checks handle the answers a learner is likely
    to write with a specific hint; this catches everything else (``SystemExit`` too, but
    not ``KeyboardInterrupt``: stopping the kernel must still stop it) and says what the
    exercise asks for, from the first paragraph of the check's docstring.
    """

    @functools.wraps(check)
    def run(answer: Any) -> None:
        try:
            check(_plain_answer(answer))
        except KeyboardInterrupt:
            raise
        except _TooManyItems as error:
            _verdict(False, str(error))
        except BaseException as error:  # GeneratorExit and the learner's own ones too
            asked = (check.__doc__ or "").strip().split("\n\n")[0]
            _verdict(
                False,
                f"your answer could not be checked ({_describe(error)}). "
                f"The exercise asks for: {asked}",
            )

    return run


def _describe(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # an exception whose own message fails
        text = ""
    return f"{type(error).__name__}: {one_line(text, limit=120)}" if text else type(error).__name__


def _show(value: Any, limit: int = 80) -> str:
    """A short, one-line repr of an answer for a message (never raises)."""
    try:
        return one_line(repr(value), limit=limit)
    except Exception:  # a repr that raises, or an int too long to print
        return f"a {type(value).__name__}"


def _own_rng() -> contextlib.AbstractContextManager:
    """Build torch modules inside this, so their random init leaves the lesson's stream alone."""
    return torch.random.fork_rng(devices=[])


def _call(fn: Callable, *args: Any) -> tuple[bool, Any]:
    """Run the learner's function; a crash is an answer that is not yet right."""
    if not callable(fn):
        return False, f"expected a function, got {type(fn).__name__}"
    try:
        result = fn(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # the learner's code may raise anything: report it
        return False, f"your function raised {_describe(e)}"
    return True, _plain_answer(result)


def _own_dispatch(value: torch.Tensor) -> bool:
    """Whether ``value``'s class answers PyTorch's operations itself (``__torch_dispatch__``):
    then even a copy of it is whatever the class says, so its numbers cannot be checked."""
    return type(value).__torch_dispatch__ is not torch.Tensor.__torch_dispatch__


def _plain_answer(value: Any, depth: int = 0) -> Any:
    """``value`` with every tensor, array and number in it (in lists, tuples and dicts too) a
    plain one, before any check compares it: a subclass's ``==``, ``__sub__`` or
    ``__torch_function__`` has no say. A tensor subclass with its own ``__torch_dispatch__``
    (every operation answered by the class, a copy included) and a complex number are
    :class:`_NotPlain`. Functions, modules, iterators and other objects are left as they are."""
    if depth > 20:
        return value
    if isinstance(value, torch.Tensor):
        if type(value) in (torch.Tensor, nn.Parameter):
            plain = value
        elif _own_dispatch(value):
            raise _NotPlain(
                f"your answer is a {type(value).__name__}, a tensor subclass that computes its "
                "own results, so its values cannot be checked; give a plain torch.Tensor"
            )
        else:
            plain = _plain_tensor(value)
        if plain.is_complex():
            raise _NotPlain("your answer is a complex tensor; the exercise asks for real numbers")
        return plain
    if isinstance(value, complex) or (
        type(value).__module__ == "numpy" and "complex" in str(getattr(value, "dtype", ""))
    ):
        raise _NotPlain(f"{_show(value)} is complex; the exercise asks for real numbers")
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        value = np.asarray(value)  # the plain array under a subclass with its own ``==``
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if type(value) in (list, tuple):
        return type(value)(_plain_answer(v, depth + 1) for v in value)
    if type(value) is dict:
        return {k: _plain_answer(v, depth + 1) for k, v in value.items()}
    return value


def _as_number(answer: Any) -> float | None:
    """A finite plain number from an int, a float, a NumPy scalar or a one-element tensor;
    else None (NaN and infinity too: no tolerance comparison may ever pass them)."""
    if isinstance(answer, bool):
        return None
    value = None
    try:
        if isinstance(answer, numbers.Real):  # int, float, Fraction, NumPy's real scalars
            value = float(answer)
        elif (
            isinstance(answer, torch.Tensor)
            and not _own_dispatch(answer)
            and answer.numel() == 1
            and not answer.is_complex()
            and answer.dtype != torch.bool
        ):
            value = float(_plain_tensor(answer).cpu().item())
        elif (
            type(answer).__module__ == "numpy"
            and hasattr(answer, "item")
            and getattr(answer, "size", 0) == 1
        ):
            item = answer.item()
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                value = float(item)
    except (OverflowError, ValueError, TypeError, RuntimeError, NotImplementedError):
        return None  # 10**400, a meta tensor, ...
    return value if value is not None and math.isfinite(value) else None


def _wanted_number(answer: Any, what: str = "give") -> str:
    return f"{what} a finite number (an int, a float or a one-element tensor), got {_show(answer)}"


def _items(values: Iterable, most: int = MAX_ITEMS) -> list:
    """The items of ``values`` as a list, reading at most ``most`` + 1 of them: more than
    ``most`` is :class:`_TooManyItems` ("too many items"), so an endless iterator costs
    ``most`` items, not all the memory. Whatever iterating raises is raised."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"expected a list, got {_show(values)}")
    items = list(itertools.islice(iter(values), most + 1))
    if len(items) > most:
        raise _TooManyItems(
            f"too many items: your answer goes on past {most:,} items (an endless iterator "
            f"such as itertools.count()?); the exercise needs {most:,} at most"
        )
    return items


def _int_list(values: Any, most: int = MAX_ITEMS) -> list[int] | None:
    """``values`` as a list of ints, if it is a sequence of whole numbers; else None (more
    than ``most`` items: :class:`_TooManyItems`)."""
    try:
        items = _items(values, most)
    except _TooManyItems:
        raise
    except Exception:
        return None
    result = []
    for item in items:
        number = _as_number(item)
        if number is None or number != int(number):
            return None
        result.append(int(number))
    return result


def _plain_int(value: Any) -> int | None:
    """An exact ``int`` from an int (or a subclass of it, whose ``==`` may say anything:
    its value is what counts); else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return int.__int__(value)


def _plain_tensor(value: torch.Tensor) -> torch.Tensor:
    """A copy of ``value`` as a plain ``torch.Tensor``: a subclass's ``__torch_function__``
    (one whose subtraction always gives 0, say) has no say in the comparison."""
    with torch._C.DisableTorchFunctionSubclass():
        return torch.Tensor.as_subclass(value, torch.Tensor).detach().clone()


def _close(got: Any, want: torch.Tensor, what: str, atol: float = 1e-8) -> str | None:
    """None if ``got`` is a tensor equal to ``want``; else what is wrong with it."""
    if not isinstance(got, torch.Tensor):
        return f"{what} should be a tensor, got {type(got).__name__}"
    if _own_dispatch(got):
        name = type(got).__name__
        return f"{what} is a {name}, whose values cannot be checked; give a plain tensor"
    got = _plain_tensor(got)
    if got.shape != want.shape:
        return f"{what} has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    if got.device != want.device or got.layout != torch.strided or got.is_complex():
        return (
            f"{what} is a {got.layout} {got.dtype} tensor on {got.device}; "
            f"expected a real, dense tensor on {want.device}"
        )
    got = got.detach().to(want.dtype)
    if not bool(torch.isfinite(got).all()):
        return f"{what} has NaN or infinite values"
    err = (got - want).abs().max().item() if want.numel() else 0.0
    if not (err <= atol):  # written so that a NaN difference fails too
        return f"{what} differs from the right answer by up to {err:.3g}"
    return None


def _random_cells(
    cell_class: type[nn.Module], seed: int, states: int
) -> Iterator[tuple[str, nn.Module, torch.Tensor, list[torch.Tensor]]]:
    """The cells a step is checked on: for three sizes, a float64 ``cell_class`` (PyTorch's
    ``nn.LSTMCell`` or ``nn.GRUCell``) with weights of every size, not only its small initial
    ones, an input and ``states`` states (h, or h and c), all drawn from a generator seeded
    with ``seed``: the same numbers on every run, and the lesson's random stream untouched.
    Yields the size in words (for a message), the cell, the input and the states."""
    gen = torch.Generator().manual_seed(seed)
    for batch, n_in, n_hid in [(1, 1, 1), (3, 4, 5), (2, 6, 3)]:
        with _own_rng():
            cell = cell_class(n_in, n_hid, dtype=torch.float64)
        with torch.no_grad():
            for p in cell.parameters():
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
        x = torch.randn(batch, n_in, generator=gen, dtype=torch.float64)
        hidden = [
            torch.randn(batch, n_hid, generator=gen, dtype=torch.float64) for _ in range(states)
        ]
        yield f"batch={batch}, hidden={n_hid}", cell, x, hidden
