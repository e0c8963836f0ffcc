"""The tagger's speed-ups, in one place: a learner can skip this module.

Each computes what the plain version computes, only faster on a CPU, and each was measured to
pay (``benchmarks/tagger_throughput.py`` and ``benchmarks/tagger_profile.py``; the figures
are in docs/measured.md):

- :class:`Dropout`: ``nn.Dropout`` with a cheaper random mask, used by the tagger;
- :func:`fused_adam`: Adam's fused implementation (one loop over all the weights), used by
  :func:`lstm_course.training.make_optimizer`;
- :func:`denormals_flushed`: tiny floats computed as zero while :func:`lstm_course.training.train`
  runs.

Two more live where their data does: :class:`lstm_course.batching.EncodedCorpus` (the
training sentences encoded once, instead of in Python for every batch) and the branch of
:meth:`lstm_course.tagger.LSTMTagger.forward` that does not pack a batch whose sentences all
have one length (there is no padding to skip).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import torch
from torch import Tensor, nn


class Dropout(nn.Module):
    """``nn.Dropout`` with a cheaper random mask: the same in distribution, faster on a CPU.

    Each value is kept with probability ``1 - p`` and then scaled by ``1 / (1 - p)``, so its
    expected value is unchanged; in evaluation mode nothing is dropped. PyTorch draws its
    dropout mask with ``bernoulli_``, a noticeable share of a CPU training step
    (``benchmarks/tagger_profile.py``); comparing uniform random numbers with ``p`` makes the
    same mask for less (figures in docs/measured.md). (The dropout *between*
    the LSTM's layers is PyTorch's own.)
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, device=x.device) >= self.p
        return x * (keep * (1 / (1 - self.p)))  # float32 scale: 1 / (1 - p) is not exact in bf16

    def extra_repr(self) -> str:
        return f"p={self.p}"


def fused_adam(
    params: Iterable[nn.Parameter], lr: float, betas: tuple[float, float]
) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` in its fused implementation: the same arithmetic, one loop over all
    the weights instead of a dozen tensor operations per weight. PyTorch before 2.4 has it
    only on GPUs and refuses it on the CPU; there the ordinary implementation is used."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except RuntimeError:
        return torch.optim.Adam(params, lr=lr, betas=betas)


@contextlib.contextmanager
def denormals_flushed() -> Iterator[None]:
    """Tiny ("denormal") floats computed as zero inside the ``with`` block; the flag is put
    back after.

    Adam shrinks the running averages of every embedding row a batch does not use at every
    step; after a few hundred steps a rare word's are denormal floats, which x86 CPUs
    process many times slower."""
    flushing = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if flushing:
            torch.set_flush_denormal(False)
