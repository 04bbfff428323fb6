"""GerryChain ReCom on a schoolnets unit graph: the peer for `schoolnets ensemble`, timed alone.

Reads a graph in networkx node-link format (the graph.json of an ensemble output folder: node
attributes `enrollment` and `network`, the node's part in the starting plan), runs GerryChain's
ReCom chain (always accept; constraints: contiguity and enrollment within --epsilon of the ideal;
recom's own balance bound is the same --epsilon), and prints one JSON line:

    {"steps": ..., "proposals": ..., "seconds": ..., "steps_per_second": ..., "gerrychain": "x.y.z", ...}

Only the chain loop is timed (not imports, graph load or the Partition's first build). `steps` is
GerryChain's own count, `total_steps`, the states the chain yields, the starting plan included;
`proposals` is how many times recom ran (steps - 1 plus any proposals the constraints rejected).

    pip install gerrychain
    python3 benches/peers/gerrychain_recom.py --graph OUT/graph.json [--steps 1000] [--seed 1]

GerryChain 1.0 takes the chain's randomness from MarkovChain(rng=...) (an unseeded one draws from
system entropy, ignoring the global `random`), so --seed is passed there; older versions without
that argument use the global `random`, which is seeded too. In 1.0, recom's `node_repeats` counts
*extra* roots tried per spanning tree (default 0; 0.3.x's node_repeats=1 meant the same thing: one
root per tree, then a new tree), so --node-repeats defaults to 0.
"""

import argparse
import hashlib
import json
import random
import sys
import time
from functools import partial


def load_graph(path):
    import networkx as nx

    with open(path) as f:
        data = json.load(f)
    for key in ("nodes", "links"):
        if key not in data:
            sys.exit(f"{path}: not a node-link graph (no {key!r})")
    try:
        g = nx.node_link_graph(data, edges="links")  # networkx >= 3.4
    except TypeError:
        g = nx.node_link_graph(data, link="links")
    missing = [n for n, d in g.nodes(data=True) if "enrollment" not in d or "network" not in d]
    if missing:
        sys.exit(f"{path}: {len(missing)} nodes lack `enrollment` or `network` (first: {missing[0]})")
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", required=True, help="node-link JSON (an ensemble folder's graph.json)")
    ap.add_argument("--steps", type=int, default=1000, help="MarkovChain total_steps (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epsilon", type=float, default=0.10, help="enrollment tolerance (default 0.10)")
    ap.add_argument("--node-repeats", type=int, default=0, help="recom node_repeats (default 0, see above)")
    args = ap.parse_args()

    random.seed(args.seed)
    import gerrychain
    from gerrychain import Graph, MarkovChain, Partition
    from gerrychain.accept import always_accept
    from gerrychain.constraints import contiguous, within_percent_of_ideal_population
    from gerrychain.proposals import recom
    from gerrychain.updaters import Tally, cut_edges

    try:
        from importlib.metadata import version

        gc_version = version("gerrychain")
    except Exception:
        gc_version = getattr(gerrychain, "__version__", "unknown")

    nxg = load_graph(args.graph)
    graph = Graph.from_networkx(nxg)
    assignment = {n: int(d["network"]) for n, d in nxg.nodes(data=True)}
    k = len(set(assignment.values()))
    initial = Partition(
        graph,
        assignment=assignment,
        updaters={"population": Tally("enrollment", alias="population"), "cut_edges": cut_edges},
    )
    ideal = sum(initial["population"].values()) / k
    proposal = partial(
        recom, pop_col="enrollment", pop_target=ideal, epsilon=args.epsilon, node_repeats=args.node_repeats
    )
    proposals = 0

    def counted(state, **kwargs):  # **kwargs: GerryChain 1.0 passes rng=chain.rng
        nonlocal proposals
        proposals += 1
        return proposal(state, **kwargs)

    constraints = [contiguous, within_percent_of_ideal_population(initial, args.epsilon)]
    try:
        chain = MarkovChain(counted, constraints, always_accept, initial, args.steps, rng=args.seed)
    except TypeError:  # before 1.0: no rng argument; the global random is seeded above
        chain = MarkovChain(counted, constraints, always_accept, initial, args.steps)

    steps = 0
    state = None
    start = time.perf_counter()
    for state in chain:
        steps += 1
    seconds = time.perf_counter() - start
    # A fingerprint of the last plan, to check that a seed reproduces a run.
    final = hashlib.sha1(json.dumps(sorted((str(n), str(p)) for n, p in state.assignment.items())).encode())

    print(json.dumps({
        "steps": steps,
        "proposals": proposals,
        "seconds": round(seconds, 6),
        "steps_per_second": round(steps / seconds, 3),
        "gerrychain": gc_version,
        "nodes": nxg.number_of_nodes(),
        "edges": nxg.number_of_edges(),
        "parts": k,
        "epsilon": args.epsilon,
        "node_repeats": args.node_repeats,
        "seed": args.seed,
        "final_plan_sha1": final.hexdigest()[:12],
    }))


if __name__ == "__main__":
    main()
