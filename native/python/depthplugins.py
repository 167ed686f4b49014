"""ctypes binding for libdepthplugins (see native/include/depthplugins.h).

Pure standard library: works with any Python 3.8+ that can load the shared library. Errors become
DepthPluginsError carrying the dp_status and the library's message.

    import depthplugins as dp
    lib = dp.Library("/path/to/libdepthplugins.so")
    with lib.context() as ctx:
        ctx.refine_depth(guide, depth, out, method=dp.REFINE_GUIDED)
        ctx.estimate_depth("depth-anything-v2-small", photo, out)   # a model path or an installed model's name
        ctx.lens_blur(photo, depth, out, focus_at=(320, 240), aperture=25, blades=6)
"""
import ctypes
import os

ABI_VERSION = 1

FORMAT_GRAY8, FORMAT_GRAY16, FORMAT_GRAYF32, FORMAT_RGBA8, FORMAT_RGBA16, FORMAT_RGBAF32, FORMAT_BGRA8 = range(1, 8)
_BYTES_PER_PIXEL = {FORMAT_GRAY8: 1, FORMAT_GRAY16: 2, FORMAT_GRAYF32: 4, FORMAT_RGBA8: 4,
                    FORMAT_RGBA16: 8, FORMAT_RGBAF32: 16, FORMAT_BGRA8: 4}
BACKEND_AUTO, BACKEND_CPU, BACKEND_VULKAN = 0, 1, 2
REFINE_JOINT_BILATERAL, REFINE_GUIDED, REFINE_JOINT_BILATERAL_UPSAMPLING, REFINE_FDKN, REFINE_CASCADE = 0, 1, 2, 3, 4
DEPTH_REFINE_NONE, DEPTH_REFINE_GUIDED, DEPTH_REFINE_JOINT_BILATERAL = 0, 1, 2
PROVIDER_CPU, PROVIDER_CUDA, PROVIDER_DIRECTML, PROVIDER_COREML = 0, 1, 2, 3
DEPTH_NEAR_WHITE, DEPTH_NEAR_BLACK = 0, 1


class DepthPluginsError(RuntimeError):
    def __init__(self, status, message):
        super().__init__(f"{message} (status {status})")
        self.status = status


class Image(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("width", ctypes.c_int32), ("height", ctypes.c_int32),
                ("format", ctypes.c_int32), ("row_stride_bytes", ctypes.c_int64), ("data", ctypes.c_void_p),
                ("alpha_mode", ctypes.c_int32), ("transfer", ctypes.c_int32)]

    @classmethod
    def wrap(cls, buffer, width, height, fmt, stride=None):
        """Describes a writable buffer (bytearray, array.array, ctypes array) without copying it."""
        bpp = _BYTES_PER_PIXEL[fmt]
        stride = width * bpp if stride is None else stride
        if len(memoryview(buffer).cast("B")) < stride * height:
            raise ValueError("buffer is smaller than width x height")
        address = ctypes.addressof((ctypes.c_char * 1).from_buffer(buffer))
        img = cls(ctypes.sizeof(cls), width, height, fmt, stride, address, 0, 0)
        img._keep = buffer  # the buffer must outlive the call
        return img


class ContextOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("backend", ctypes.c_int32), ("threads", ctypes.c_int32),
                ("device_index", ctypes.c_int32), ("device_memory_budget_mib", ctypes.c_int32),
                ("fallback_to_cpu", ctypes.c_int32)]


class RefineOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("method", ctypes.c_int32), ("radius", ctypes.c_int32),
                ("sigma_spatial", ctypes.c_float), ("sigma_range", ctypes.c_float), ("eps", ctypes.c_float),
                ("zero_is_invalid", ctypes.c_int32), ("grey_guide", ctypes.c_int32), ("weights_path", ctypes.c_char_p)]


class DepthOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("refine", ctypes.c_int32), ("refine_radius", ctypes.c_int32),
                ("input_size", ctypes.c_int32), ("near_is_white", ctypes.c_int32), ("clip_low", ctypes.c_float),
                ("clip_high", ctypes.c_float), ("provider", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class LensBlurOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("focus", ctypes.c_float), ("focus_from_point", ctypes.c_int32),
                ("focus_x", ctypes.c_float), ("focus_y", ctypes.c_float), ("aperture", ctypes.c_float),
                ("blades", ctypes.c_int32), ("rotation", ctypes.c_float), ("highlight_threshold", ctypes.c_float),
                ("highlight_gain", ctypes.c_float), ("max_near_radius", ctypes.c_float), ("max_far_radius", ctypes.c_float),
                ("depth_near", ctypes.c_int32), ("full_resolution", ctypes.c_int32)]


PROGRESS = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_float)


