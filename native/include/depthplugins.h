/*
 * depthplugins.h — the C ABI of libdepthplugins (DepthPlugins).
 *
 * One header, flat functions with the dp_ prefix, opaque handles. Conventions for every function:
 *
 *  - Every function returns a dp_status: DP_OK (0) or a negative error. After an error,
 *    dp_last_error_message() on the same thread returns a human-readable message.
 *  - Nothing throws or longjmps across this boundary; a bad argument is an error code, never a crash
 *    (as far as the library can tell: a pointer to too little memory cannot be detected).
 *  - Pixel pointers are read or written only during the call; the library never keeps them.
 *    An output buffer is either completely written (DP_OK) or left untouched (any error, including
 *    DP_ERROR_CANCELLED). Outputs may alias inputs (in-place processing): inputs are copied first.
 *  - Every struct starts with uint32_t struct_size, which the caller sets to sizeof(the struct) as this
 *    header defines it. Fields are only ever appended; the library accepts any size from the first
 *    published layout up to its own, and rejects larger ones (a header newer than the library).
 *    Use dp_<x>_options_default() to fill defaults after setting struct_size.
 *  - Threads: every function may be called from any thread. A dp_context may be used by several
 *    threads at once (operations on one context run concurrently and safely); only
 *    dp_context_destroy() must not race with other calls on the same context.
 *  - Progress callbacks are invoked on the thread that called the operation, never on a worker thread.
 *
 * Depth convention: depth maps are 0..1 with near = white (1) unless an option says otherwise.
 * Integer pixel formats map 0..max to 0..1. Colour buffers in 8/16-bit are sRGB-encoded; float buffers
 * are linear, unless dp_image.transfer says otherwise.
 */
#ifndef DEPTHPLUGINS_H
#define DEPTHPLUGINS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define DP_API __declspec(dllimport)
#else
#  define DP_API __attribute__((visibility("default")))
#endif

/** ABI version implemented by this header. Adapters compare it with dp_abi_version() and refuse to run
 *  when the library's is lower (the library lacks something the header declares). Everything up to the first
 *  release is version 1; a released ABI that gains a function, field or enum value bumps it. \since 1 */
#define DP_ABI_VERSION 1u

/* ------------------------------------------------------------------------------------------------ */
/* Status                                                                                            */
/* ------------------------------------------------------------------------------------------------ */

typedef enum dp_status {
    DP_OK = 0,
    DP_ERROR_INVALID_ARGUMENT = -1, /**< NULL pointer, bad size, stride, format, struct_size, option value. */
    DP_ERROR_UNSUPPORTED = -2,      /**< The operation or option is not available in this build or on this device. */
    DP_ERROR_CANCELLED = -3,        /**< The progress callback returned nonzero. Outputs untouched. */
    DP_ERROR_OUT_OF_MEMORY = -4,    /**< Host or device memory exhausted (the image may be too large). */
    DP_ERROR_IO = -5,               /**< A file could not be read. */
    DP_ERROR_MODEL = -6,            /**< A model or weights file is missing, malformed or of an unsupported kind. */
    DP_ERROR_DEVICE = -7,           /**< The GPU failed (device lost, driver error). */
    DP_ERROR_NUMERIC = -8,          /**< A computation produced NaN or infinity where it must not. */
    DP_ERROR_INTERNAL = -100,       /**< A bug: please report it with the message. */
    DP_STATUS_MAX_ENUM = 0x7FFFFFFF
} dp_status;

/** ABI version of the loaded library (DP_ABI_VERSION of the header it was built from). Never fails. */
DP_API uint32_t dp_abi_version(void);

/** Library version as a NUL-terminated UTF-8 string, e.g. "depthplugins 0.1.0". Owned by the library,
 *  valid for the life of the process. Never NULL. */
DP_API const char *dp_version_string(void);

/** Message of the most recent failed call on the calling thread: NUL-terminated UTF-8, owned by the
 *  library, valid until the next failing call on this thread. "" when no call has failed. Never NULL.
 *  Successful calls do not clear it. */
DP_API const char *dp_last_error_message(void);

/** The enumerator's name for a status ("DP_ERROR_CANCELLED"), or "unknown dp_status". Static, never NULL. */
DP_API const char *dp_status_string(int32_t status);

