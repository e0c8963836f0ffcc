"""Train the character model that lesson 6 ships, on this Python's standard library.

python tools/train_char_lm.py --steps 6000 --hidden-size 256

(about 21 minutes on 2 CPU cores; it writes lstm_course/checkpoints/char_lm_stdlib.pt).
The lesson trains a smaller model itself for a short while; this larger, longer-trained one
makes the interpretable cells crisper. The checkpoint records how it was made (steps, seed, the
Python version whose standard library it read, the held-out files and their bits per
character), and loads with ``torch.load(..., weights_only=True)``.
"""

import argparse
import platform
import time

from lstm_course.charlm import (
    SHIPPED_CHECKPOINT,
    CharLM,
    CharLMConfig,
    bits_per_character,
    char_vocab,
    encode_text,
    read_text,
    split_files,
    stdlib_files,
    train_char_lm,
)
from lstm_course.runtime import set_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hidden-size", type=int, default=256)
    p.add_argument("--out", default=str(SHIPPED_CHECKPOINT))
    args = p.parse_args()
    set_seed(args.seed)
    train_files, held_out = split_files(stdlib_files())
    vocab = char_vocab()
    train_ids = encode_text(read_text(train_files), vocab)
    held_ids = encode_text(read_text(held_out), vocab)
    model = CharLM(vocab, CharLMConfig(hidden_size=args.hidden_size))
    start = time.perf_counter()
    losses = train_char_lm(model, train_ids, steps=args.steps)
    minutes = (time.perf_counter() - start) / 60
    bpc = bits_per_character(model, held_ids)
    print(f"{args.steps} steps in {minutes:.1f} min; held-out bits per character: {bpc:.3f}")
    model.half().float()  # round to float16 precision: what is stored is what was measured
    bpc = bits_per_character(model, held_ids)
    model.half()
    model.save(
        args.out,
        steps=args.steps,
        seed=args.seed,
        python=platform.python_version(),
        held_out_files=[f.name for f in held_out],
        held_out_bpc=round(bpc, 4),
        final_train_bpc=round(sum(losses[-100:]) / len(losses[-100:]), 4),
    )
    print(f"held-out bits per character after rounding to float16: {bpc:.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
