#!/usr/bin/env python3
"""Refine (and upsample) a depth map through libdepthplugins with nothing but the standard library.

usage: refine_depth.py LIBRARY GUIDE.rgba8 DEPTH.f32 WIDTH HEIGHT DEPTH_WIDTH DEPTH_HEIGHT METHOD OUT.f32

GUIDE is raw RGBA8 (WIDTH x HEIGHT), DEPTH raw little-endian float32 (DEPTH_WIDTH x DEPTH_HEIGHT, 0 = unknown),
METHOD one of jbf|guided|jbu|fdkn:WEIGHTS.safetensors; OUT receives raw float32 at WIDTH x HEIGHT. Without arguments it runs a
self-contained demo on a synthetic two-region scene and checks that a hole is filled.
"""
import array
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "python"))
import depthplugins as dp  # noqa: E402

METHODS = {"jbf": dp.REFINE_JOINT_BILATERAL, "guided": dp.REFINE_GUIDED, "jbu": dp.REFINE_JOINT_BILATERAL_UPSAMPLING,
           "fdkn": dp.REFINE_FDKN}


def refine_files(lib, guide_path, depth_path, w, h, dw, dh, method, out_path):
    guide = bytearray(open(guide_path, "rb").read())
    depth = array.array("f")
    depth.frombytes(open(depth_path, "rb").read())
    out = array.array("f", bytes(4 * w * h))
    weights = None
    if method.startswith("fdkn:"):
        method, weights = "fdkn", method[len("fdkn:"):]
    with lib.context() as ctx:
        ctx.refine_depth(dp.Image.wrap(guide, w, h, dp.FORMAT_RGBA8), dp.Image.wrap(depth, dw, dh, dp.FORMAT_GRAYF32),
                         dp.Image.wrap(out, w, h, dp.FORMAT_GRAYF32), method=METHODS[method], weights_path=weights)
    with open(out_path, "wb") as f:
        out.tofile(f)


def demo(lib):
    w, h = 48, 32
    guide = bytearray(w * h * 4)
    depth = array.array("f", [0.0] * (w * h))
    for y in range(h):
        for x in range(w):
            left = x < w // 2
            guide[(y * w + x) * 4:(y * w + x) * 4 + 4] = bytes((220, 30, 30, 255) if left else (20, 60, 200, 255))
            depth[y * w + x] = 0.9 if left else 0.2
    for y in range(10, 14):
        for x in range(4, 8):
            depth[y * w + x] = 0.0  # unknown
    out = array.array("f", [0.0] * (w * h))
    seen = []
    with lib.context() as ctx:
        ctx.refine_depth(dp.Image.wrap(guide, w, h, dp.FORMAT_RGBA8), dp.Image.wrap(depth, w, h, dp.FORMAT_GRAYF32),
                         dp.Image.wrap(out, w, h, dp.FORMAT_GRAYF32), method=dp.REFINE_GUIDED,
                         progress=lambda f: seen.append(f) or True)
        try:
            ctx.refine_depth(dp.Image.wrap(guide, w, h, dp.FORMAT_RGBA8), dp.Image.wrap(depth, w, h, dp.FORMAT_GRAYF32),
                             dp.Image.wrap(out, w, h, dp.FORMAT_GRAYF32), radius=-1)
            raise SystemExit("a negative radius was accepted")
        except dp.DepthPluginsError as e:
            print("bad options rejected:", e)
    assert abs(out[11 * w + 5] - 0.9) < 1e-3, out[11 * w + 5]
    assert abs(out[20 * w + 40] - 0.2) < 1e-3, out[20 * w + 40]
    assert seen and seen[-1] == 1.0, seen
    print(f"{lib.version}: hole filled with {out[11 * w + 5]:.4f}, {len(seen)} progress reports")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        demo(dp.Library())
    elif len(sys.argv) == 10:
        a = sys.argv
        refine_files(dp.Library(a[1]), a[2], a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]), a[8], a[9])
    else:
        sys.exit(__doc__)