class Library:
    def __init__(self, path=None):
        path = path or os.environ.get("DEPTHPLUGINS_LIBRARY") or "libdepthplugins.so"
        lib = ctypes.CDLL(path)
        lib.dp_abi_version.restype = ctypes.c_uint32
        lib.dp_version_string.restype = ctypes.c_char_p
        lib.dp_last_error_message.restype = ctypes.c_char_p
        for name, args in {
            "dp_context_options_default": [ctypes.POINTER(ContextOptions)],
            "dp_context_create": [ctypes.POINTER(ContextOptions), ctypes.POINTER(ctypes.c_void_p)],
            "dp_context_destroy": [ctypes.c_void_p],
            "dp_refine_options_default": [ctypes.POINTER(RefineOptions)],
            "dp_refine_depth": [ctypes.c_void_p, ctypes.POINTER(Image), ctypes.POINTER(Image), ctypes.POINTER(Image),
                                ctypes.POINTER(RefineOptions), PROGRESS, ctypes.c_void_p],
            "dp_depth_options_default": [ctypes.POINTER(DepthOptions)],
            "dp_estimate_depth": [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(Image), ctypes.POINTER(Image),
                                  ctypes.POINTER(DepthOptions), PROGRESS, ctypes.c_void_p],
            "dp_lens_blur_options_default": [ctypes.POINTER(LensBlurOptions)],
            "dp_lens_blur": [ctypes.c_void_p, ctypes.POINTER(Image), ctypes.POINTER(Image), ctypes.POINTER(Image),
                             ctypes.POINTER(LensBlurOptions), PROGRESS, ctypes.c_void_p],
        }.items():
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = ctypes.c_int32
        if lib.dp_abi_version() < ABI_VERSION:
            raise DepthPluginsError(-2, f"{path} implements ABI {lib.dp_abi_version()}, this binding needs {ABI_VERSION}")
        self._lib = lib

    @property
    def version(self):
        return self._lib.dp_version_string().decode()

    def check(self, status):
        if status != 0:
            raise DepthPluginsError(status, self._lib.dp_last_error_message().decode(errors="replace"))

    def context(self, backend=BACKEND_AUTO, threads=0):
        return Context(self, backend, threads)


class Context:
    def __init__(self, library, backend, threads):
        self._l = library
        opts = ContextOptions(ctypes.sizeof(ContextOptions))
        library.check(library._lib.dp_context_options_default(ctypes.byref(opts)))
        opts.backend, opts.threads = backend, threads
        handle = ctypes.c_void_p()
        library.check(library._lib.dp_context_create(ctypes.byref(opts), ctypes.byref(handle)))
        self._h = handle

    def close(self):
        if self._h:
            self._l.check(self._l._lib.dp_context_destroy(self._h))
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def refine_depth(self, guide, depth, out, method=REFINE_JOINT_BILATERAL, radius=0, sigma_spatial=0.0,
                     sigma_range=0.0, eps=0.0, zero_is_invalid=True, progress=None, weights_path=None):
        """progress: optional callable(fraction) -> bool; returning False cancels.
        weights_path: the .safetensors file REFINE_FDKN needs."""
        opts = RefineOptions(ctypes.sizeof(RefineOptions))
        self._l.check(self._l._lib.dp_refine_options_default(ctypes.byref(opts)))
        opts.method, opts.radius = method, radius
        opts.sigma_spatial, opts.sigma_range, opts.eps = sigma_spatial, sigma_range, eps
        opts.zero_is_invalid = 1 if zero_is_invalid else 0
        opts.weights_path = os.fsencode(weights_path) if weights_path is not None else None
        cb = PROGRESS(lambda _user, f: 0 if progress(f) else 1) if progress else PROGRESS()
        self._l.check(self._l._lib.dp_refine_depth(self._h, ctypes.byref(guide), ctypes.byref(depth), ctypes.byref(out),
                                                   ctypes.byref(opts), cb, None))

    def estimate_depth(self, model, image, out, refine=DEPTH_REFINE_GUIDED, input_size=0, near_is_white=True,
                       clip_low=0.01, clip_high=0.99, provider=PROVIDER_CPU, progress=None):
        """model: path of an .onnx file or an installed model's name. out must have image's size.
        progress: optional callable(fraction) -> bool; returning False cancels."""
        opts = DepthOptions(ctypes.sizeof(DepthOptions))
        self._l.check(self._l._lib.dp_depth_options_default(ctypes.byref(opts)))
        opts.refine, opts.input_size, opts.near_is_white = refine, input_size, 1 if near_is_white else 0
        opts.clip_low, opts.clip_high, opts.provider = clip_low, clip_high, provider
        cb = PROGRESS(lambda _user, f: 0 if progress(f) else 1) if progress else PROGRESS()
        self._l.check(self._l._lib.dp_estimate_depth(self._h, os.fsencode(model), ctypes.byref(image), ctypes.byref(out),
                                                     ctypes.byref(opts), cb, None))

    def lens_blur(self, image, depth, out, focus=None, focus_at=None, aperture=None, blades=0, rotation=0.0,
                  highlight_threshold=None, highlight_gain=0.0, max_near_radius=None, max_far_radius=None,
                  depth_near=DEPTH_NEAR_WHITE, exact=False, progress=None):
        """Depth of field: out (image's size; may be image itself) = image blurred by a bokeh whose radius is
        aperture x |depth - focus| pixels. focus: a depth value, or focus_at=(x, y): the median depth around that pixel.
        None keeps the library's default. exact: every layer at full resolution (slower for radii of 16 px and more).
        progress: optional callable(fraction) -> bool; returning False cancels."""
        opts = LensBlurOptions(ctypes.sizeof(LensBlurOptions))
        self._l.check(self._l._lib.dp_lens_blur_options_default(ctypes.byref(opts)))
        if focus is not None:
            opts.focus = focus
        if focus_at is not None:
            opts.focus_from_point, (opts.focus_x, opts.focus_y) = 1, focus_at
        for name, value in (("aperture", aperture), ("highlight_threshold", highlight_threshold),
                            ("max_near_radius", max_near_radius), ("max_far_radius", max_far_radius)):
            if value is not None:
                setattr(opts, name, value)
        opts.blades, opts.rotation, opts.highlight_gain = blades, rotation, highlight_gain
        opts.depth_near, opts.full_resolution = depth_near, 1 if exact else 0
        cb = PROGRESS(lambda _user, f: 0 if progress(f) else 1) if progress else PROGRESS()
        self._l.check(self._l._lib.dp_lens_blur(self._h, ctypes.byref(image), ctypes.byref(depth), ctypes.byref(out),
                                                ctypes.byref(opts), cb, None))
