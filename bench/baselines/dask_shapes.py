"""Dask's threaded scheduler on the benchmark shapes (S1 tree, S2 fan-out + sum, S3 chain).

Prints one JSON object: {"version": ..., "s1": [ms...], "s2": [ms...], "s3": [ms...]}.
Usage: python3 dask_shapes.py <runs> <threads> [<warmup>]
"""
import json
import sys
import time

import dask
from dask.threaded import get


def leaf(x):
    return x


def add(a, b):
    return a + b


def inc(x):
    return x + 1


def total(xs):
    return sum(xs)


def tree_graph(n):
    dsk = {("v", 0, i): (leaf, i) for i in range(n)}
    level, width = 0, n
    while width > 1:
        for i in range(0, width - 1, 2):
            dsk[("v", level + 1, i // 2)] = (add, ("v", level, i), ("v", level, i + 1))
        if width % 2 == 1:
            dsk[("v", level + 1, width // 2)] = (leaf, ("v", level, width - 1))
        level, width = level + 1, (width + 1) // 2
    return dsk, ("v", level, 0)


def fanout_graph(n):
    dsk = {("t", i): (leaf, i) for i in range(n)}
    dsk["sum"] = (total, [("t", i) for i in range(n)])
    return dsk, "sum"


def chain_graph(n):
    dsk = {("c", 0): (inc, 0)}
    for i in range(1, n):
        dsk[("c", i)] = (inc, ("c", i - 1))
    return dsk, ("c", n - 1)


def time_graph(build, expected, runs, threads, warmup):
    dsk, key = build
    samples = []
    for i in range(runs + warmup):  # the first `warmup` runs are not timed
        start = time.perf_counter()
        result = get(dsk, key, num_workers=threads)
        elapsed = (time.perf_counter() - start) * 1000
        if result != expected:
            raise SystemExit(f"wrong result {result}, expected {expected}")
        if i >= warmup:
            samples.append(elapsed)
    return samples


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    out = {
        "version": dask.__version__,
        "s1": time_graph(tree_graph(1024), 523776, runs, threads, warmup),
        "s2": time_graph(fanout_graph(10000), 49995000, runs, threads, warmup),
        "s3": time_graph(chain_graph(1000), 1000, runs, threads, warmup),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
