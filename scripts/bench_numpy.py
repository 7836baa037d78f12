#!/usr/bin/env python3
"""NumPy on the std-sweep's three products, beside 'initlab bench'.

The same shapes as the dgemm peak of 'initlab bench' (batch 256, width 512):
H = X W, dX = dH W^T and dW = X^T dH, in float64 and float32, each repeated
for at least a second; the workload peak is their harmonic mean (the sweep
does equal work in each).  Prints a '#'-headed TSV on stdout.  Optional:
'make bench' runs it when python3 with numpy is there, never 'make check'.

Usage: python3 scripts/bench_numpy.py [--threads N]
"""
import os
import sys
import time

threads = None
if len(sys.argv) == 3 and sys.argv[1] == "--threads":
    threads = sys.argv[2]
    # before numpy loads its BLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
elif len(sys.argv) != 1:
    sys.exit("usage: bench_numpy.py [--threads N]")

import numpy as np  # noqa: E402


def rate(a, b, flop, min_s=1.0):
    """GFLOP/s of a @ b repeated for at least min_s seconds, after a warm-up."""
    out = a @ b
    reps, t0 = 0, time.perf_counter()
    while True:
        np.matmul(a, b, out=out)
        reps += 1
        t = time.perf_counter() - t0
        if t >= min_s:
            return flop * reps / t / 1e9


def main():
    B, n = 256, 512
    rng = np.random.default_rng(42)
    print("# numpy %s: the std-sweep's products (batch %d, width %d), threads %s, OPENBLAS_CORETYPE %s"
          % (np.__version__, B, n, threads or "default", os.environ.get("OPENBLAS_CORETYPE", "unset")))
    print("dtype\tH = X W\tdX = dH W^T\tdW = X^T dH\tworkload (harmonic mean)")
    for dt in (np.float64, np.float32):
        X = rng.standard_normal((B, n)).astype(dt)
        W = rng.standard_normal((n, n)).astype(dt)
        dH = rng.standard_normal((B, n)).astype(dt)
        flop = 2.0 * B * n * n
        r = [rate(X, W, flop), rate(dH, W.T, flop), rate(X.T, dH, flop)]
        hm = 3 / sum(1 / x for x in r)
        print("%s\t%.1f\t%.1f\t%.1f\t%.1f" % (np.dtype(dt).name, r[0], r[1], r[2], hm))


if __name__ == "__main__":
    main()
