#!/usr/bin/python3
"""Side-by-side crops where upsampling methods differ at depth edges, from the outputs `depthplugins eval --save DIR`
wrote. For each scene it finds the window where the methods' errors differ most near ground-truth edges and writes one
strip: colour | truth | each method (depth shown as grey, 0..255 stretched over the window's truth range).

usage: /usr/bin/python3 bench/eval_crops.py SAVED_DIR DATA_DIR OUT_DIR --scale 8 --scenes art,laundry
       --methods bicubic,jbf,guided,jbu,cascade [--size 96]
"""
import argparse
import os
import numpy as np
import cv2

ap = argparse.ArgumentParser()
ap.add_argument("saved")
ap.add_argument("data")
ap.add_argument("out")
ap.add_argument("--scale", type=int, default=8)
ap.add_argument("--scenes", default="art,laundry")
ap.add_argument("--methods", default="bicubic,jbf,guided,jbu,cascade")
ap.add_argument("--size", type=int, default=96)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
methods = a.methods.split(",")
dataset = os.path.basename(os.path.normpath(a.data))
for scene in a.scenes.split(","):
    gt = cv2.imread(os.path.join(a.data, scene, f"{scene}_big.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32)
    rgb = cv2.imread(os.path.join(a.data, scene, f"{scene}_color.png"), cv2.IMREAD_COLOR)
    outs = [cv2.imread(os.path.join(a.saved, f"{dataset}_{scene}_x{a.scale}_{m}.png"), cv2.IMREAD_UNCHANGED).astype(np.float32) / 65535 * 255
            for m in methods]
    err = [np.abs(o - gt) for o in outs]
    # Window score: how much the best method beats the first (bicubic) in squared error, over size×size windows.
    gain = cv2.boxFilter(err[0] ** 2 - np.min(np.stack(err[1:]), 0) ** 2, -1, (a.size, a.size), normalize=False)
    h = a.size // 2
    gain[:h + a.scale] = gain[-h - a.scale:] = gain[:, :h + a.scale] = gain[:, -h - a.scale:] = -np.inf
    cy, cx = np.unravel_index(np.argmax(gain), gain.shape)
    y0, x0 = cy - h, cx - h
    win = (slice(y0, y0 + a.size), slice(x0, x0 + a.size))
    lo, hi = gt[win].min(), gt[win].max()
    def grey(d):
        g = np.clip((d[win] - lo) / max(hi - lo, 1) * 255, 0, 255).astype(np.uint8)
        return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
    tiles = [rgb[win].copy(), grey(gt)] + [grey(o) for o in outs]
    labels = ["colour", "truth"] + [f"{m} {np.sqrt(np.mean(e[win] ** 2)):.1f}" for m, e in zip(methods, err)]
    strip = []
    for t, l in zip(tiles, labels):
        t = cv2.resize(t, (2 * a.size, 2 * a.size), interpolation=cv2.INTER_NEAREST)
        cv2.rectangle(t, (0, 0), (2 * a.size, 14), (0, 0, 0), -1)
        cv2.putText(t, l, (2, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
        strip.append(t)
        strip.append(np.full((2 * a.size, 2, 3), 255, np.uint8))
    path = os.path.join(a.out, f"{scene}_x{a.scale}_crop.png")
    cv2.imwrite(path, np.hstack(strip[:-1]), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"{path}: window x {x0}..{x0 + a.size - 1}, y {y0}..{y0 + a.size - 1}; labels give the window's RMSE")