/* ------------------------------------------------------------------------------------------------ */
/* Pixels                                                                                            */
/* ------------------------------------------------------------------------------------------------ */

typedef enum dp_pixel_format {
    DP_FORMAT_GRAY8 = 1,    /**< uint8 grey. */
    DP_FORMAT_GRAY16 = 2,   /**< uint16 grey (native byte order). */
    DP_FORMAT_GRAYF32 = 3,  /**< float grey. */
    DP_FORMAT_RGBA8 = 4,    /**< uint8 R, G, B, A. */
    DP_FORMAT_RGBA16 = 5,   /**< uint16 R, G, B, A (native byte order). */
    DP_FORMAT_RGBAF32 = 6,  /**< float R, G, B, A. */
    DP_FORMAT_BGRA8 = 7,    /**< uint8 B, G, R, A (Paint.NET's ColorBgra, Windows DIBs). */
    DP_PIXEL_FORMAT_MAX_ENUM = 0x7FFFFFFF
} dp_pixel_format;

typedef enum dp_alpha_mode {
    DP_ALPHA_STRAIGHT = 0,      /**< Colour is not multiplied by alpha. */
    DP_ALPHA_PREMULTIPLIED = 1, /**< Colour is multiplied by alpha (OpenFX hosts, Paint.NET surfaces are not). */
    DP_ALPHA_MODE_MAX_ENUM = 0x7FFFFFFF
} dp_alpha_mode;

typedef enum dp_transfer {
    DP_TRANSFER_DEFAULT = 0, /**< Integer formats sRGB-encoded, float formats linear. */
    DP_TRANSFER_SRGB = 1,
    DP_TRANSFER_LINEAR = 2,
    DP_TRANSFER_MAX_ENUM = 0x7FFFFFFF
} dp_transfer;

/** A caller-owned image. Row y starts at (uint8_t*)data + y * row_stride_bytes, top row first; the stride
 *  may be negative (bottom-up storage) and must satisfy |row_stride_bytes| >= width * bytes per pixel.
 *  width and height are 1 .. 1048576. Grey and colour formats are accepted wherever an image is; a depth
 *  map read from a colour buffer uses its red channel, one written to a colour buffer sets R = G = B and A = 1. */
typedef struct dp_image {
    uint32_t struct_size;     /**< sizeof(dp_image). */
    int32_t width;
    int32_t height;
    int32_t format;           /**< dp_pixel_format */
    int64_t row_stride_bytes;
    void *data;
    int32_t alpha_mode;       /**< dp_alpha_mode; colour formats only. */
    int32_t transfer;         /**< dp_transfer */
} dp_image;

/** Progress callback: fraction in 0..1, non-decreasing. Return 0 to continue, nonzero to cancel: the
 *  operation then returns DP_ERROR_CANCELLED promptly (within one band of rows / one GPU submit) and
 *  leaves its outputs untouched. Called on the thread that started the operation. May be NULL. */
typedef int32_t (*dp_progress_fn)(void *user_data, float fraction);

/* ------------------------------------------------------------------------------------------------ */
/* Context                                                                                           */
/* ------------------------------------------------------------------------------------------------ */

typedef struct dp_context dp_context; /**< Opaque. Create with dp_context_create, free with dp_context_destroy. */

typedef enum dp_backend {
    DP_BACKEND_AUTO = 0,   /**< A Vulkan GPU when one initialises, else CPU. A software Vulkan device (lavapipe)
                                counts only when chosen by device_index or DEPTHPLUGINS_VULKAN_DEVICE. */
    DP_BACKEND_CPU = 1,
    DP_BACKEND_VULKAN = 2, /**< Vulkan or fail with DP_ERROR_UNSUPPORTED / DP_ERROR_DEVICE. */
    DP_BACKEND_MAX_ENUM = 0x7FFFFFFF
} dp_backend;

/** Context options. The environment variable DEPTHPLUGINS_VULKAN_DEVICE (a device index, or a case-insensitive
 *  part of a device name) overrides device_index, so a user can redirect any host application. */
