#!/usr/bin/python3
"""OpenCV's joint bilateral filter applied to the bicubic result, on the Park scenes (clean protocol).

Reproduces the issue's anchor "OpenCV jointBilateralFilter on bicubic ~ 0.87 of bicubic at x8" beside our own
methods. Needs Debian's python3-opencv with the contrib module ximgproc: run with /usr/bin/python3 (the pyenv python3
on PATH has no cv2). The clean protocol's PIL bicubic (antialiased shrink, then enlarge) is written out below with
numpy, following PIL's Resample.c (precompute_coeffs), so PIL itself is not needed.

usage: /usr/bin/python3 bench/opencv_jbf_baseline.py [--data DIR] [--scale 8]
"""
import argparse
import os
import numpy as np
import cv2


def keys(t, a=-0.5):
    t = np.abs(t)
    return np.where(t < 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                    np.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0))


def pil_matrix(insize, outsize):
    """Row i holds PIL's normalised bicubic weights of output pixel i (antialiased when shrinking)."""
    scale = insize / outsize
    fs = max(scale, 1.0)
    support = 2.0 * fs
    m = np.zeros((outsize, insize))
    for i in range(outsize):
        c = (i + 0.5) * scale
        lo = max(int(c - support + 0.5), 0)
        hi = min(int(c + support + 0.5), insize)
        xs = np.arange(lo, hi)
        w = keys((xs - c + 0.5) / fs)
        m[i, lo:hi] = w / w.sum()
    return m


def pil_resize(img, w, h):
    """PIL's Image.resize((w, h), BICUBIC) on a float image: horizontal pass, float32 intermediate, vertical pass."""
    t = (img.astype(np.float64) @ pil_matrix(img.shape[1], w).T).astype(np.float32)
    return (pil_matrix(img.shape[0], h) @ t.astype(np.float64)).astype(np.float32)


def rmse(a, g, border):
    d = (a.astype(np.float64) - g)[border:-border, border:-border]
    return float(np.sqrt(np.mean(d * d)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../shared/data/middlebury2005_park_noisy"))
    ap.add_argument("--scale", type=int, default=8)
    args = ap.parse_args()
    s = args.scale
    scenes = sorted(d for d in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, d)))
    # (d, sigmaColor on 0..255, sigmaSpace in pixels): OpenCV's own example values and a scale-sized window.
    settings = [(-1, 10, 5), (-1, 20, 5), (-1, 20, 10), (-1, 30, s), (-1, 40, s), (-1, 20, 2 * s)]
    rows = {k: [] for k in ["bicubic"] + [f"cv2 JBF d={d} sigmaColor={c} sigmaSpace={p}" for d, c, p in settings]}
    for name in scenes:
        gt = cv2.imread(os.path.join(args.data, name, f"{name}_big.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32)
        rgb = cv2.imread(os.path.join(args.data, name, f"{name}_color.png"), cv2.IMREAD_COLOR).astype(np.float32)
        H, W = gt.shape
        low = pil_resize(gt, W // s, H // s)
        bic = pil_resize(low, W, H)
        rows["bicubic"].append(rmse(bic, gt, s))
        for d, c, p in settings:
            out = cv2.ximgproc.jointBilateralFilter(rgb, bic, d, c, p)
            rows[f"cv2 JBF d={d} sigmaColor={c} sigmaSpace={p}"].append(rmse(out, gt, s))
    base = np.mean(rows["bicubic"])
    print(f"clean protocol x{s}, {len(scenes)} scenes ({', '.join(scenes)}), RMSE on 0..255, border {s}")
    for k, v in rows.items():
        print(f"{k:45s} mean RMSE {np.mean(v):6.3f}  ratio to bicubic {np.mean(v) / base:5.3f}  per scene {' '.join(f'{x:.2f}' for x in v)}")


if __name__ == "__main__":
    main()
