#!/usr/bin/env python3
"""Lens blur through libdepthplugins with nothing but the standard library.

usage: lens_blur.py LIBRARY IMAGE.rgba8 DEPTH.f32 WIDTH HEIGHT DEPTH_WIDTH DEPTH_HEIGHT FOCUS APERTURE BLADES OUT.rgba8

IMAGE is raw RGBA8 (WIDTH x HEIGHT, sRGB), DEPTH raw little-endian float32 (DEPTH_WIDTH x DEPTH_HEIGHT, 0..1, near =
1; it may be smaller than the image), OUT receives raw RGBA8 at WIDTH x HEIGHT. Without arguments it runs a
self-contained demo: a bright point behind the focus plane becomes a disk whose light adds up to the point's, and the
in-focus pixels keep their bytes.
"""
import array
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "python"))
import depthplugins as dp  # noqa: E402


def blur_files(lib, image_path, depth_path, w, h, dw, dh, focus, aperture, blades, out_path):
    image = bytearray(open(image_path, "rb").read())
    depth = array.array("f")
    depth.frombytes(open(depth_path, "rb").read())
    out = bytearray(4 * w * h)
    with lib.context() as ctx:
        ctx.lens_blur(dp.Image.wrap(image, w, h, dp.FORMAT_RGBA8), dp.Image.wrap(depth, dw, dh, dp.FORMAT_GRAYF32),
                      dp.Image.wrap(out, w, h, dp.FORMAT_RGBA8), focus=focus, aperture=aperture, blades=blades)
    with open(out_path, "wb") as f:
        f.write(out)


def demo(lib):
    # A float image (linear light, so light adds up as stored): black with one bright pixel far behind the focus plane
    # (depth 0, focus 0.5, aperture 16: a disk of radius 8), and an in-focus grey square on the left. The point sits
    # more than two radii from the borders, where the blur renormalises its kernel and energy is not kept.
    w, h = 64, 48
    image = array.array("f", [0.0] * (w * h * 4))
    depth = array.array("f", [0.0] * (w * h))
    for y in range(h):
        for x in range(w):
            image[(y * w + x) * 4 + 3] = 1.0
            if x < 10 and 16 <= y < 32:
                image[(y * w + x) * 4:(y * w + x) * 4 + 3] = array.array("f", [0.5, 0.5, 0.5])
                depth[y * w + x] = 0.5
    cx, cy = 40, 24
    image[(cy * w + cx) * 4:(cy * w + cx) * 4 + 3] = array.array("f", [100.0, 100.0, 100.0])
    out = array.array("f", [0.0] * (w * h * 4))
    seen = []
    with lib.context(backend=dp.BACKEND_CPU) as ctx:
        ctx.lens_blur(dp.Image.wrap(image, w, h, dp.FORMAT_RGBAF32), dp.Image.wrap(depth, w, h, dp.FORMAT_GRAYF32),
                      dp.Image.wrap(out, w, h, dp.FORMAT_RGBAF32), focus=0.5, aperture=16,
                      progress=lambda f: seen.append(f) or True)
        try:
            ctx.lens_blur(dp.Image.wrap(image, w, h, dp.FORMAT_RGBAF32), dp.Image.wrap(depth, w, h, dp.FORMAT_GRAYF32),
                          dp.Image.wrap(out, w, h, dp.FORMAT_RGBAF32), blades=2)
            raise SystemExit("two blades were accepted")
        except dp.DepthPluginsError as e:
            print("bad options rejected:", e)
    energy = sum(out[(y * w + x) * 4] for y in range(h) for x in range(20, w))
    lit = [(x - cx) ** 2 + (y - cy) ** 2 for y in range(h) for x in range(20, w) if out[(y * w + x) * 4] > 1e-4]
    assert abs(energy - 100.0) < 1e-3, energy
    assert 8 + 0.71 > math.sqrt(max(lit)) > 7.5, math.sqrt(max(lit))  # rim pixels partly covered: centres up to r + 0.71
    assert all(out[(y * w + x) * 4] == image[(y * w + x) * 4] for y in range(17, 31) for x in range(1, 9)), "in focus changed"
    assert seen and seen[-1] == 1.0, seen
    print(f"point of light 100 spread into a disk of radius 8 (lit pixel centres out to {math.sqrt(max(lit)):.2f} px), total {energy:.4f}; "
          f"in-focus square unchanged; {len(seen)} progress calls")


if __name__ == "__main__":
    if len(sys.argv) == 12:
        a = sys.argv
        blur_files(dp.Library(a[1]), a[2], a[3], *map(int, a[4:8]), float(a[8]), float(a[9]), int(a[10]), a[11])
    elif len(sys.argv) == 1:
        demo(dp.Library())
    else:
        sys.exit(__doc__)
