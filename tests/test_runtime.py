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
    monkeypatch.setattr(runtime, "_lstm_runs_in_bfloat16", lambda device: True)
    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    assert native_bfloat16("cpu") is torch.backends.mkldnn.is_available()
    monkeypatch.setenv(NO_BFLOAT16_ENV, "1")
    assert native_bfloat16("cpu") is False


def test_mixed_precision_changes_products_only_when_asked(monkeypatch):
    monkeypatch.setattr(runtime, "_lstm_runs_in_bfloat16", lambda device: True)
    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    a, b = torch.randn(4, 4), torch.randn(4, 4)
    with mixed_precision("cpu", False):
        assert (a @ b).dtype == torch.float32
    with mixed_precision("cpu", True):
        assert (a @ b).dtype == torch.bfloat16


def test_describe_says_what_the_device_is():
    assert describe("cpu") == f"cpu ({torch.get_num_threads()} threads)"
    assert describe("meta") == "meta"


def _lstm_under_bfloat16_raises() -> bool:
    lstm = torch.nn.LSTM(4, 4)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out, _ = lstm(torch.zeros(3, 2, 4, requires_grad=True))
        out.float().sum().backward()
    except RuntimeError:
        return True
    return False


def test_the_bfloat16_answer_is_what_the_lstm_does_on_this_cpu(monkeypatch):
    # On a CPU without AVX-512 BF16 (or under ONEDNN_MAX_CPU_ISA=AVX2, as CI runs it once)
    # oneDNN has no bfloat16 LSTM: the course must say no, not raise from inside the LSTM.
    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    assert runtime.bfloat16_lstm_runs("cpu") is not _lstm_under_bfloat16_raises()
    if not runtime.bfloat16_lstm_runs("cpu"):
        assert native_bfloat16("cpu") is False
        with pytest.raises(runtime.BFloat16Unavailable, match="AVX-512 BF16 or AMX"):
            runtime.require_bfloat16("cpu")


def test_the_probe_runs_the_lstm_not_only_asks_onednn(monkeypatch):
    # what an AVX2 laptop does: oneDNN's flag aside, the LSTM kernel itself raises
    def no_bfloat16_lstm(*args, **kwargs):
        raise RuntimeError("could not create a primitive descriptor for the LSTM forward")

    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.nn.LSTM, "forward", no_bfloat16_lstm)
    runtime._lstm_runs_in_bfloat16.cache_clear()
    try:
        assert runtime.bfloat16_lstm_runs("cpu") is False
        assert native_bfloat16("cpu") is False  # precision auto: float32
    finally:
        runtime._lstm_runs_in_bfloat16.cache_clear()


def test_a_request_for_bfloat16_where_it_cannot_run_is_one_line_before_any_work(monkeypatch):
    from lstm_course import charlm, training
    from lstm_course.data import TaggedSentence

    monkeypatch.delenv(NO_BFLOAT16_ENV, raising=False)
    monkeypatch.setattr(runtime, "_lstm_runs_in_bfloat16", lambda device: False)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    with pytest.raises(runtime.BFloat16Unavailable) as refused:
        runtime.require_bfloat16("cpu")
    message = str(refused.value)
    assert "\n" not in message and "AVX-512 BF16 or AMX, or a GPU" in message and "AVX2" in message
    with pytest.raises(runtime.BFloat16Unavailable):
        mixed_precision("cpu", True)
    sentence = TaggedSentence(("a", "b"), ("DET", "NOUN"))
    with pytest.raises(runtime.BFloat16Unavailable):
        training.train([sentence], [sentence], epochs=1, bfloat16=True, progress=False)
    vocab = charlm.char_vocab()
    model = charlm.CharLM(vocab, charlm.CharLMConfig(embedding_dim=2, hidden_size=2))
    ids = charlm.encode_text("ab" * 2000, vocab)
    with pytest.raises(runtime.BFloat16Unavailable):
        charlm.train_char_lm(model, ids, steps=1, seq_len=4, batch_size=2, bfloat16=True)
    # precision auto is float32 there, and trains
    assert training.default_bfloat16("cpu", training.TaggerConfig()) is False
