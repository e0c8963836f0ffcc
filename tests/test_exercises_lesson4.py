"""Lesson 4's exercise checks (lstm_course/exercises/lesson4.py): answers that must pass,
however written, and plausible wrong ones that must fail with a hint."""

import numpy as np
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


CASES = {
    ex.check_masked_accuracy: (
        [_masked_accuracy, _masked_accuracy_by_indexing],
        [
            lambda s, t: (s.argmax(-1) == t).float().mean().item(),  # padding counted
            lambda s, t: ((s.argmax(-1) == t) & (t != -100)).sum().item() / t.numel(),
        ],
    ),
    ex.check_unknown_rate: (
        [
            lambda sents, v: sum(w not in v for s in sents for w in s) / sum(map(len, sents)),
            lambda sents, v: float(np.mean([v.index(w) == v.unk_index for s in sents for w in s])),
        ],
        [
            lambda sents, v: len({w for s in sents for w in s if w not in v}) / 5,  # types
            lambda sents, v: sum(w not in v for s in sents for w in s),  # a count
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
            lambda model, sentences, i: torch.tensor([True, False]),
        ],
    ),
}
test_right_answers_pass, test_wrong_answers_fail, test_a_blank_answer_is_the_learners_turn = (
    case_tests(CASES)
)


def test_masked_accuracy_names_the_commonest_slip_a_mean_over_every_position(capsys):
    """Averaging over all 15 positions (padding included) gives 9/15 = 0.6: the hint must say
    so, not only "expected ..."."""
    for slip in (
        lambda s, t: (s.argmax(-1) == t).float().mean().item(),
        lambda s, t: ((s.argmax(-1) == t) & (t != -100)).sum().item() / t.numel(),
    ):
        ex.check_masked_accuracy(slip)
        out = capsys.readouterr().out
        assert out.startswith("❌ Not yet: ") and "all 15 positions, padding included" in out, out
