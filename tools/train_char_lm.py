"""Train the character model that lesson 6 ships, on this Python's standard library.

python tools/train_char_lm.py     # 512 units, 10,000 steps of 128 x 128 characters

(77 minutes on 2 CPU cores with bfloat16, a few minutes on a GPU; it writes
lstm_course/checkpoints/char_lm_stdlib.pt). The lesson trains a smaller model itself for a
short while; this larger, longer-trained one knows Python better and its memories are
easier to read. The checkpoint records how it was made: the sizes, steps, batch, seed,
seconds, device, the Python whose standard library it read, the files it trained on and
those it held out (by path inside the library), and its bits per character on the held-out
files before and after its weights were rounded to float16 for shipping. It loads with
``torch.load(..., weights_only=True)``.
"""

import argparse
import platform
import time

import torch

from lstm_course import corpus
from lstm_course.charlm import (
    SHIPPED_CHECKPOINT,
    CharLM,
    CharLMConfig,
    bits_per_character,
    char_vocab,
    encode_text,
    train_char_lm,
)
from lstm_course.runtime import default_device, describe, native_bfloat16, set_seed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=128, help="streams read side by side")
    p.add_argument("--seq-len", type=int, default=128, help="characters per stream per step")
    p.add_argument("--hidden-size", type=int, default=512)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument(
        "--dropout",
        type=float,
        default=0.0,
        help="on the LSTM's outputs, in training (0.2 measured no better: 1.634 vs 1.631 bpc)",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "float32", "bfloat16"],
        default="auto",
        help="bfloat16 mixed precision; auto: where the CPU computes bfloat16 natively",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(SHIPPED_CHECKPOINT))
    args = p.parse_args()

    set_seed(args.seed)
    device = default_device()
    auto = args.precision == "auto"
    bfloat16 = native_bfloat16(device) if auto else args.precision == "bfloat16"
    train_files, held_out = corpus.split_files(corpus.stdlib_files())
    vocab = char_vocab()
    train_ids = encode_text(corpus.read_text(train_files), vocab)
    held_ids = encode_text(corpus.read_text(held_out), vocab)
    print(
        f"Python {platform.python_version()}, {describe(device)}, "
        f"{'bfloat16 mixed' if bfloat16 else 'float32'}: {len(train_files)} training "
        f"files ({len(train_ids):,} characters), {len(held_out)} held out ({len(held_ids):,})",
        flush=True,
    )
    config = CharLMConfig(hidden_size=args.hidden_size, dropout=args.dropout)
    model = CharLM(vocab, config).to(device)
    start = time.perf_counter()
    losses = train_char_lm(
        model,
        train_ids,
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        bfloat16=bfloat16,
    )
    seconds = time.perf_counter() - start
    bpc_float32 = bits_per_character(model, held_ids)
    print(f"{args.steps} steps in {seconds / 60:.1f} min; held-out bpc {bpc_float32:.4f}")
    model.half().float()  # round to float16 precision: what is stored is what was measured
    bpc = bits_per_character(model, held_ids)
    model.half()
    model.save(
        args.out,
        steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        precision="bfloat16 mixed" if bfloat16 else "float32",
        seed=args.seed,
        seconds=round(seconds),
        device=describe(device),
        python=platform.python_version(),
        torch=str(torch.__version__),
        train_characters=len(train_ids),
        train_files=train_files,
        held_out_files=held_out,
        held_out_bpc_float32=round(bpc_float32, 4),
        held_out_bpc=round(bpc, 4),
        final_train_bpc=round(sum(losses[-100:]) / len(losses[-100:]), 4),
    )
    print(f"held-out bpc after rounding to float16: {bpc:.4f}; wrote {args.out}")


if __name__ == "__main__":
    main()
