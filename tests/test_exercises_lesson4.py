"""Lesson 4's exercise checks (lstm_course/exercises/lesson4.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import numpy as np
import pytest
import torch
from exercise_cases import case_tests

from lstm_course import exercises as ex


def _masked_accuracy(scores, tags):
    real = tags != -100
    return ((scores.argmax(-1) == tags) & real).sum().item() / real.sum().item()


def _masked_accuracy_by_indexing(scores, tags):
    mask = tags.ne(-100)
    return (scores.argmax(dim=-1)[mask] == tags[mask]).float().mean()


def _decode(scores, lengths, tag_vocab):
    best = scores.argmax(-1)
    return [tag_vocab.decode(best[i, :n]) for i, n in enumerate(lengths.tolist())]


def _decode_by_loops(scores, lengths, tag_vocab):
    result = []
    for row, n in zip(scores, lengths, strict=True):
        result.append([tag_vocab.tokens[int(s.argmax())] for s in row[: int(n)]])
    return result


def _alone_in_batch(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    inside = model(model.encode(sentences))[i, : len(sentences[i])]
    return bool((alone - inside).abs().max() < 1e-9)


def _alone_in_batch_by_allclose(model, sentences, i):
    with torch.no_grad():
        alone = model(model.encode(sentences[i : i + 1]))
        batch = model(model.encode(sentences))
    return torch.allclose(alone[0], batch[i, : alone.shape[1]], rtol=0, atol=1e-9)


def _alone_in_batch_bitwise(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    return torch.equal(alone, model(model.encode(sentences))[i, : len(sentences[i])])


def _alone_in_batch_whole_row(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0]
    return bool((alone - model(model.encode(sentences))[i]).abs().max() < 1e-9)


def _alone_in_batch_last_word_only(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0, -1]
    inside = model(model.encode(sentences))[i, len(sentences[i]) - 1]
    return bool((alone - inside).abs().max() < 1e-9)


def _alone_in_batch_first_word_only(model, sentences, i):
    alone = model(model.encode([sentences[i]]))[0, 0]
    return bool((alone - model(model.encode(sentences))[i, 0]).abs().max() < 1e-9)


def _masked_accuracy_per_sentence(scores, tags):  # each sentence weighs the same
    real = tags != -100
    right = ((scores.argmax(-1) == tags) & real).sum(dim=1)
    return (right / real.sum(dim=1)).mean().item()


def _masked_accuracy_pad_is_zero(scores, tags):  # lesson 3's <pad> index, not -100
    real = tags != 0
    return ((scores.argmax(-1) == tags) & real).sum().item() / real.sum().item()


def _unknown_rate_lowercased(sentences, vocab):  # the vocabulary decides, not the function
    words = [w.lower() for s in sentences for w in s]
    return sum(w not in vocab for w in words) / len(words)


CASES = {
    ex.check_masked_accuracy: (
        [_masked_accuracy, _masked_accuracy_by_indexing],
        [
            lambda s, t: (s.argmax(-1) == t).float().mean().item(),  # padding counted
            lambda s, t: ((s.argmax(-1) == t) & (t != -100)).sum().item() / t.numel(),
            _masked_accuracy_per_sentence,
            _masked_accuracy_pad_is_zero,
            lambda s, t: (
                ((s.argmax(-1) != t) & (t != -100)).sum().item() / (t != -100).sum().item()
            ),
        ],
    ),
    ex.check_unknown_rate: (
        [
            lambda sents, v: sum(w not in v for s in sents for w in s) / sum(map(len, sents)),
            lambda sents, v: float(np.mean([v.index(w) == v.unk_index for s in sents for w in s])),
        ],
        [
            lambda sents, v: len({w for s in sents for w in s if w not in v}) / 6,  # types
            lambda sents, v: sum(w not in v for s in sents for w in s),  # a count
            _unknown_rate_lowercased,
        ],
    ),
    ex.check_decode_predictions: (
        [_decode, _decode_by_loops],
        [
            lambda scores, lengths, v: [v.decode(row) for row in scores.argmax(-1)],
            lambda scores, lengths, v: [v.decode(row) for row in scores.argmin(-1)],
        ],
    ),
    ex.check_alone_in_batch: (
        [_alone_in_batch, _alone_in_batch_by_allclose],
        [
            lambda model, sentences, i: True,  # what a zero <pad> embedding would suggest
            lambda model, sentences, i: i == 1,  # only the longest
            _alone_in_batch_bitwise,  # packed and unpacked runs differ in the last bits
            _alone_in_batch_whole_row,  # the padded positions are not the sentence's
            _alone_in_batch_last_word_only,
            _alone_in_batch_first_word_only,
            lambda model, sentences, i: torch.tensor([True, False]),
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


def test_masked_accuracy_names_the_commonest_slip_a_mean_over_every_position(capsys):
    """Averaging over all 18 positions (padding included) gives 10/18: the hint must say so,
    not only "expected ..."."""
    for slip in (
        lambda s, t: (s.argmax(-1) == t).float().mean().item(),
        lambda s, t: ((s.argmax(-1) == t) & (t != -100)).sum().item() / t.numel(),
    ):
        ex.check_masked_accuracy(slip)
        out = capsys.readouterr().out
        assert out.startswith("❌ Not yet: ") and "all 18 positions, padding included" in out, out


@pytest.mark.parametrize(
    ("slip", "hint"),
    [
        (_masked_accuracy_per_sentence, "you averaged each sentence's accuracy"),
        (
            lambda s, t: (
                ((s.argmax(-1) != t) & (t != -100)).sum().item() / (t != -100).sum().item()
            ),
            "share of real words that are wrong",
        ),
    ],
)
def test_masked_accuracy_gives_each_slip_its_own_hint(slip, hint, capsys):
    """The mean of per-sentence accuracies once came out equal to "padding counted as right"
    and got that hint; on the check's tags every slip now has a value of its own."""
    ex.check_masked_accuracy(slip)
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: ") and hint in out and "padded positions" not in out, out


def test_unknown_rate_is_not_fooled_by_lower_casing(capsys):
    ex.check_unknown_rate(_unknown_rate_lowercased)
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: ") and "do not lower-case inside the function" in out, out


@pytest.mark.parametrize(
    "answer", [_alone_in_batch_last_word_only, _alone_in_batch_first_word_only]
)
def test_alone_in_batch_looks_at_every_word(answer, capsys):
    """A leak into one middle word is missed by an answer that compares only the last (or the
    first) word: the check must say so."""
    ex.check_alone_in_batch(answer)
    out = capsys.readouterr().out
    assert out.startswith("❌ Not yet: ") and "compare every real word" in out, out
