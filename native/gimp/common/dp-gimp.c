/*
 * dp-gimp.c — the procedures' interface as data and the GEGL <-> libdepthplugins plumbing shared by the GIMP 2.10
 * and GIMP 3 front ends. See dp-gimp.h.
 *
 * Pixel conventions (the library's, docs/gimp.md):
 *  - Colour is read as "R'G'B'A float" in the drawable's own colour space, so 8/16/32-bit and linear/non-linear
 *    precisions all reach the library without loss and with the transfer stated explicitly (DP_TRANSFER_SRGB).
 *    A greyscale photo or guide (Refine Depth, Generate Depth) is read as "Y' float" and passed as grey, as the
 *    CLI passes a grey file: the library then works with one channel, which is not the same as three equal ones
 *    (the guide's colour distances and the guided filter's regression differ). Alpha is not used there.
 *  - Depth is read and written in the drawable's own tone curve ("Y'A float" for perceptual precisions,
 *    "YA float" for linear ones): the number stored in the pixel is the depth, as the CLI reads a PNG (code/max)
 *    or a PFM (as stored). A colour depth drawable contributes its grey value; alpha is kept as it was.
 *  - A photo written back (lens blur) goes out as "R'G'B'A float" (sRGB-encoded, straight alpha), which babl converts
 *    to the drawable's own format.
 */
#include "dp-gimp.h"

#include <string.h>

#include <libgimp/gimp.h>

G_DEFINE_QUARK (depthplugins-gimp-error-quark, dpg_error)

/* ---------------------------------------------------------------------------------------------------------- */
/* Library, progress, buffers                                                                                  */
/* ---------------------------------------------------------------------------------------------------------- */

gboolean
dpg_check_library (GError **error)
{
  uint32_t have = dp_abi_version ();

  if (have < DP_ABI_VERSION)
    {
      g_set_error (error, DPG_ERROR, 0,
                   "The DepthPlugins library beside the plug-in (%s, ABI %u) is older than the plug-in (ABI %u). "
                   "Reinstall the plug-in folder as one piece (installers/gimp/install.sh).",
                   dp_version_string (), (unsigned) have, (unsigned) DP_ABI_VERSION);
      return FALSE;
    }
  return TRUE;
}

static void
set_library_error (GError **error, const DpgOperation *op, dp_status status)
{
  g_set_error (error, DPG_ERROR, 0, "%s failed: %s (%s)", op->title, dp_last_error_message (),
               dp_status_string (status));
}

typedef struct
{
  double last;
} ProgressState;

/* Called on the plug-in's thread by the library. GIMP offers plug-ins no cancel flag: its Cancel button closes
 * the plug-in's connection, and the next update ends the process; nothing was merged, so the drawable is intact. */
static int32_t
report_progress (void *user_data, float fraction)
{
  ProgressState *state = user_data;

  if (fraction >= 1.0f || fraction - state->last >= 0.01)
    {
      state->last = fraction;
      gimp_progress_update (fraction);
    }
  return 0;
}

/* The compute backend: Vulkan when a device works, else the CPU (no Vulkan is not an error). DEPTHPLUGINS_BACKEND
 * (cpu, vulkan or auto, read from GIMP's environment) overrides it, e.g. around a broken GPU driver; the tests use
 * it to compare with the CLI on one backend. */
static dp_context *
create_context (const DpgOperation *op, GError **error)
{
  const char         *env     = g_getenv ("DEPTHPLUGINS_BACKEND");
  dp_context         *context = NULL;
  dp_context_options  options;
  dp_status           status;

  options.struct_size = sizeof options;
  dp_context_options_default (&options);
  if (env && g_ascii_strcasecmp (env, "cpu") == 0)
    options.backend = DP_BACKEND_CPU;
  else if (env && g_ascii_strcasecmp (env, "vulkan") == 0)
    options.backend = DP_BACKEND_VULKAN;
  else if (env && *env && g_ascii_strcasecmp (env, "auto") != 0)
    {
      g_set_error (error, DPG_ERROR, 0, "%s: DEPTHPLUGINS_BACKEND is '%s'; use cpu, vulkan or auto.", op->title, env);
      return NULL;
    }

  status = dp_context_create (&options, &context);
  if (status != DP_OK)
    {
      set_library_error (error, op, status);
      return NULL;
    }
  return context;
}

