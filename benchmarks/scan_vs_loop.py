"""How the minLSTM's log-space scan compares with its own step loop and with nn.LSTM.

Times one forward and one backward pass of four layers of 64 units on a batch of 4 at
lengths 64 to 4,096 (best of 3 rounds after a warm-up; see lstm_course.scaling), with
PyTorch's default number of threads and again with one thread, and prints a table of
milliseconds and of microseconds per step, then:

    loop_vs_scan <threads>: <x>   the minLSTM step loop's time / the scan's time, at 4,096
    lstm_vs_scan <threads>: <x>   nn.LSTM's time / the scan's time, at 4,096 (< 1: nn.LSTM ahead)
    slope <layer>: <s>            log-log slope of time against length (1: linear, 2: quadratic)

The step loop is the fair one (its steps from ``unbind``). With ``--indexed`` it also times
the loop that reads ``coeffs[:, t]`` at every step, whose backward pass grows with the
square of the length: what an unfair baseline looks like (lesson 8, section 6).

Run it alone (other work on the CPU makes every time longer, unevenly):

    python benchmarks/scan_vs_loop.py [--device cpu] [--rounds 3] [--indexed]
"""

import argparse

import torch

from lstm_course.runtime import default_device, describe, requested_device
from lstm_course.scaling import INDEXED, MAX_ROUNDS, loglog_slope, measure

LENGTHS = (64, 256, 1024, 4096)
COMPARED = ("nn.LSTM", "minLSTM loop", "minLSTM scan")


def report(results: dict, names: tuple[str, ...], label: str) -> None:
    """Print the table, the two ratios at the longest length and the slopes."""
    print(f"{label}: {'layer':22s}" + "".join(f"{n:>10,d}" for n in LENGTHS) + "  ms (µs/step)")
    for name in names:
        cells = "".join(f"{1e3 * results[name, n][0]:10.2f}" for n in LENGTHS)
        per_step = " ".join(f"{1e6 * results[name, n][0] / n:.1f}" for n in LENGTHS)
        print(f"{label}: {name:22s}{cells}  ({per_step})")
    longest = LENGTHS[-1]
    scan = results["minLSTM scan", longest][0]
    print(f"loop_vs_scan {label}: {results['minLSTM loop', longest][0] / scan:.2f}")
    print(f"lstm_vs_scan {label}: {results['nn.LSTM', longest][0] / scan:.2f}")
    for name in names:
        times = [results[name, n][0] for n in LENGTHS]
        print(f"slope {label} {name}: {loglog_slope(LENGTHS, times):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the course's)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per measurement")
    parser.add_argument("--indexed", action="store_true", help="also time the indexed loop")
    args = parser.parse_args()
    if not 1 <= args.rounds <= MAX_ROUNDS:  # exit status 2
        parser.error(f"--rounds must be from 1 to {MAX_ROUNDS}, got {args.rounds}")
    try:
        device = (
            default_device() if args.device is None else requested_device(args.device, "--device")
        )
    except ValueError as e:
        parser.error(str(e))
    names = (*COMPARED, INDEXED) if args.indexed else COMPARED
    threads = torch.get_num_threads()
    print(f"device: {describe(device)}, torch {torch.__version__}")
    for count in dict.fromkeys((threads, 1)):  # the default, then one thread (once if equal)
        torch.set_num_threads(count)
        results = measure(LENGTHS, names, rounds=args.rounds, device=device)
        report(results, names, f"{count} thread{'s' if count > 1 else ''}")
    torch.set_num_threads(threads)


if __name__ == "__main__":
    main()