typedef struct dp_context_options {
    uint32_t struct_size;  /**< sizeof(dp_context_options). */
    int32_t backend;       /**< dp_backend. Default DP_BACKEND_AUTO. */
    int32_t threads;       /**< CPU worker threads; 0 (default) = all cores. */
    int32_t device_index;  /**< Vulkan device index in enumeration order; -1 (default) = choose (prefer discrete). */
    /* Appended after the first layout (struct_size 16); older callers get the defaults. */
    int32_t device_memory_budget_mib; /**< Device memory one GPU operation may use (device-local plus staging);
                                           larger images are processed in tiles. 0 or default: 1024. */
    int32_t fallback_to_cpu; /**< Nonzero: when a GPU operation runs out of device memory or loses the device, redo it
                                  on the CPU instead of returning DP_ERROR_OUT_OF_MEMORY / DP_ERROR_DEVICE. Default 0. */
} dp_context_options;

/** Fills *options with defaults. Set options->struct_size first; only that many bytes are written.
 *  Errors: DP_ERROR_INVALID_ARGUMENT (NULL, struct_size out of range). */
DP_API dp_status dp_context_options_default(dp_context_options *options);

/** Creates a context. options may be NULL (defaults). On success *context receives the handle, which the
 *  caller owns and frees with dp_context_destroy. On failure *context is set to NULL.
 *  Errors: DP_ERROR_INVALID_ARGUMENT, DP_ERROR_UNSUPPORTED (backend not available),
 *  DP_ERROR_DEVICE (Vulkan requested and failed), DP_ERROR_OUT_OF_MEMORY. */
DP_API dp_status dp_context_create(const dp_context_options *options, dp_context **context);

/** Destroys a context. NULL is accepted (DP_OK). Must not race with other calls on the same context.
 *  Errors: DP_ERROR_INVALID_ARGUMENT (not a live context, e.g. destroyed twice). */
DP_API dp_status dp_context_destroy(dp_context *context);

/** The backend the context actually uses (DP_BACKEND_CPU or DP_BACKEND_VULKAN) in *backend.
 *  Errors: DP_ERROR_INVALID_ARGUMENT. */
DP_API dp_status dp_context_backend(const dp_context *context, int32_t *backend);

/* ------------------------------------------------------------------------------------------------ */
/* Depth refinement and upsampling                                                                   */
/* ------------------------------------------------------------------------------------------------ */

typedef enum dp_refine_method {
    DP_REFINE_JOINT_BILATERAL = 0,  /**< Joint bilateral filter (a smaller depth is bicubic-upsampled first). */
    DP_REFINE_GUIDED = 1,           /**< Guided filter (He et al.); a smaller depth uses guided upsampling. */
    DP_REFINE_JOINT_BILATERAL_UPSAMPLING = 2, /**< Kopf et al. 2007, from the low-resolution grid. */
    DP_REFINE_FDKN = 3,             /**< FDKN deformable kernels predicted by a network (Kim, Ponce, Ham 2021) from the
                                         guide's luminance and the depth; needs weights_path. A smaller depth is
                                         bicubic-upsampled first (FDKN refines a bicubic upsample, as it was trained),
                                         clipped to the input's range.
                                         radius, sigmas and eps are ignored.
                                         Added after the first release of ABI 1: an older library rejects it
                                         with DP_ERROR_INVALID_ARGUMENT. */
    DP_REFINE_CASCADE = 4,          /**< Coarse-to-fine joint bilateral passes with noise-aware back-projection onto
                                         depth_in: the most accurate training-free upsampler here (docs/refinement.md).
                                         radius = first stage's radius (0: 2 x scale); sigma_range as for JBF.
                                         Added after the first release of ABI 1: an older library rejects it
                                         with DP_ERROR_INVALID_ARGUMENT. */
    DP_REFINE_METHOD_MAX_ENUM = 0x7FFFFFFF
} dp_refine_method;

