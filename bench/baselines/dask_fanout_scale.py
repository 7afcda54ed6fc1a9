"""Dask's threaded scheduler on a wide fan-out + sum (the scale section's local shape).

Prints one JSON object: {"version": ..., "ms": [ms...], "bytes_per_task": B}, where B is the growth
of the process's peak RSS (ru_maxrss) over building the graph and running it, per task.
Usage: python3 dask_fanout_scale.py <width> <runs> <threads> [<warmup>]
"""
import json
import resource
import sys

import dask

from dask_shapes import fanout_graph, time_graph


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    width = int(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    warmup = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    before = peak_rss_bytes()
    samples = time_graph(fanout_graph(width), width * (width - 1) // 2, runs, threads, warmup)
    grown = peak_rss_bytes() - before
    print(json.dumps({"version": dask.__version__, "ms": samples, "bytes_per_task": grown / (width + 1)}))


if __name__ == "__main__":
    main()