/* The babl format of depth samples (grey + alpha, float) in the tone curve and space the drawable stores. */
static const Babl *
depth_format (const Babl *drawable_format)
{
  const char *model  = babl_get_name (babl_format_get_model (drawable_format));
  gboolean    linear = strchr (model, '\'') == NULL && strchr (model, '~') == NULL;

  return babl_format_with_space (linear ? "YA float" : "Y'A float", drawable_format);
}

static const Babl *
colour_format (const Babl *drawable_format)
{
  return babl_format_with_space ("R'G'B'A float", drawable_format);
}

static float *
alloc_pixels (const GeglRectangle *r, int channels, const DpgOperation *op, GError **error)
{
  float *p = g_try_new (float, (gsize) r->width * r->height * channels);

  if (p == NULL)
    g_set_error (error, DPG_ERROR, 0, "%s: not enough memory for a %dx%d region", op->title, r->width,
                 r->height);
  return p;
}

static dp_image
image_of (float *data, int width, int height, dp_pixel_format format, int channels, dp_transfer transfer)
{
  dp_image img;

  memset (&img, 0, sizeof img);
  img.struct_size      = sizeof img;
  img.width            = width;
  img.height           = height;
  img.format           = format;
  img.row_stride_bytes = (int64_t) width * channels * (int64_t) sizeof (float);
  img.data             = data;
  img.alpha_mode       = DP_ALPHA_STRAIGHT;
  img.transfer         = transfer;
  return img;
}

/* Whether a drawable holds one colour component (greyscale layers, channels, masks). */
static gboolean
is_grey (const Babl *drawable_format)
{
  return babl_format_get_n_components (drawable_format) - (babl_format_has_alpha (drawable_format) ? 1 : 0) == 1;
}

/* Reads `r` of a photo or guide the library uses without its alpha: grey as one sRGB-encoded channel, colour as
 * R'G'B'A. `px` holds 4 floats per pixel. Returns the image over px. */