typedef struct dp_refine_options {
    uint32_t struct_size;  /**< sizeof(dp_refine_options). */
    int32_t method;        /**< dp_refine_method. Default DP_REFINE_JOINT_BILATERAL. */
    int32_t radius;        /**< Window radius in pixels (JBU: low-resolution pixels; cascade: first stage). 0 = method default. Max 256. */
    float sigma_spatial;   /**< Spatial Gaussian sigma in pixels (JBF, JBU). 0 = default. */
    float sigma_range;     /**< Range sigma on the guide's sRGB colour, 0..1 scale (JBF, JBU, cascade). 0 = default. */
    float eps;             /**< Guided-filter regularisation on the (0..1)^2 scale. 0 = default. */
    int32_t zero_is_invalid; /**< Nonzero (default): depth 0 means unknown and is filled from known neighbours. NaN is always unknown. */
    int32_t grey_guide;    /**< Nonzero: use the guide's luminance instead of its colour. Default 0. */
    /* Appended after the first layout (struct_size 32); older callers get the defaults. */
    const char *weights_path; /**< DP_REFINE_FDKN: NUL-terminated UTF-8 path of the network weights (.safetensors with
                                   the tensor names of the authors' FDKN state dict; tools/train_fdkn writes them).
                                   Read during the call only; the library caches the loaded weights until the file
                                   changes. Default NULL. */
} dp_refine_options;

/** Fills *options with defaults (set struct_size first). Errors: DP_ERROR_INVALID_ARGUMENT. */
DP_API dp_status dp_refine_options_default(dp_refine_options *options);

/** Refines depth_in using guide as the edge guide, writing depth_out.
 *  depth_in may be smaller than guide (any scale factor): it is then upsampled and depth_out has the
 *  guide's size; depth_out must always have the guide's size. Unknown depth (0 when zero_is_invalid,
 *  NaN) is excluded from every weight; output pixels with no known depth nearby are 0 (NaN in float
 *  output when zero_is_invalid is 0). options may be NULL (defaults); progress may be NULL.
 *  The caller keeps ownership of every pointer. depth_out may alias depth_in.
 *  With the Vulkan backend the caller's bytes are copied once into GPU staging memory and every conversion
 *  runs on the device; results match the CPU backend within the tolerances stated in the tests.
 *  With DP_REFINE_FDKN, unknown depth is filled from known depth (push-pull) before the network sees it, so
 *  depth_out is unknown only where no depth is known at all; a missing or unreadable weights file is
 *  DP_ERROR_IO, a malformed one (wrong tensors or shapes) DP_ERROR_MODEL.
 *  Errors: DP_ERROR_INVALID_ARGUMENT, DP_ERROR_CANCELLED, DP_ERROR_OUT_OF_MEMORY, DP_ERROR_DEVICE,
 *  DP_ERROR_IO and DP_ERROR_MODEL (FDKN weights). */
DP_API dp_status dp_refine_depth(dp_context *context, const dp_image *guide, const dp_image *depth_in,
                                 const dp_image *depth_out, const dp_refine_options *options,
                                 dp_progress_fn progress, void *user_data);

/* ------------------------------------------------------------------------------------------------ */
/* Depth estimation (monocular, ONNX Runtime)                                                         */
/* ------------------------------------------------------------------------------------------------ */

/** How the network's low-resolution map is brought to the image's resolution. */
typedef enum dp_depth_refine {
    DP_DEPTH_REFINE_NONE = 0,            /**< Bicubic upsampling only. */
    DP_DEPTH_REFINE_GUIDED = 1,          /**< Guided upsampling with the image as guide (edge-aware, O(1) per pixel). */
    DP_DEPTH_REFINE_JOINT_BILATERAL = 2, /**< Joint bilateral upsampling (Kopf et al.) with the image as guide. */
    DP_DEPTH_REFINE_MAX_ENUM = 0x7FFFFFFF
} dp_depth_refine;

/** ONNX Runtime execution provider. This library ships ONNX Runtime's CPU build; the others need a library
 *  built with ONNX Runtime's CUDA / DirectML / CoreML package and otherwise fail with DP_ERROR_UNSUPPORTED. */
typedef enum dp_execution_provider {
    DP_PROVIDER_CPU = 0,
    DP_PROVIDER_CUDA = 1,
    DP_PROVIDER_DIRECTML = 2,
    DP_PROVIDER_COREML = 3,
    DP_EXECUTION_PROVIDER_MAX_ENUM = 0x7FFFFFFF
} dp_execution_provider;

