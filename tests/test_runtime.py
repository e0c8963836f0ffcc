"""The runtime helpers: seeding, the device the course picks, and precision."""

import random

import numpy as np
import pytest
import torch

from lstm_course import runtime
from lstm_course.runtime import (
    DEVICE_ENV,
    NO_BFLOAT16_ENV,
    default_device,
    describe,
    mixed_precision,
    native_bfloat16,
    set_seed,
)


def _draws():
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_set_seed_makes_python_numpy_and_torch_repeat():
    set_seed(7)
    first = _draws()
    set_seed(7)
    assert _draws() == first
    set_seed(8)
    assert _draws() != first


def test_set_seed_returns_a_generator_seeded_alike():
    a, b = set_seed(3), set_seed(3)
    assert torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, None])
def test_set_seed_refuses_what_is_not_a_non_negative_int(bad):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        set_seed(bad)


def test_a_seed_beyond_numpys_range_still_seeds_everything():
    set_seed(2**40 + 5)
    first = _draws()
    set_seed(2**40 + 5)
    assert _draws() == first


def test_the_environment_variable_chooses_the_device(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert default_device() == torch.device("cpu")


def test_without_a_gpu_the_course_picks_the_cpu(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(runtime, "_mps_available", lambda: False)
    assert default_device() == torch.device("cpu")


def test_a_gpu_is_preferred_when_there_is_one(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert default_device() == torch.device("cuda")


@pytest.mark.parametrize(
    ("name", "message"),
    [("banana", "is not a device name"), ("cuda:7", "has no such device")],
)
def test_a_device_that_is_not_here_is_one_clear_error(monkeypatch, name, message):
    monkeypatch.setenv(DEVICE_ENV, name)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=message):
        default_device()


def test_bfloat16_is_never_claimed_off_the_cpu_or_when_switched_off(monkeypatch):
    assert native_bfloat16("meta") is False
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    assert native_bfloat16("cpu") is torch.backends.mkldnn.is_available()
    monkeypatch.setenv(NO_BFLOAT16_ENV, "1")
    assert native_bfloat16("cpu") is False


def test_mixed_precision_changes_products_only_when_asked():
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with mixed_precision("cpu", False):
        assert (a @ b).dtype == torch.float32
    with mixed_precision("cpu", True):
        assert (a @ b).dtype == torch.bfloat16


def test_describe_says_what_the_device_is():
    assert describe("cpu") == f"cpu ({torch.get_num_threads()} threads)"
    assert describe("meta") == "meta"