static dp_image
read_guide (const DpgDrawable *d, const GeglRectangle *r, float *px)
{
  gboolean grey = is_grey (d->format);

  gegl_buffer_get (d->buffer, r, 1.0, grey ? babl_format_with_space ("Y' float", d->format) : colour_format (d->format),
                   px, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  return grey ? image_of (px, r->width, r->height, DP_FORMAT_GRAYF32, 1, DP_TRANSFER_SRGB)
              : image_of (px, r->width, r->height, DP_FORMAT_RGBAF32, 4, DP_TRANSFER_SRGB);
}

/* The rectangle a filter of support `margin` must read to compute `bounds` exactly: bounds grown by margin,
 * clipped to the drawable. margin < 0: the whole drawable. */
static GeglRectangle
context_rect (const GeglRectangle *bounds, int margin, int width, int height)
{
  GeglRectangle all = { 0, 0, width, height };
  GeglRectangle r;

  if (margin < 0)
    return all;
  r.x      = bounds->x - margin;
  r.y      = bounds->y - margin;
  r.width  = bounds->width + 2 * margin;
  r.height = bounds->height + 2 * margin;
  gegl_rectangle_intersect (&r, &r, &all);
  return r;
}

/* Writes a depth plane into call->output at call->output_rect, in the output drawable's tone curve. `alpha`
 * (same layout as depth, may be NULL = opaque) keeps the drawable's own alpha. depth is ctx-sized; the part under
 * call->bounds is written. scratch must hold 2 floats per bounds pixel. */
static void
write_depth (const DpgCall *call, const GeglRectangle *ctx, const float *depth, const float *alpha_ya, float *scratch)
{
  const GeglRectangle *b = &call->bounds;
  int                  x, y;

  for (y = 0; y < b->height; y++)
    for (x = 0; x < b->width; x++)
      {
        long  src = (long) (b->y - ctx->y + y) * ctx->width + (b->x - ctx->x + x);
        long  dst = (long) y * b->width + x;
        float a   = alpha_ya ? alpha_ya[2 * src + 1] : 1.0f;

        scratch[2 * dst]     = depth[src];
        scratch[2 * dst + 1] = a;
      }
  gegl_buffer_set (call->output, &call->output_rect, 0, depth_format (call->output_format), scratch,
                   GEGL_AUTO_ROWSTRIDE);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Refine Depth                                                                                                */
/* ---------------------------------------------------------------------------------------------------------- */

enum { REFINE_DEPTH, REFINE_GUIDE, REFINE_METHOD, REFINE_RADIUS, REFINE_N_ARGS };

static const char *const refine_methods[] = {
  "Joint bilateral filter", "Guided filter", "Joint bilateral upsampling", NULL
};

static const DpgArg refine_args[REFINE_N_ARGS] = {
  [REFINE_DEPTH]  = { DPG_ARG_DRAWABLE, "depth-drawable", "_Depth",
                      "Depth map refined in place (0..1, near = white; 0 = unknown, filled from known neighbours)",
                      0, 0, 0, NULL, NULL, TRUE },
  [REFINE_GUIDE]  = { DPG_ARG_DRAWABLE, "guide-drawable", "_Guide",
                      "Photo whose edges the depth should follow; same size as the depth drawable",
                      0, 0, 0, NULL, NULL, FALSE },
  [REFINE_METHOD] = { DPG_ARG_INT, "method", "_Method",
                      "0 joint bilateral filter, 1 guided filter, 2 joint bilateral upsampling",
                      0, 2, 0, NULL, refine_methods, FALSE },
  [REFINE_RADIUS] = { DPG_ARG_INT, "radius", "R_adius",
                      "Window radius in pixels; 0 = the method's default", 0, 256, 0, NULL, NULL, FALSE },
};

static gboolean
run_refine (const DpgOperation *op, const DpgCall *call, GError **error)
{
  const DpgDrawable *depth  = &call->values[REFINE_DEPTH].drawable;
  const DpgDrawable *guide  = &call->values[REFINE_GUIDE].drawable;
  int                radius = call->values[REFINE_RADIUS].i;
  GeglRectangle      ctx;
  float             *guide_px = NULL, *depth_ya = NULL, *depth_in = NULL, *depth_out = NULL;
  dp_context        *context  = NULL;
  dp_refine_options  options;
  dp_image           g, d, o;
  dp_status          status;
  ProgressState      progress = { 0.0 };
  gboolean           ok       = FALSE;
  long               n, i;

  if (depth->width != guide->width || depth->height != guide->height)
    {
      g_set_error (error, DPG_ERROR, 0,
                   "%s: the depth drawable (%dx%d) and the guide (%dx%d) must have the same size; "
                   "scale the depth layer to the guide's size first (Layer → Scale Layer).",
                   op->title, depth->width, depth->height, guide->width, guide->height);
      return FALSE;
    }

  /* Every method's output at a pixel depends on inputs within 2 × radius (the guided filter's two box passes);
   * radius 0 is the library's per-method default, unknown here, so then the whole drawable is read. */
  ctx = context_rect (&call->bounds, radius > 0 ? 2 * radius + 2 : -1, depth->width, depth->height);
  n   = (long) ctx.width * ctx.height;

  if (! (guide_px = alloc_pixels (&ctx, 4, op, error)) || ! (depth_ya = alloc_pixels (&ctx, 2, op, error)) ||
      ! (depth_in = alloc_pixels (&ctx, 1, op, error)) || ! (depth_out = alloc_pixels (&ctx, 1, op, error)))
    goto out;

  g = read_guide (guide, &ctx, guide_px);
  gegl_buffer_get (depth->buffer, &ctx, 1.0, depth_format (depth->format), depth_ya, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  for (i = 0; i < n; i++)
    depth_in[i] = depth_ya[2 * i];

  if (! (context = create_context (op, error)))
    goto out;

  options.struct_size = sizeof options;
  dp_refine_options_default (&options);
  options.method = call->values[REFINE_METHOD].i;
  options.radius = radius;

  d = image_of (depth_in, ctx.width, ctx.height, DP_FORMAT_GRAYF32, 1, DP_TRANSFER_DEFAULT);
  o = image_of (depth_out, ctx.width, ctx.height, DP_FORMAT_GRAYF32, 1, DP_TRANSFER_DEFAULT);

  gimp_progress_init (op->progress);
  status = dp_refine_depth (context, &g, &d, &o, &options, report_progress, &progress);
  if (status != DP_OK)
    {
      set_library_error (error, op, status);
      goto out;
    }
  /* The refined grey with the drawable's own alpha; guide_px is big enough to serve as scratch. */
  write_depth (call, &ctx, depth_out, depth_ya, guide_px);
  ok = TRUE;

out:
  dp_context_destroy (context);
  g_free (guide_px);
  g_free (depth_ya);
  g_free (depth_in);
  g_free (depth_out);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Generate Depth                                                                                              */
/* ---------------------------------------------------------------------------------------------------------- */

enum { GENERATE_DRAWABLE, GENERATE_MODEL, GENERATE_REFINE, GENERATE_N_ARGS };

static const DpgArg generate_args[GENERATE_N_ARGS] = {
  [GENERATE_DRAWABLE] = { DPG_ARG_DRAWABLE, "drawable", "_Photo", "The photo (its selection bounds) to estimate depth for",
                          0, 0, 0, NULL, NULL, TRUE },
  [GENERATE_MODEL]    = { DPG_ARG_STRING, "model-path", "_Model",
                          "An .onnx depth model file, or the name of an installed model (depthplugins models list)",
                          0, 0, 0, "depth-anything-v2-small", NULL, FALSE },
  [GENERATE_REFINE]   = { DPG_ARG_INT, "refine", "Refine _edges",
                          "1: refine the network's map at full resolution with the photo as guide (guided filter); "
                          "0: bicubic upsampling only",
                          0, 1, 1, NULL, NULL, FALSE },
};

static gboolean
run_generate (const DpgOperation *op, const DpgCall *call, GError **error)
{
  const DpgDrawable *photo = &call->values[GENERATE_DRAWABLE].drawable;
  const char        *model = call->values[GENERATE_MODEL].s;
  GeglRectangle      ctx   = call->bounds; /* the network sees exactly the selection bounds */
  float             *rgba = NULL, *depth = NULL;
  dp_context        *context = NULL;
  dp_depth_options   options;
  dp_image           img, out;
  dp_status          status;
  ProgressState      progress = { 0.0 };
  gboolean           ok       = FALSE;

  if (model == NULL || *model == '\0')
    {
      g_set_error (error, DPG_ERROR, 0, "%s: no model given; choose an .onnx file or an installed model name.",
                   op->title);
      return FALSE;
    }
  if (! (rgba = alloc_pixels (&ctx, 4, op, error)) || ! (depth = alloc_pixels (&ctx, 1, op, error)))
    goto out;
  img = read_guide (photo, &ctx, rgba);

  if (! (context = create_context (op, error)))
    goto out;
  options.struct_size = sizeof options;
  dp_depth_options_default (&options);
  options.refine = call->values[GENERATE_REFINE].i ? DP_DEPTH_REFINE_GUIDED : DP_DEPTH_REFINE_NONE;

  out = image_of (depth, ctx.width, ctx.height, DP_FORMAT_GRAYF32, 1, DP_TRANSFER_DEFAULT);

  gimp_progress_init (op->progress);
  status = dp_estimate_depth (context, model, &img, &out, &options, report_progress, &progress);
  if (status != DP_OK)
    {
      set_library_error (error, op, status);
      goto out;
    }
  write_depth (call, &ctx, depth, NULL, rgba);
  ok = TRUE;

out:
  dp_context_destroy (context);
  g_free (rgba);
  g_free (depth);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Lens Blur                                                                                                   */
/* ---------------------------------------------------------------------------------------------------------- */

enum { BLUR_DRAWABLE, BLUR_DEPTH, BLUR_FOCUS, BLUR_APERTURE, BLUR_BLADES, BLUR_ROTATION, BLUR_THRESHOLD, BLUR_GAIN,
       BLUR_N_ARGS };

static const DpgArg blur_args[BLUR_N_ARGS] = {
  [BLUR_DRAWABLE]  = { DPG_ARG_DRAWABLE, "drawable", "_Photo", "The photo, blurred in place", 0, 0, 0, NULL, NULL, TRUE },
  [BLUR_DEPTH]     = { DPG_ARG_DRAWABLE, "depth-drawable", "_Depth",
                       "Its depth map, a layer or channel (near = white); the photo's size or smaller",
                       0, 0, 0, NULL, NULL, FALSE },
  [BLUR_FOCUS]     = { DPG_ARG_DOUBLE, "focus", "_Focus", "Depth value in focus (0..1)", 0, 1, 0.5, NULL, NULL, FALSE },
  [BLUR_APERTURE]  = { DPG_ARG_DOUBLE, "aperture", "_Aperture",
                       "Blur radius in pixels where |depth - focus| = 1", 0, DP_LENS_BLUR_MAX_RADIUS, 20, NULL, NULL,
                       FALSE },
  [BLUR_BLADES]    = { DPG_ARG_INT, "blades", "_Blades", "Aperture shape: 0 = circle, 3..12 = polygon", 0, 12, 0,
                       NULL, NULL, FALSE },
  [BLUR_ROTATION]  = { DPG_ARG_DOUBLE, "rotation", "Ro_tation",
                       "Polygon rotation in degrees, counter-clockwise; at 0 a vertex points up", -360, 360, 0, NULL,
                       NULL, FALSE },
  [BLUR_THRESHOLD] = { DPG_ARG_DOUBLE, "highlight-threshold", "_Highlight threshold",
                       "Linear-light luminance above which highlights are boosted", 0, 100, 1, NULL, NULL, FALSE },
  [BLUR_GAIN]      = { DPG_ARG_DOUBLE, "highlight-gain", "Highlight _gain",
                       "Light above the threshold is multiplied by 1 + gain (0 = off)", 0, 100, 0, NULL, NULL, FALSE },
};

static gboolean
run_lens_blur (const DpgOperation *op, const DpgCall *call, GError **error)
{
  const DpgDrawable    *photo = &call->values[BLUR_DRAWABLE].drawable;
  const DpgDrawable    *depth = &call->values[BLUR_DEPTH].drawable;
  /* Lens blur depends on the whole image (its depth layers follow the data), so the whole drawable is read and
   * the bounds written. */
  GeglRectangle         ctx   = { 0, 0, photo->width, photo->height };
  GeglRectangle         dctx  = { 0, 0, depth->width, depth->height };
  float                *rgba = NULL, *out = NULL, *depth_ya = NULL, *depth_px = NULL;
  dp_context           *context = NULL;
  dp_lens_blur_options  options;
  dp_image              img, d, o;
  dp_status             status;
  ProgressState         progress = { 0.0 };
  gboolean              ok       = FALSE;
  long                  n, i;
  int                   y;

  if (depth->width > photo->width || depth->height > photo->height)
    {
      g_set_error (error, DPG_ERROR, 0,
                   "%s: the depth drawable (%dx%d) is larger than the photo (%dx%d); it must be the same size or "
                   "smaller (then it is upsampled).", op->title, depth->width, depth->height, photo->width,
                   photo->height);
      return FALSE;
    }
  if (! (rgba = alloc_pixels (&ctx, 4, op, error)) || ! (out = alloc_pixels (&ctx, 4, op, error)) ||
      ! (depth_ya = alloc_pixels (&dctx, 2, op, error)) || ! (depth_px = alloc_pixels (&dctx, 1, op, error)))
    goto out;
  gegl_buffer_get (photo->buffer, &ctx, 1.0, colour_format (photo->format), rgba, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  gegl_buffer_get (depth->buffer, &dctx, 1.0, depth_format (depth->format), depth_ya, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  n = (long) dctx.width * dctx.height;
  for (i = 0; i < n; i++)
    depth_px[i] = depth_ya[2 * i];

  if (! (context = create_context (op, error)))
    goto out;
  options.struct_size = sizeof options;
  dp_lens_blur_options_default (&options);
  options.focus               = (float) call->values[BLUR_FOCUS].d;
  options.aperture            = (float) call->values[BLUR_APERTURE].d;
  options.blades              = call->values[BLUR_BLADES].i;
  options.rotation            = (float) call->values[BLUR_ROTATION].d;
  options.highlight_threshold = (float) call->values[BLUR_THRESHOLD].d;
  options.highlight_gain      = (float) call->values[BLUR_GAIN].d;

  img = image_of (rgba, ctx.width, ctx.height, DP_FORMAT_RGBAF32, 4, DP_TRANSFER_SRGB);
  d   = image_of (depth_px, dctx.width, dctx.height, DP_FORMAT_GRAYF32, 1, DP_TRANSFER_DEFAULT);
  o   = image_of (out, ctx.width, ctx.height, DP_FORMAT_RGBAF32, 4, DP_TRANSFER_SRGB);

  gimp_progress_init (op->progress);
  status = dp_lens_blur (context, &img, &d, &o, &options, report_progress, &progress);
  if (status != DP_OK)
    {
      set_library_error (error, op, status);
      goto out;
    }
  /* The bounds of the result, packed into rgba (no longer needed) as bounds-sized rows. */
  for (y = 0; y < call->bounds.height; y++)
    memcpy (rgba + (long) y * call->bounds.width * 4,
            out + ((long) (call->bounds.y + y) * ctx.width + call->bounds.x) * 4,
            sizeof (float) * 4 * call->bounds.width);
  gegl_buffer_set (call->output, &call->output_rect, 0, colour_format (call->output_format), rgba,
                   GEGL_AUTO_ROWSTRIDE);
  ok = TRUE;

out:
  dp_context_destroy (context);
  g_free (rgba);
  g_free (out);
  g_free (depth_ya);
  g_free (depth_px);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The procedures                                                                                              */
/* ---------------------------------------------------------------------------------------------------------- */

const DpgOperation dpg_operations[] = {
  { "plug-in-depthplugins-lens-blur", "Lens Blur", "_Lens Blur (Depth)...", "<Image>/Filters/Blur",
    "Blur a photo as a wide-aperture lens would, following its depth map",
    "Renders depth of field: the drawable is blurred in place by a bokeh (disk or polygon with `blades`) whose "
    "radius is aperture × |depth − focus| pixels, mixing colour in linear light, with nearer blurred objects "
    "spreading over what lies behind them. depth-drawable is a layer or channel, near = white, the drawable's size "
    "or smaller. Works on the selection. See docs/lens-blur.md.",
    "Rendering lens blur", blur_args, BLUR_N_ARGS, DPG_OUTPUT_IN_PLACE, NULL, run_lens_blur },
  { "plug-in-depthplugins-generate-depth", "Generate Depth", "_Generate Depth...", "<Image>/Filters/Depth",
    "Estimate a depth map from a photo with a neural network",
    "Adds a greyscale layer named \"Depth\" above the drawable (the selection bounds of it, if there is a "
    "selection) with the depth estimated by an ONNX depth model (near = white), and returns it. Models are not "
    "bundled: see docs/depth-estimation.md.",
    "Generating depth", generate_args, GENERATE_N_ARGS, DPG_OUTPUT_NEW_LAYER, "Depth", run_generate },
  { "plug-in-depthplugins-refine-depth", "Refine Depth", "_Refine Depth...", "<Image>/Filters/Depth",
    "Refine a depth map so its edges follow a photo",
    "Refines the depth drawable in place with the guide drawable's edges (joint bilateral filter, guided filter or "
    "joint bilateral upsampling). Depth 0 counts as unknown and is filled from known neighbours. Works on the "
    "selection. Depth 0..1, near = white.",
    "Refining depth", refine_args, REFINE_N_ARGS, DPG_OUTPUT_IN_PLACE, NULL, run_refine },
};

const int dpg_n_operations = G_N_ELEMENTS (dpg_operations);

const DpgOperation *
dpg_find_operation (const char *name)
{
  int i;

  for (i = 0; i < dpg_n_operations; i++)
    if (strcmp (dpg_operations[i].name, name) == 0)
      return &dpg_operations[i];
  return NULL;
}

int
dpg_target_arg (const DpgOperation *op)
{
  int i;

  for (i = 0; i < op->n_args; i++)
    if (op->args[i].type == DPG_ARG_DRAWABLE && op->args[i].target)
      return i;
  g_assert_not_reached (); /* every table entry has one */
  return -1;
}

gboolean
dpg_check_ranges (const DpgOperation *op, const DpgValue *values, GError **error)
{
  int i;

  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];
      double        v;

      if (a->type == DPG_ARG_INT)
        v = values[i].i;
      else if (a->type == DPG_ARG_DOUBLE)
        v = values[i].d;
      else
        continue;
      if (! (v >= a->min && v <= a->max)) /* also rejects NaN */
        {
          g_set_error (error, DPG_ERROR, 0, "%s: %s = %g is outside %g .. %g", op->title, a->name, v, a->min,
                       a->max);
          return FALSE;
        }
    }
  return TRUE;
}