/** Options of dp_estimate_depth. */
typedef struct dp_depth_options {
    uint32_t struct_size;  /**< sizeof(dp_depth_options). */
    int32_t refine;        /**< dp_depth_refine. Default DP_DEPTH_REFINE_GUIDED. */
    int32_t refine_radius; /**< Filter radius; 0 (default) = the filter's default. Guided: image pixels; joint
                                bilateral: pixels of the network's map (as dp_refine_options.radius for JBU). Max 256. */
    int32_t input_size;    /**< Network input size; 0 (default) = the model's. Dynamic-size models (Depth Anything):
                                the short side, rounded to a multiple of 14. Fixed-size models accept only 0 or their size. */
    int32_t near_is_white; /**< Nonzero (default): near = 1 (white). Zero: near = 0. */
    float clip_low;        /**< Quantile of the network output mapped to 0 (default 0.01); values beyond are clipped. */
    float clip_high;       /**< Quantile mapped to 1 (default 0.99). 0 <= clip_low < clip_high <= 1. */
    int32_t provider;      /**< dp_execution_provider. Default DP_PROVIDER_CPU. */
    int32_t device_id;     /**< Device index for GPU providers. Default 0. */
} dp_depth_options;

/** Fills *options with defaults (set struct_size first). Errors: DP_ERROR_INVALID_ARGUMENT. */
DP_API dp_status dp_depth_options_default(dp_depth_options *options);

/** Estimates a depth map for image with the ONNX depth model at model_path, writing depth_out (0..1, near = white
 *  unless options->near_is_white is 0; metric-depth models are inverted to 1/depth first, so near is white too).
 *
 *  model_path: NUL-terminated UTF-8 path of an .onnx file, or the name of a well-known model installed in the
 *  user's model directory ($XDG_DATA_HOME/depthplugins/models, else ~/.local/share/depthplugins/models; see
 *  `depthplugins models list`). Read during the call only. An optional sidecar <model>.json beside the file
 *  overrides the detected preprocessing (docs/depth-estimation.md). The model family (MiDaS v2.1 small, DPT,
 *  Depth Anything) is detected from the model's input and output shapes.
 *  The first call with a model loads it (this can take seconds); the context keeps the session for later calls
 *  and reloads it when the file changes. Several threads may estimate on one context at once.
 *  image: any pixel format (alpha ignored); at least 16x16. depth_out must have the image's size; grey formats
 *  receive the depth, colour formats R = G = B = depth. depth_out may alias image. options may be NULL (defaults);
 *  progress may be NULL. Progress is reported around loading, inference and refinement; a cancel is honoured
 *  between stages and interrupts a running inference.
 *  Errors: DP_ERROR_INVALID_ARGUMENT (NULL pointers, sizes, options, image too small, input_size on a fixed model),
 *  DP_ERROR_IO (model file missing or unreadable, model name not installed), DP_ERROR_MODEL (not an ONNX file,
 *  truncated, unsupported input/output shape, bad sidecar, checksum mismatch of an installed named model),
 *  DP_ERROR_NUMERIC (the network produced NaN or infinity), DP_ERROR_UNSUPPORTED (execution provider not in this
 *  build), DP_ERROR_CANCELLED, DP_ERROR_OUT_OF_MEMORY, DP_ERROR_DEVICE. */
DP_API dp_status dp_estimate_depth(dp_context *context, const char *model_path, const dp_image *image,
                                   const dp_image *depth_out, const dp_depth_options *options,
                                   dp_progress_fn progress, void *user_data);

/* ------------------------------------------------------------------------------------------------ */
/* Lens blur                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

/** Which end of the depth map is near. */
typedef enum dp_depth_near {
    DP_DEPTH_NEAR_WHITE = 0, /**< 1 (white) is near: disparity, monocular-model output, image editors. */
    DP_DEPTH_NEAR_BLACK = 1, /**< 0 (black) is near. */
    DP_DEPTH_NEAR_MAX_ENUM = 0x7FFFFFFF
} dp_depth_near;

/** Largest circle-of-confusion radius in pixels dp_lens_blur renders (max_near_radius, max_far_radius). */
#define DP_LENS_BLUR_MAX_RADIUS 256.0f

/** Options of dp_lens_blur. The depth map is treated as disparity-like (inverse depth), so the circle of confusion
 *  (CoC) is linear in it: CoC radius in pixels = aperture * |d - focus|, d in 0..1. All floats must be finite.
 *  */
