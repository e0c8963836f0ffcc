"""How the minLSTM's log-space scan compares with its own step loop and with nn.LSTM.

Times one forward and one backward pass of four layers of 64 units on a batch of 4 at
lengths 64 to 4,096 (best of 3 rounds after a warm-up; see lstm_course.scaling) and prints:

    scan_speedup: <x>   the minLSTM step loop's time / the scan's time, at length 4,096
    scan_vs_lstm: <x>   nn.LSTM's time / the scan's time, at length 4,096
    slope <layer>: <s>  the log-log slope of time against length (1: linear, 2: quadratic)

Run it alone (other work on the CPU makes every time longer, unevenly):

    python benchmarks/scan_vs_loop.py [--device cpu] [--rounds 3]
"""

import argparse

import torch

from lstm_course.runtime import default_device, describe, requested_device
from lstm_course.scaling import LAYERS, MAX_ROUNDS, loglog_slope, measure

LENGTHS = (64, 256, 1024, 4096)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cpu, cuda, mps (default: the course's)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per measurement")
    args = parser.parse_args()
    if not 1 <= args.rounds <= MAX_ROUNDS:  # exit status 2
        parser.error(f"--rounds must be from 1 to {MAX_ROUNDS}, got {args.rounds}")
    try:
        device = (
            default_device() if args.device is None else requested_device(args.device, "--device")
        )
    except ValueError as e:
        parser.error(str(e))
    print(f"device: {describe(device)}, threads: {torch.get_num_threads()}")
    results = measure(LENGTHS, LAYERS, rounds=args.rounds, device=device)
    print(f"{'layer':14s}" + "".join(f"{n:>12,d}" for n in LENGTHS) + "   (ms, forward+backward)")
    for name in LAYERS:
        print(f"{name:14s}" + "".join(f"{1e3 * results[name, n][0]:12.2f}" for n in LENGTHS))
    longest = LENGTHS[-1]
    scan = results["minLSTM scan", longest][0]
    print(f"scan_speedup: {results['minLSTM loop', longest][0] / scan:.1f}")
    print(f"scan_vs_lstm: {results['nn.LSTM', longest][0] / scan:.1f}")
    for name in LAYERS:
        times = [results[name, n][0] for n in LENGTHS]
        memory = [results[name, n][1] for n in LENGTHS]
        print(
            f"slope {name}: time {loglog_slope(LENGTHS, times):.2f}, "
            f"memory {loglog_slope(LENGTHS, memory):.2f}"
        )


if __name__ == "__main__":
    main()
