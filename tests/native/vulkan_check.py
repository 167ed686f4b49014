#!/usr/bin/env python3
"""Checks that the NativeAOT-published libdepthplugins.so runs refinement on Vulkan and agrees with its CPU backend.

Usage: python3 tests/native/vulkan_check.py [path/to/libdepthplugins.so]
Needs a Vulkan driver (lavapipe is enough: device_index 0 chooses it even though 'auto' would skip a software device).
Standard library only. Exits non-zero on any failure.
"""
import ctypes as C
import random
import struct
import sys

lib = C.CDLL(sys.argv[1] if len(sys.argv) > 1 else "artifacts/native/libdepthplugins.so")

class Image(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("width", C.c_int32), ("height", C.c_int32), ("format", C.c_int32),
                ("row_stride_bytes", C.c_int64), ("data", C.c_void_p), ("alpha_mode", C.c_int32), ("transfer", C.c_int32)]

class ContextOptions(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("backend", C.c_int32), ("threads", C.c_int32), ("device_index", C.c_int32),
                ("device_memory_budget_mib", C.c_int32), ("fallback_to_cpu", C.c_int32)]

class RefineOptions(C.Structure):
    _fields_ = [("struct_size", C.c_uint32), ("method", C.c_int32), ("radius", C.c_int32), ("sigma_spatial", C.c_float),
                ("sigma_range", C.c_float), ("eps", C.c_float), ("zero_is_invalid", C.c_int32), ("grey_guide", C.c_int32)]

lib.dp_last_error_message.restype = C.c_char_p
RGBA8, GRAYF32, AUTO, CPU, VULKAN = 4, 3, 0, 1, 2


def check(status, what):
    if status != 0:
        sys.exit(f"FAIL {what}: status {status}: {lib.dp_last_error_message().decode()}")


def context(backend, budget_mib=0):
    o = ContextOptions(struct_size=C.sizeof(ContextOptions))
    check(lib.dp_context_options_default(C.byref(o)), "dp_context_options_default")
    o.backend, o.device_index, o.device_memory_budget_mib = backend, (0 if backend == VULKAN else -1), budget_mib
    ctx = C.c_void_p()
    check(lib.dp_context_create(C.byref(o), C.byref(ctx)), f"dp_context_create(backend={backend})")
    used = C.c_int32()
    check(lib.dp_context_backend(ctx, C.byref(used)), "dp_context_backend")
    if used.value != backend:
        sys.exit(f"FAIL backend {backend} requested, {used.value} in use")
    return ctx


def refine(ctx, guide, depth, w, h, dw, dh, method):
    out = (C.c_float * (w * h))()
    g = Image(C.sizeof(Image), w, h, RGBA8, 4 * w, C.cast(guide, C.c_void_p), 0, 0)
    d = Image(C.sizeof(Image), dw, dh, GRAYF32, 4 * dw, C.cast(depth, C.c_void_p), 0, 0)
    o = Image(C.sizeof(Image), w, h, GRAYF32, 4 * w, C.cast(out, C.c_void_p), 0, 0)
    opts = RefineOptions(struct_size=C.sizeof(RefineOptions))
    check(lib.dp_refine_options_default(C.byref(opts)), "dp_refine_options_default")
    opts.method = method
    check(lib.dp_refine_depth(ctx, C.byref(g), C.byref(d), C.byref(o), C.byref(opts), None, None), f"dp_refine_depth(method={method})")
    return list(out)


rng = random.Random(1)
w, h = 203, 117
guide = (C.c_uint8 * (4 * w * h))(*[rng.randrange(256) if i % 4 != 3 else 255 for i in range(4 * w * h)])
vk, cpu, tiny = context(VULKAN), context(CPU), context(VULKAN, budget_mib=1)
worst = 0.0
for method, (dw, dh), tol in [(0, (w, h), 1e-4), (1, (w, h), 2e-3), (1, (51, 30), 2e-3), (2, (51, 30), 1e-4), (0, (51, 30), 2e-3)]:
    depth = (C.c_float * (dw * dh))(*[0.0 if rng.random() < 0.05 else rng.random() for _ in range(dw * dh)])
    a = refine(vk, guide, depth, w, h, dw, dh, method)
    b = refine(cpu, guide, depth, w, h, dw, dh, method)
    t = refine(tiny, guide, depth, w, h, dw, dh, method)
    diff = max(abs(x - y) for x, y in zip(a, b))
    if diff > tol:
        sys.exit(f"FAIL method {method} depth {dw}x{dh}: Vulkan differs from CPU by {diff} > {tol}")
    if any(struct.pack("f", x) != struct.pack("f", y) for x, y in zip(a, t)):
        sys.exit(f"FAIL method {method}: tiled (1 MiB budget) differs from untiled")
    worst = max(worst, diff)
for ctx in (vk, cpu, tiny):
    check(lib.dp_context_destroy(ctx), "dp_context_destroy")
print(f"OK: libdepthplugins on Vulkan matches its CPU backend (max difference {worst:.2e}); tiled == untiled")
