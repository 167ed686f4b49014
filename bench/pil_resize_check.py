#!/usr/bin/python3
"""Checks the numpy port of PIL's bicubic resize (bench/opencv_jbf_baseline.py, the same algorithm as
Core's Resampler) against PIL itself on a float ("F") image, and prints the clean-protocol bicubic RMSE per Park scene
computed with PIL alone (compare with `depthplugins eval --methods bicubic`). Needs Debian's python3-pil and
python3-opencv: run with /usr/bin/python3.

usage: /usr/bin/python3 bench/pil_resize_check.py [--data DIR] [--scale 8]
"""
import argparse
import os
import numpy as np
import cv2
from PIL import Image
from opencv_jbf_baseline import pil_resize, rmse

ap = argparse.ArgumentParser()
ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../shared/data/middlebury2005_park_noisy"))
ap.add_argument("--scale", type=int, default=8)
args = ap.parse_args()
s = args.scale
for name in sorted(d for d in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, d))):
    gt = cv2.imread(os.path.join(args.data, name, f"{name}_big.png"), cv2.IMREAD_GRAYSCALE).astype(np.float32)
    H, W = gt.shape
    low_pil = np.asarray(Image.fromarray(gt, mode="F").resize((W // s, H // s), Image.BICUBIC))
    up_pil = np.asarray(Image.fromarray(low_pil, mode="F").resize((W, H), Image.BICUBIC))
    low_np = pil_resize(gt, W // s, H // s)
    print(f"{name:8s} max |PIL - port| shrink {np.abs(low_pil - low_np).max():.2e}, "
          f"enlarge {np.abs(up_pil - pil_resize(low_pil, W, H)).max():.2e}; PIL bicubic RMSE x{s} {rmse(up_pil, gt, s):.3f}")
