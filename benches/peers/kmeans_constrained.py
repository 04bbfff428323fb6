"""The peer a planner would otherwise pick: k-means-constrained (PyPI) on the same LAUSD table.

Groups the schools of data/lausd-2018.csv into 32 clusters of 28-35 schools (the mean, 31.5, within
±10%), 10 initialisations, on the same kind of km projection schoolnets uses (equirectangular about the
mean latitude and longitude). It meets no enrollment band, no connectivity and no grade rule: it is the
speed reference, not a plan. Prints the fit time and the sum of squared school-to-centre distances.

    pip install k-means-constrained
    python3 benches/peers/kmeans_constrained.py [data/lausd-2018.csv]
"""

import csv
import math
import sys
import time

from k_means_constrained import KMeansConstrained
import numpy as np


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data/lausd-2018.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    lat0, lon0 = lat.mean(), lon.mean()
    km = 111.195
    x = np.column_stack(((lon - lon0) * km * math.cos(math.radians(lat0)), (lat - lat0) * km))
    k = 32
    mean = len(rows) / k
    size_min, size_max = math.ceil(0.9 * mean), math.floor(1.1 * mean)
    start = time.perf_counter()
    model = KMeansConstrained(n_clusters=k, size_min=size_min, size_max=size_max, n_init=10, random_state=2018)
    labels = model.fit_predict(x)
    elapsed = time.perf_counter() - start
    sse = float(((x - model.cluster_centers_[labels]) ** 2).sum())
    print(f"k-means-constrained: {len(rows)} schools, {k} clusters of {size_min}-{size_max} schools, "
          f"10 inits: fit {elapsed:.2f} s, compactness {sse:,.1f} km2")


if __name__ == "__main__":
    main()