typedef struct dp_lens_blur_options {
    uint32_t struct_size;      /**< sizeof(dp_lens_blur_options). */
    float focus;               /**< Depth value in focus, in the depth map's own units (before depth_near). Default 0.5. */
    int32_t focus_from_point;  /**< Nonzero: ignore focus and use the median depth in a window of radius
                                    max(2, min(width, height) / 100) pixels around (focus_x, focus_y). Default 0. */
    float focus_x;             /**< Focus point in image pixels (0,0 = centre of the top-left pixel), -0.5 .. width - 0.5. */
    float focus_y;             /**< Likewise, -0.5 .. height - 0.5. */
    float aperture;            /**< CoC radius in pixels at |d - focus| = 1; >= 0. Default 20. */
    int32_t blades;            /**< 0 = circular aperture (default), 3..12 = regular polygon with that many blades. */
    float rotation;            /**< Polygon rotation in degrees, counter-clockwise on screen; at 0 a vertex points up. Default 0. */
    float highlight_threshold; /**< Linear-light luminance above which light is boosted (>= 0). Default 1. */
    float highlight_gain;      /**< Luminance above the threshold is multiplied by 1 + gain (>= 0; 0 = off, default). */
    float max_near_radius;     /**< Limit on the CoC of things in front of the focus, pixels, 0 .. DP_LENS_BLUR_MAX_RADIUS
                                    (0 keeps them sharp). Default DP_LENS_BLUR_MAX_RADIUS. */
    float max_far_radius;      /**< Likewise for things behind the focus. Default DP_LENS_BLUR_MAX_RADIUS. */
    int32_t depth_near;        /**< dp_depth_near. Default DP_DEPTH_NEAR_WHITE. */
    int32_t full_resolution;   /**< Nonzero: every depth layer is blurred at full resolution, with exact bokeh rims.
                                    Default 0: layers of CoC 16 px and more are blurred on a 2/4/8x coarser grid, which
                                    softens their rims by at most about 1/8 of the radius and is many times faster
                                    (docs/lens-blur.md, "Large radii"). 0 or 1. */
} dp_lens_blur_options;

/** Fills *options with defaults (set struct_size first). Errors: DP_ERROR_INVALID_ARGUMENT. */
DP_API dp_status dp_lens_blur_options_default(dp_lens_blur_options *options);

/** Renders the depth of field of a wide-aperture lens: out = image blurred by a bokeh (disk or polygon) whose radius
 *  follows the depth, focused at options->focus. Colour is mixed in linear light and premultiplied by alpha (out gets
 *  straight or premultiplied colour as its alpha_mode says, and the blurred alpha). The blur preserves energy; pixels at
 *  the focus depth that nothing in front reaches are copied unchanged; nearer blurred objects spread over what lies behind
 *  them and sharp ones keep their edges (layered, occlusion-aware compositing; see docs/lens-blur.md).
 *  image: grey or colour, any format. depth: the depth map, grey or colour (red channel used), any format; it may be
 *  smaller than image (any scale factor; then it is upsampled with the guided filter, the image as guide) but not larger;
 *  non-finite depth counts as in focus. out: image's size, any format (a grey out receives luminance); it may alias
 *  image (in-place). options may be NULL (defaults); progress may be NULL. The caller keeps ownership of every pointer.
 *  On the Vulkan backend the whole image is processed at once and must fit the context's device memory budget (about
 *  110 bytes per pixel: 3840x2160 needs about 0.9 GB); a larger one fails with DP_ERROR_OUT_OF_MEMORY, or runs on the
 *  CPU when the context has fallback_to_cpu set. CPU and Vulkan results agree to about 1e-6 (linear light).
 *  Errors: DP_ERROR_INVALID_ARGUMENT (NULL or invalid image descriptors, out not of image's size, depth larger than
 *  image, bad enum values, NaN/infinite or out-of-range options, focus point outside the image), DP_ERROR_CANCELLED,
 *  DP_ERROR_OUT_OF_MEMORY, DP_ERROR_DEVICE. On any error out is left untouched. */
DP_API dp_status dp_lens_blur(dp_context *context, const dp_image *image, const dp_image *depth, const dp_image *out,
                              const dp_lens_blur_options *options, dp_progress_fn progress, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* DEPTHPLUGINS_H */
