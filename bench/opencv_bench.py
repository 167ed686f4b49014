#!/usr/bin/env python3
"""OpenCV ximgproc peers of the DepthPlugins benchmark cases (called by DepthPlugins.Bench, or run alone).

Prints one JSON object per line: {"case": ..., "size": "WxH", "median_ms": ..., "median_cpu_ms": ..., "runs": N}
(median_cpu_ms: process CPU time of all threads, robust to other load on a shared machine).
Cases mirror the benchmark's: colour guided filter r=8 (eps 1e-4 on 0..1 float32 images) and joint bilateral filter
d=13 (radius 6, sigmaSpace 3, sigmaColor 0.06) with a float32 RGB guide and float32 depth. OpenCV's JBF uses a round
window and an L1 colour distance (ours: square, L2), so the work per pixel is similar but not identical.
Needs python3-opencv with the contrib module ximgproc (Debian's python3-opencv has it).
"""
import argparse
import json
import statistics
import sys
import time

import cv2
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--sizes", default="1920x1080,3840x2160")
p.add_argument("--runs", type=int, default=5)
p.add_argument("--warmup", type=int, default=1)
p.add_argument("--cases", default="guided,jbf")
a = p.parse_args()
if not hasattr(cv2, "ximgproc"):
    sys.exit("cv2.ximgproc is missing (needs opencv contrib, e.g. Debian's python3-opencv)")

for size in a.sizes.split(","):
    w, h = map(int, size.split("x"))
    rng = np.random.default_rng(1)
    guide = rng.random((h, w, 3), dtype=np.float32)
    depth = rng.random((h, w), dtype=np.float32)
    cases = {
        "guided": lambda: cv2.ximgproc.guidedFilter(guide, depth, 8, 1e-4),
        "jbf": lambda: cv2.ximgproc.jointBilateralFilter(guide, depth, 13, 0.06, 3.0),
    }
    for name in a.cases.split(","):
        f = cases[name]
        for _ in range(a.warmup):
            f()
        times, cpu = [], []
        for _ in range(a.runs):
            t, c = time.perf_counter(), time.process_time()
            f()
            times.append((time.perf_counter() - t) * 1e3)
            cpu.append((time.process_time() - c) * 1e3)
        print(json.dumps({"case": name, "size": size, "median_ms": statistics.median(times), "median_cpu_ms": statistics.median(cpu),
                          "runs": a.runs, "threads": cv2.getNumThreads()}), flush=True)
