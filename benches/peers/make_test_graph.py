"""Write a unit graph in the networkx node-link format that `schoolnets ensemble` writes as graph.json,
for trying `gerrychain_recom.py` without schoolnets.

Two sources:

    python3 benches/peers/make_test_graph.py --grid 30x32 --out /tmp/grid.json
    python3 benches/peers/make_test_graph.py --csv data/lausd-2018.csv --out /tmp/lausd-graph.json

`--grid WxH`: a W-by-H grid (4-neighbour), enrollment uniform in 100..3000. `--csv`: the school table,
schools at identical lat/lon grouped into one node (enrollment summed), a local equirectangular km
projection, and plain Delaunay neighbours (scipy), with none of schoolnets' edge pruning (outline,
long edges, barriers), so it approximates schoolnets' unit graph rather than reproducing it.
Either way the starting plan (`network`) comes from GerryChain's recursive_tree_part:
`--parts` parts (default 32) within `--epsilon` (default 0.10) of the ideal enrollment.
"""

import argparse
import csv
import json
import math
import random

import networkx as nx

EARTH_RADIUS_KM = 6371.0088


def grid_graph(spec, rng):
    w, h = (int(v) for v in spec.lower().split("x"))
    g = nx.Graph()
    for j in range(h):
        for i in range(w):
            g.add_node(j * w + i, x=float(i), y=float(j), enrollment=float(rng.randint(100, 3000)), schools=1)
    for j in range(h):
        for i in range(w):
            if i + 1 < w:
                g.add_edge(j * w + i, j * w + i + 1)
            if j + 1 < h:
                g.add_edge(j * w + i, (j + 1) * w + i)
    return g


def csv_graph(path):
    from scipy.spatial import Delaunay

    sites = {}  # (lat, lon) text as written -> [lat, lon, enrollment, schools]
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (float(row["lat"]), float(row["lon"]))
            s = sites.setdefault(key, [key[0], key[1], 0.0, 0])
            s[2] += float(row["enrollment"])
            s[3] += 1
    sites = sorted(sites.values())
    lat0 = sum(s[0] for s in sites) / len(sites)
    lon0 = sum(s[1] for s in sites) / len(sites)
    ky = EARTH_RADIUS_KM * math.pi / 180.0
    kx = ky * math.cos(math.radians(lat0))
    pts = [((s[1] - lon0) * kx, (s[0] - lat0) * ky) for s in sites]
    g = nx.Graph()
    for i, (s, p) in enumerate(zip(sites, pts)):
        g.add_node(i, x=p[0], y=p[1], enrollment=s[2], schools=s[3])
    for simplex in Delaunay(pts).simplices:
        a, b, c = (int(v) for v in simplex)
        g.add_edges_from([(a, b), (b, c), (a, c)])
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--grid", metavar="WxH")
    src.add_argument("--csv", metavar="FILE")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parts", type=int, default=32)
    ap.add_argument("--epsilon", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part  # noqa: F401 (re-exported there)

    rng = random.Random(args.seed)
    g = grid_graph(args.grid, rng) if args.grid else csv_graph(args.csv)
    assert nx.is_connected(g), "unit graph is not connected"
    total = sum(d["enrollment"] for _, d in g.nodes(data=True))
    assignment = recursive_tree_part(
        Graph.from_networkx(g), range(args.parts), total / args.parts, "enrollment", args.epsilon, rng=rng
    )
    for node, part in assignment.items():
        g.nodes[node]["network"] = int(part)
    data = nx.node_link_data(g, edges="links")
    with open(args.out, "w") as f:
        json.dump(data, f)
    print(f"{args.out}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, {args.parts} parts")


if __name__ == "__main__":
    main()
