"""schoolnets plan and k-means-constrained on the same LAUSD table, timed side by side in one run.

Runs the two whole processes in turn (A B A B ...), `--rounds` times each after one warm-up, and prints
each one's median wall time and the median of the per-round ratios, so a comparison holds when the
machine's speed drifts. Extra arguments after `--` go to `schoolnets plan` (for example a scenario).

    cargo build --release && pip install k-means-constrained
    python3 benches/peers/side_by_side.py [--rounds 7] [-- --scenario scenarios/geography-only.toml]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def wall(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    out = tempfile.mkdtemp(prefix="schoolnets-bench-")
    plan = [os.path.join(ROOT, "target", "release", "schoolnets"), "plan", "-q", "--out", out] + extra
    peer = [sys.executable, os.path.join(HERE, "kmeans_constrained.py"), os.path.join(ROOT, "data", "lausd-2018.csv")]
    wall(plan), wall(peer)  # warm-up: disk caches, Python's imports
    a, b = [], []
    for _ in range(args.rounds):
        a.append(wall(plan))
        b.append(wall(peer))
    ratios = [x / y for x, y in zip(a, b)]
    print(f"schoolnets plan {' '.join(extra)}: median {statistics.median(a):.3f} s (min {min(a):.3f}, max {max(a):.3f})")
    print(f"k-means-constrained (whole process): median {statistics.median(b):.3f} s (min {min(b):.3f}, max {max(b):.3f})")
    print(f"ratio schoolnets / k-means-constrained: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {args.rounds} rounds")


if __name__ == "__main__":
    main()
