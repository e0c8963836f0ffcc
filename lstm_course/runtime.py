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
        return _requested_device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _requested_device(name: str) -> torch.device:
    """The device ``$LSTM_COURSE_DEVICE`` names, or a clear error if it is not here."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"{DEVICE_ENV}={name!r} is not a device name; use cpu, cuda, cuda:N or mps"
        ) from None
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available()
        and (device.index is None or device.index < torch.cuda.device_count()),
        "mps": _mps_available(),
    }
    if not available.get(device.type, False):
        raise ValueError(
            f"{DEVICE_ENV}={name!r}, but this machine has no such device; "
            "unset the variable to let the course choose"
        )
    return device


#: Set to 1 to make :func:`native_bfloat16` answer False, as on a CPU without bfloat16: how
#: to check, on a CPU that has it, what the course does on one that has not.
NO_BFLOAT16_ENV = "LSTM_COURSE_NO_BFLOAT16"


def native_bfloat16(device: torch.device | str) -> bool:
    """Whether ``device`` is a CPU that computes bfloat16 in hardware (AVX-512 BF16 or AMX),
    where mixed-precision training (``torch.autocast``) runs PyTorch's LSTM faster. False
    elsewhere (on other CPUs bfloat16 is emulated and slower), and False wherever
    ``$LSTM_COURSE_NO_BFLOAT16`` is set to 1."""
    if os.environ.get(NO_BFLOAT16_ENV) == "1":
        return False
    if torch.device(device).type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:
        return False


def mixed_precision(device: torch.device | str, bfloat16: bool) -> AbstractContextManager:
    """The context a training step's forward pass runs in: ``torch.autocast`` to bfloat16 on
    ``device`` when ``bfloat16`` is true (matrix products in bfloat16, the weights that
    Adam updates stay float32), else a context that changes nothing. One place, so the
    tagger's and the character model's training and the profile run the same way."""
    if not bfloat16:
        return nullcontext()
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
