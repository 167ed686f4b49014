#!/usr/bin/env python3
"""Smoke test of dp_estimate_depth through the published libdepthplugins.so from a host in another directory.

Usage: python3 tests/native/depth_smoke.py <path/to/libdepthplugins.so> <fixture-dir>
(the fixture dir comes from tools/make-fixture-models). Checks that ONNX Runtime is loaded from beside the library
(not from the host's directory or the system), that a fixed-size linear fixture gives the expected map exactly, and
that bad models fail with the right status and message. Pure Python (ctypes), no numpy.
"""
import ctypes as C
import os
import random
import sys

lib_path, fixtures = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
os.chdir("/tmp")  # the host's working directory and executable are elsewhere
dp = C.CDLL(lib_path)


class Image(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("width", C.c_int32), ("height", C.c_int32), ("format", C.c_int32),
                ("row_stride_bytes", C.c_int64), ("data", C.c_void_p), ("alpha_mode", C.c_int32), ("transfer", C.c_int32)]


class DepthOptions(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("refine", C.c_int32), ("refine_radius", C.c_int32), ("input_size", C.c_int32),
                ("near_is_white", C.c_int32), ("clip_low", C.c_float), ("clip_high", C.c_float), ("provider", C.c_int32),
                ("device_id", C.c_int32)]


PROGRESS = C.CFUNCTYPE(C.c_int32, C.c_void_p, C.c_float)
dp.dp_last_error_message.restype = C.c_char_p
dp.dp_estimate_depth.argtypes = [C.c_void_p, C.c_char_p, C.POINTER(Image), C.POINTER(Image), C.POINTER(DepthOptions), PROGRESS, C.c_void_p]
assert dp.dp_abi_version() >= 1, dp.dp_abi_version()
assert C.sizeof(DepthOptions) == 36

ctx = C.c_void_p()
assert dp.dp_context_create(None, C.byref(ctx)) == 0

W = H = 256
rng = random.Random(7)
rgba = (C.c_uint8 * (W * H * 4))(*[rng.randrange(256) if i % 4 != 3 else 255 for i in range(W * H * 4)])
depth = (C.c_float * (W * H))()
img = Image(C.sizeof(Image), W, H, 4, W * 4, C.cast(rgba, C.c_void_p), 0, 0)      # DP_FORMAT_RGBA8
out = Image(C.sizeof(Image), W, H, 3, W * 4, C.cast(depth, C.c_void_p), 0, 0)     # DP_FORMAT_GRAYF32
opts = DepthOptions(C.sizeof(DepthOptions))
assert dp.dp_depth_options_default(C.byref(opts)) == 0
assert (opts.refine, opts.near_is_white, round(opts.clip_low, 3), round(opts.clip_high, 3)) == (1, 1, 0.01, 0.99)
opts.refine, opts.clip_low, opts.clip_high = 0, 0.0, 1.0

fractions = []
def on_progress(_user, f):
    fractions.append(f)
    return 0
cb = PROGRESS(on_progress)

st = dp.dp_estimate_depth(ctx, os.path.join(fixtures, "fixed-256.onnx").encode(), C.byref(img), C.byref(out), C.byref(opts), cb, None)
assert st == 0, (st, dp.dp_last_error_message())
assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions), fractions[:5]

# Where did libonnxruntime.so come from?
maps = open("/proc/self/maps").read()
ort = sorted({line.split()[-1] for line in maps.splitlines() if "libonnxruntime.so" in line})
assert ort == [os.path.join(os.path.dirname(lib_path), "libonnxruntime.so")], ort

# fixed-256.onnx computes 0.25 n_r + 0.5 n_g + 1.0 n_b + 0.5 on ImageNet-normalised sRGB; clip 0/1 = min-max.
mean, std, w = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), (0.25, 0.5, 1.0)
raw = [0.5 + sum(w[c] * (rgba[i * 4 + c] / 255.0 - mean[c]) / std[c] for c in range(3)) for i in range(W * H)]
lo, hi = min(raw), max(raw)
worst = max(abs((r - lo) / (hi - lo) - d) for r, d in zip(raw, depth))
assert worst < 2e-5, worst

# Errors: status and message, output untouched.
before = list(depth[:16])
for name, status, words in [("absent.onnx", -5, "does not exist"), ("not-onnx.onnx", -6, "cannot load"),
                            ("truncated.onnx", -6, "cannot load"), ("bad-rank.onnx", -6, "rank 3"),
                            ("bad-channels.onnx", -6, "channels"), ("bad-output.onnx", -6, "output"), ("nan.onnx", -8, "NaN")]:
    st = dp.dp_estimate_depth(ctx, os.path.join(fixtures, name).encode(), C.byref(img), C.byref(out), None, PROGRESS(0), None)
    msg = dp.dp_last_error_message().decode()
    assert st == status and words in msg, (name, st, msg)
assert list(depth[:16]) == before
assert dp.dp_estimate_depth(ctx, None, C.byref(img), C.byref(out), None, PROGRESS(0), None) == -1

cancel = PROGRESS(lambda _u, f: 1 if f > 0.3 else 0)
assert dp.dp_estimate_depth(ctx, os.path.join(fixtures, "dynamic.onnx").encode(), C.byref(img), C.byref(out), None, cancel, None) == -3

assert dp.dp_context_destroy(ctx) == 0
print(f"depth_smoke: OK (ORT from {ort[0]}, worst error {worst:.2e}, {len(fractions)} progress calls)")
