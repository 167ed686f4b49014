/*
 * dp-gimp.h — what the GIMP 2.10 and GIMP 3 front ends share: the procedures' interface (names, arguments,
 * ranges, menus) as data, and the plumbing from GEGL buffers to libdepthplugins and back.
 *
 * Nothing here depends on the GIMP version: drawables arrive as GEGL buffers plus their babl format, so the
 * same file compiles against libgimp-2.0 and libgimp-3.0 (it uses only gimp_progress_init/update, which both
 * declare identically). The front ends (gimp2/, gimp3/) map GIMP's parameters, dialogs, drawables, selection,
 * shadow buffers and undo onto this; there is no filter math anywhere in the plug-in.
 *
 * Adding a procedure: append an entry to dpg_operations (dp-gimp.c) with its arguments and a run function
 * that reads its inputs and calls the library. Both front ends register, dialog and run it from the table.
 */
#ifndef DP_GIMP_H
#define DP_GIMP_H

#include <gegl.h>

#include "depthplugins.h"

G_BEGIN_DECLS

/** Kinds of procedure argument after the implicit run-mode and image. Integers stay integers in both GIMP
 *  versions (method 0/1/2) so Script-Fu calls are the same in 2.10 and 3. */
typedef enum
{
  DPG_ARG_DRAWABLE,
  DPG_ARG_INT,
  DPG_ARG_DOUBLE,
  DPG_ARG_STRING
} DpgArgType;

typedef struct
{
  DpgArgType          type;
  const char         *name;       /**< PDB argument name, e.g. "depth-drawable". */
  const char         *label;      /**< Dialog label (mnemonic). */
  const char         *blurb;      /**< PDB description. */
  double              min, max;   /**< INT, DOUBLE. */
  double              def;        /**< INT, DOUBLE default. */
  const char         *def_string; /**< STRING default. */
  const char *const  *choices;    /**< INT shown as a combo box: labels of min, min+1, ... ; NULL-terminated. */
  gboolean            target;     /**< The DRAWABLE GIMP invokes the procedure on (one per operation): the selection
                                       bounds are taken on it, and it is written in place or gets the new layer above. */
} DpgArg;

/** Where an operation's result goes. */
typedef enum
{
  DPG_OUTPUT_IN_PLACE,  /**< Into the target drawable: shadow buffer, merged with the selection mask, one undo step. */
  DPG_OUTPUT_NEW_LAYER  /**< Into a new layer the size of the selection bounds, above the target, returned. */
} DpgOutput;

/** A drawable as the operation sees it: its pixels and its own format (channels, precision, TRC, space). */
typedef struct
{
  GeglBuffer *buffer;
  const Babl *format;
  int         width, height;
} DpgDrawable;

typedef union
{
  DpgDrawable drawable;
  int         i;
  double      d;
  const char *s;
} DpgValue;

/** One call: the argument values in table order, and where the result goes. */
typedef struct
{
  const DpgValue *values;
  GeglRectangle   bounds;        /**< Selection bounds intersected with the target drawable, its coordinates. */
  GeglBuffer     *output;        /**< The target's shadow buffer (in place) or the new layer's buffer. */
  const Babl     *output_format; /**< The output drawable's own format. */
  GeglRectangle   output_rect;   /**< Where `bounds` lands in `output`: bounds itself in place, 0,0,w,h in a new layer. */
} DpgCall;

typedef struct DpgOperation DpgOperation;
struct DpgOperation
{
  const char   *name;       /**< PDB name. */
  const char   *title;      /**< Dialog title and message prefix, e.g. "Refine Depth". */
  const char   *menu_label;
  const char   *menu_path;  /**< NULL: no menu entry (scripts only). */
  const char   *blurb;
  const char   *help;
  const char   *progress;   /**< Progress bar text. */
  const DpgArg *args;       /**< After run-mode and image. */
  int           n_args;
  DpgOutput     output;
  const char   *layer_name; /**< DPG_OUTPUT_NEW_LAYER: the new layer's name. */
  /** Computes and writes call->output_rect of call->output. FALSE with *error set on failure (the front end then
   *  neither merges the shadow nor adds the layer). */
  gboolean    (*run) (const DpgOperation *op, const DpgCall *call, GError **error);
};

extern const DpgOperation dpg_operations[];
extern const int          dpg_n_operations;

#define DPG_AUTHOR    "DepthPlugins contributors"
#define DPG_COPYRIGHT "DepthPlugins contributors"
#define DPG_DATE      "2025"
#define DPG_BINARY    "depthplugins"
#define DPG_IMAGE_TYPES "RGB*, GRAY*"

const DpgOperation *dpg_find_operation (const char *name);

/** Index of the target drawable argument. */
int dpg_target_arg (const DpgOperation *op);

/** FALSE with a message when the loaded libdepthplugins is older than the header this plug-in was built with
 *  (it would lack functions the plug-in calls). Call before anything else in every run. */
gboolean dpg_check_library (GError **error);

/** Validates integer/double arguments against the table's ranges (non-interactive callers may pass anything). */
gboolean dpg_check_ranges (const DpgOperation *op, const DpgValue *values, GError **error);

GQuark dpg_error_quark (void);
#define DPG_ERROR dpg_error_quark ()

G_END_DECLS

#endif /* DP_GIMP_H */
