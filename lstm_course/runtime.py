"""Reproducible runs on whatever hardware the learner has: the one place that picks a device.

Every lesson and tool asks :func:`default_device`. It takes a GPU when there is one (CUDA,
as on a Colab GPU runtime, or Apple's MPS), else the CPU; the environment variable
``LSTM_COURSE_DEVICE`` overrides the choice (``cpu``, ``cuda``, ``cuda:1``, ``mps``), for
example to run a lesson on the CPU of a machine that has a GPU.

What differs between devices, and how the course deals with it:

- **float64**: Apple's MPS has none. Exactness checks (our cell against PyTorch's, to
  1e-12) run in float64 on the CPU, wherever the rest of the lesson runs.
- **kernels**: a GPU computes an LSTM with cuDNN, in another order of additions than the
  CPU, and with TF32 (10-bit mantissas) where it is on. Results agree to about 1e-3, not to
  the last digit; lessons that compare across devices say which tolerance and why.
"""

from __future__ import annotations

import functools
import os
import random
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import torch

#: The environment variable that overrides the device the course picks.
DEVICE_ENV = "LSTM_COURSE_DEVICE"


def set_seed(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch, so a rerun prints the same numbers.

    Returns a ``torch.Generator`` seeded the same way, for code that wants its own stream
    (a shuffling data loader, say) instead of the global one.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds CUDA and MPS too
    return torch.Generator().manual_seed(seed)


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def default_device() -> torch.device:
    """``$LSTM_COURSE_DEVICE`` if set; else a GPU if there is one (CUDA, e.g. on Colab; or
    Apple's MPS); else the CPU."""
    wanted = os.environ.get(DEVICE_ENV, "").strip()
    if wanted:
        return requested_device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def requested_device(name: str, source: str = DEVICE_ENV) -> torch.device:
    """The device ``name`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``), or a ``ValueError`` in one
    line if it is not a device name or this machine has no such device. ``source`` says where
    the name came from (``$LSTM_COURSE_DEVICE`` or a command's option), for the message."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"{source} {name!r} is not a device name; use cpu, cuda, cuda:N or mps"
        ) from None
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available()
        and (device.index is None or device.index < torch.cuda.device_count()),
        "mps": _mps_available(),
    }
    if not available.get(device.type, False):
        hint = "; unset the variable to let the course choose" if source == DEVICE_ENV else ""
        raise ValueError(f"{source} {name!r}, but this machine has no such device{hint}")
    return device


#: Set to 1 to make the course act as on a CPU without bfloat16: :func:`bfloat16_lstm_runs`
#: and :func:`native_bfloat16` answer False, and an explicit request for bfloat16 is refused.
#: A quick check of what the course *says*; to check what PyTorch *does* on such a CPU, tell
#: oneDNN and ATen to use AVX2 only (``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2``),
#: as CI does.
NO_BFLOAT16_ENV = "LSTM_COURSE_NO_BFLOAT16"


class BFloat16Unavailable(ValueError):
    """bfloat16 was asked for on a device where PyTorch's LSTM cannot run in it."""


@functools.cache
def _lstm_runs_in_bfloat16(device: torch.device) -> bool:
    """Run a 4-unit ``nn.LSTM`` forward and backward under bfloat16 autocast on ``device``.

    Asking oneDNN (``torch.ops.mkldnn._is_mkldnn_bf16_supported``) is not enough: what counts
    is whether the LSTM kernel runs. On a CPU without AVX-512 BF16 or AMX, oneDNN has no LSTM
    primitive for bfloat16 and raises "could not create a primitive descriptor" (a GRU still
    runs: it steps through time in ATen). Tried once per device and process."""
    try:
        with torch.random.fork_rng(devices=[]):  # leave the lesson's random stream alone
            lstm = torch.nn.LSTM(4, 4, device=device)
            x = torch.zeros(3, 2, 4, device=device, requires_grad=True)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            out, _ = lstm(x)
        out.float().sum().backward()
        return True
    except (RuntimeError, NotImplementedError):
        return False


def bfloat16_lstm_runs(device: torch.device | str) -> bool:
    """Whether PyTorch's LSTM runs under bfloat16 autocast on ``device``: tried, not guessed
    (:func:`_lstm_runs_in_bfloat16`). False wherever ``$LSTM_COURSE_NO_BFLOAT16`` is 1."""
    if os.environ.get(NO_BFLOAT16_ENV) == "1":
        return False
    device = torch.device(device)
    if device.type == "mps":
        return False  # not tried on Apple silicon: the course trains in float32 there
    return _lstm_runs_in_bfloat16(device)


def cpu_features() -> str:
    """What this CPU offers PyTorch, in words: "AVX2, no bfloat16 in hardware", say."""
    capability = torch.backends.cpu.get_cpu_capability()
    bf16 = torch.backends.mkldnn.is_available() and bool(
        getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)()
    )
    return f"{capability}, {'bfloat16 in hardware' if bf16 else 'no bfloat16 in hardware'}"


def require_bfloat16(device: torch.device | str) -> None:
    """Refuse, in one line and before any work, a request for bfloat16 where the LSTM cannot
    run in it (:class:`BFloat16Unavailable`, a ``ValueError``)."""
    if bfloat16_lstm_runs(device):
        return
    device = torch.device(device)
    if os.environ.get(NO_BFLOAT16_ENV) == "1":
        why = f"${NO_BFLOAT16_ENV} is 1"
    elif device.type == "cpu":
        why = f"this CPU has {cpu_features()}"
    else:
        why = f"PyTorch's LSTM does not run in bfloat16 on {device.type} here"
    raise BFloat16Unavailable(
        "bfloat16 needs a CPU with AVX-512 BF16 or AMX, or a GPU; "
        f"{why}: train in float32 instead (precision auto or float32)"
    )


def native_bfloat16(device: torch.device | str) -> bool:
    """Whether ``device`` is a CPU that computes bfloat16 in hardware (AVX-512 BF16 or AMX)
    *and* runs PyTorch's LSTM in it, where mixed-precision training (``torch.autocast``) is
    faster: what "precision auto" asks. False elsewhere (on other CPUs bfloat16 is emulated
    and slower, or the LSTM does not run in it at all), and wherever
    ``$LSTM_COURSE_NO_BFLOAT16`` is 1."""
    device = torch.device(device)
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    try:
        hardware = bool(check()) if check is not None else False
    except RuntimeError:
        hardware = False
    return hardware and bfloat16_lstm_runs(device)


def mixed_precision(device: torch.device | str, bfloat16: bool) -> AbstractContextManager:
    """The context a training step's forward pass runs in: ``torch.autocast`` to bfloat16 on
    ``device`` when ``bfloat16`` is true (matrix products in bfloat16, the weights that
    Adam updates stay float32), else a context that changes nothing. One place, so the
    tagger's and the character model's training and the profile run the same way."""
    if not bfloat16:
        return nullcontext()
    require_bfloat16(device)  # one clear line, not oneDNN's error from inside the LSTM
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


def describe(device: torch.device | str) -> str:
    """One line saying what ``device`` is, for logs and checkpoints: "cuda (NVIDIA H100 ...)",
    "cpu (2 threads)", "mps"."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
