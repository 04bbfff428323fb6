"""schoolnets ensemble and GerryChain ReCom on the same unit graph, timed side by side in one run.

Each round runs the two in turn (A B A B ...), after one warm-up round that is not counted:

  A. `target/release/schoolnets ensemble --plan PLAN --out TMP --chains C --proposals P -q [extra]`,
     then reads TMP/ensemble.json: `proposals` / `seconds` (the chain time) is its steps/s;
  B. `gerrychain_recom.py --graph TMP/graph.json --steps S`, the graph A just wrote (starting plan
     included), which prints its chain time; its steps/s is ReCom proposals / chain seconds.

It prints each side's median steps/s and median whole-process wall time (imports, loading and
writing included), and the median of the per-round ratios of steps/s, so a comparison holds when
the machine's speed drifts. Extra arguments after `--` go to `schoolnets ensemble`. GerryChain runs
one chain on one core: compare with `--chains 1` for a like-for-like figure.

    cargo build --release && pip install gerrychain
    python3 benches/peers/side_by_side_ensemble.py --plan out-two-rules [--rounds 7] [--chains 1]
        [--proposals 2000] [--steps 2000] [-- <more schoolnets ensemble arguments>]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.join(ROOT, "target", "release", "schoolnets")


def run(cmd, what):
    """Runs cmd from the repository root; returns (wall seconds, stdout). Stops the script on failure."""
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr.strip()}")
    return wall, p.stdout


def number(obj, key, where):
    v = obj.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        sys.exit(f"{where}: field `{key}` missing or not a number (got {v!r}); fields: {sorted(obj)}")
    return float(v)


def schoolnets_round(base_cmd, out):
    os.makedirs(out, exist_ok=True)
    cmd = base_cmd[:4] + ["--out", out] + base_cmd[4:]  # schoolnets ensemble --plan PLAN --out OUT ...
    wall, _ = run(cmd, "schoolnets ensemble")
    path = os.path.join(out, "ensemble.json")
    if not os.path.isfile(path):
        sys.exit(f"schoolnets ensemble wrote no {path}")
    with open(path) as f:
        summary = json.load(f)
    if not isinstance(summary, dict):
        sys.exit(f"{path}: expected a JSON object")
    proposals, seconds = number(summary, "proposals", path), number(summary, "seconds", path)
    if proposals <= 0 or seconds <= 0:
        sys.exit(f"{path}: proposals ({proposals}) and seconds ({seconds}) must be positive")
    graph = os.path.join(out, "graph.json")
    if not os.path.isfile(graph):
        sys.exit(f"schoolnets ensemble wrote no {graph} (GerryChain's input)")
    return wall, proposals / seconds, summary, graph


def gerrychain_round(base_cmd, graph):
    wall, stdout = run(base_cmd + ["--graph", graph], "gerrychain_recom.py")
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        sys.exit("gerrychain_recom.py printed nothing")
    result = json.loads(lines[-1])
    where = "gerrychain_recom.py output"
    proposals, seconds = number(result, "proposals", where), number(result, "seconds", where)
    return wall, proposals / seconds, result


def summary_line(name, xs, unit, digits=1):
    return (f"{name}: median {statistics.median(xs):.{digits}f} {unit} "
            f"(min {min(xs):.{digits}f}, max {max(xs):.{digits}f})")


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan", required=True, help="a schoolnets plan folder")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--chains", type=int, default=1, help="schoolnets ensemble --chains (default 1)")
    ap.add_argument("--proposals", type=int, default=2000, help="schoolnets ensemble --proposals (default 2000)")
    ap.add_argument("--steps", type=int, default=2000, help="GerryChain total_steps (default 2000)")
    ap.add_argument("--seed", type=int, default=1, help="GerryChain seed (default 1)")
    ap.add_argument("--epsilon", type=float, default=0.10, help="GerryChain enrollment tolerance (default 0.10)")
    ap.add_argument("--keep", action="store_true", help="keep the ensemble output folders")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")

    if not os.access(BIN, os.X_OK):
        sys.exit(f"no {BIN}: run `cargo build --release` first")
    plan = os.path.abspath(args.plan)
    if not os.path.isdir(plan):
        sys.exit(f"--plan {args.plan}: not a folder")
    probe = subprocess.run([sys.executable, "-c", "import gerrychain"], capture_output=True)
    if probe.returncode != 0:
        sys.exit("GerryChain is not importable by this Python: `pip install gerrychain`")

    ours = [BIN, "ensemble", "--plan", plan, "--chains", str(args.chains), "--proposals", str(args.proposals), "-q"]
    ours += extra
    peer = [sys.executable, os.path.join(HERE, "gerrychain_recom.py"), "--steps", str(args.steps),
            "--seed", str(args.seed), "--epsilon", str(args.epsilon)]

    work = tempfile.mkdtemp(prefix="schoolnets-ensemble-bench-")
    a_wall, a_rate, b_wall, b_rate = [], [], [], []
    try:
        for r in range(args.rounds + 1):  # round 0 warms up disk caches and Python's imports
            out = os.path.join(work, f"round-{r}")
            wa, ra, summary, graph = schoolnets_round(ours, out)
            wb, rb, result = gerrychain_round(peer, graph)
            if r == 0:
                print(f"graph: {result.get('nodes')} nodes, {result.get('edges')} edges, {result.get('parts')} parts; "
                      f"GerryChain {result.get('gerrychain')}; schoolnets ensemble: "
                      f"{summary.get('chains', args.chains)} chain(s), {summary['proposals']:.0f} proposals")
            else:
                a_wall.append(wa), a_rate.append(ra), b_wall.append(wb), b_rate.append(rb)
                print(f"round {r}: schoolnets {ra:.1f} steps/s ({wa:.2f} s), GerryChain {rb:.1f} steps/s ({wb:.2f} s)",
                      flush=True)
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    ratios = [x / y for x, y in zip(a_rate, b_rate)]
    label = f"schoolnets ensemble --chains {args.chains} --proposals {args.proposals} {' '.join(extra)}".rstrip()
    print(summary_line(f"{label} (chain time)", a_rate, "steps/s"))
    print(summary_line(f"GerryChain {args.steps}-step ReCom (chain time)", b_rate, "steps/s"))
    print(summary_line("schoolnets ensemble (whole process)", a_wall, "s", 3))
    print(summary_line("GerryChain (whole process)", b_wall, "s", 3))
    print(f"ratio of steps/s, schoolnets / GerryChain: median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {args.rounds} rounds")
    if args.keep:
        print(f"ensemble output kept in {work}")


if __name__ == "__main__":
    main()
