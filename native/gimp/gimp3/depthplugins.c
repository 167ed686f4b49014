/*
 * GIMP 3 front end: a GimpPlugIn subclass registers every operation of dpg_operations as a plain GimpProcedure
 * whose arguments are exactly the table's (run-mode, image, then the operation's own, in the same order and
 * with the same names as in GIMP 2.10, so Script-Fu calls do not change). GIMP fills a GimpProcedureConfig
 * (arguments, or the last used values for interactive runs), gimp_procedure_dialog edits it, and the operation
 * runs on the selection bounds: in place through a shadow buffer merged as one undo step, or into a new layer
 * added above the drawable.
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "../common/dp-gimp.h"

#define MAX_ARGS 8

#define DP_TYPE_PLUG_IN (dp_plug_in_get_type ())
G_DECLARE_FINAL_TYPE (DpPlugIn, dp_plug_in, DP, PLUG_IN, GimpPlugIn)

struct _DpPlugIn
{
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE (DpPlugIn, dp_plug_in, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (DP_TYPE_PLUG_IN)

static GList *
dp_query_procedures (GimpPlugIn *plug_in)
{
  GList *names = NULL;
  int    i;

  for (i = 0; i < dpg_n_operations; i++)
    names = g_list_append (names, g_strdup (dpg_operations[i].name));
  return names;
}

static GimpValueArray *dp_run (GimpProcedure *procedure, GimpProcedureConfig *config, gpointer run_data);

static GimpProcedure *
dp_create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  const DpgOperation *op = dpg_find_operation (name);
  GimpProcedure      *procedure;
  int                 i;

  if (op == NULL)
    return NULL;
  procedure = gimp_procedure_new (plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, dp_run, (gpointer) op, NULL);
  gimp_procedure_set_image_types (procedure, DPG_IMAGE_TYPES);
  gimp_procedure_set_sensitivity_mask (procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  gimp_procedure_set_menu_label (procedure, op->menu_label);
  if (op->menu_path)
    gimp_procedure_add_menu_path (procedure, op->menu_path);
  gimp_procedure_set_documentation (procedure, op->blurb, op->help, op->name);
  gimp_procedure_set_attribution (procedure, DPG_AUTHOR, DPG_COPYRIGHT, DPG_DATE);

  gimp_procedure_add_enum_argument (procedure, "run-mode", "Run mode", "The run mode", GIMP_TYPE_RUN_MODE,
                                    GIMP_RUN_NONINTERACTIVE, G_PARAM_READWRITE);
  /* Images and drawables are never restored from last values (GIMP cannot serialize them anyway). */
  gimp_procedure_add_image_argument (procedure, "image", "Image", "Input image", FALSE,
                                     G_PARAM_READWRITE | GIMP_PARAM_DONT_SERIALIZE);
  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      switch (a->type)
        {
        case DPG_ARG_DRAWABLE:
          /* Only the drawable GIMP invokes us on is required: a menu run leaves the others empty for the dialog. */
          gimp_procedure_add_drawable_argument (procedure, a->name, a->label, a->blurb, ! a->target,
                                                G_PARAM_READWRITE | GIMP_PARAM_DONT_SERIALIZE);
          break;
        case DPG_ARG_INT:
          gimp_procedure_add_int_argument (procedure, a->name, a->label, a->blurb, (gint) a->min, (gint) a->max,
                                           (gint) a->def, G_PARAM_READWRITE);
          break;
        case DPG_ARG_DOUBLE:
          gimp_procedure_add_double_argument (procedure, a->name, a->label, a->blurb, a->min, a->max, a->def,
                                              G_PARAM_READWRITE);
          break;
        case DPG_ARG_STRING:
          gimp_procedure_add_string_argument (procedure, a->name, a->label, a->blurb, a->def_string,
                                              G_PARAM_READWRITE);
          break;
        }
    }
  if (op->output == DPG_OUTPUT_NEW_LAYER)
    gimp_procedure_add_layer_return_value (procedure, "layer", "Layer", "The new layer", FALSE, G_PARAM_READWRITE);
  return procedure;
}

static void
dp_plug_in_class_init (DpPlugInClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = dp_query_procedures;
  plug_in_class->create_procedure = dp_create_procedure;
  plug_in_class->set_i18n         = NULL; /* not translated yet */
}

static void
dp_plug_in_init (DpPlugIn *plug_in)
{
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Drawables                                                                                                   */
/* ---------------------------------------------------------------------------------------------------------- */

static gboolean
drawable_usable (GimpDrawable *d)
{
  return d != NULL && gimp_item_is_valid (GIMP_ITEM (d)) && ! gimp_item_is_group (GIMP_ITEM (d)) &&
         ! gimp_drawable_is_indexed (d);
}

static gboolean
check_drawable (const DpgOperation *op, const DpgArg *a, GimpDrawable *d, GimpImage *image, GError **error)
{
  if (d == NULL || ! gimp_item_is_valid (GIMP_ITEM (d)))
    {
      g_set_error (error, DPG_ERROR, 0, "%s: %s is not set; choose a layer or channel.", op->title, a->name);
      return FALSE;
    }
  if (gimp_item_is_group (GIMP_ITEM (d)) || gimp_drawable_is_indexed (d))
    {
      gchar *name = gimp_item_get_name (GIMP_ITEM (d));

      g_set_error (error, DPG_ERROR, 0, "%s: %s '%s' is a %s; use an RGB or greyscale layer or channel.", op->title,
                   a->name, name, gimp_item_is_group (GIMP_ITEM (d)) ? "layer group" : "indexed-colour layer");
      g_free (name);
      return FALSE;
    }
  if (a->target && gimp_item_get_image (GIMP_ITEM (d)) != image)
    {
      g_set_error (error, DPG_ERROR, 0, "%s: %s does not belong to the image.", op->title, a->name);
      return FALSE;
    }
  return TRUE;
}

/* For a menu run (interactive or "Repeat"): an empty drawable argument gets the first other layer of the
 * target's size. */
static void
default_drawables (const DpgOperation *op, GimpProcedureConfig *config, GimpImage *image, GimpDrawable *target)
{
  int i;

  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];
      GimpDrawable *d = NULL;

      if (a->type != DPG_ARG_DRAWABLE || a->target)
        continue;
      g_object_get (config, a->name, &d, NULL);
      if (! drawable_usable (d) || d == target)
        {
          GList *layers = gimp_image_list_layers (image);
          GList *l;

          for (l = layers; l; l = l->next)
            {
              GimpDrawable *candidate = l->data;

              if (candidate != target && drawable_usable (candidate) &&
                  gimp_drawable_get_width (candidate) == gimp_drawable_get_width (target) &&
                  gimp_drawable_get_height (candidate) == gimp_drawable_get_height (target))
                {
                  g_object_set (config, a->name, candidate, NULL);
                  break;
                }
            }
          g_list_free (layers);
        }
      g_clear_object (&d);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Dialog                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

static gboolean
dialog (GimpProcedure *procedure, GimpProcedureConfig *config, const DpgOperation *op)
{
  GtkWidget *dlg;
  GList     *names = NULL;
  gboolean   ok;
  int        i;

  gimp_ui_init (DPG_BINARY);
  dlg = gimp_procedure_dialog_new (procedure, config, op->title);
  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      if (a->type == DPG_ARG_DRAWABLE && a->target)
        continue;
      if (a->type == DPG_ARG_INT && a->choices)
        {
          GtkListStore *store = gimp_int_store_new_array (g_strv_length ((gchar **) a->choices),
                                                          (const gchar **) a->choices);
          /* gimp_int_store_new_array numbers the labels 0, 1, ...; the table's values start at min (0 today).
           * The dialog takes the store (transfer full). */
          g_assert (a->min == 0);
          gimp_procedure_dialog_get_int_combo (GIMP_PROCEDURE_DIALOG (dlg), a->name, GIMP_INT_STORE (store));
        }
      else if (a->type == DPG_ARG_INT || a->type == DPG_ARG_DOUBLE)
        gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dlg), a->name, 1.0);
      names = g_list_append (names, (gpointer) a->name);
    }
  gimp_procedure_dialog_fill_list (GIMP_PROCEDURE_DIALOG (dlg), names);
  g_list_free (names);

  ok = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dlg));
  gtk_widget_destroy (dlg);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Run                                                                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

/* Runs op with the values in config on image. Returns FALSE with *error on failure; *layer receives the new layer
 * of a DPG_OUTPUT_NEW_LAYER operation. The image changes by one undo step, or not at all. */
static gboolean
execute (const DpgOperation *op, GimpProcedureConfig *config, GimpImage *image, GimpLayer **layer, GError **error)
{
  GimpDrawable *drawables[MAX_ARGS] = { NULL };
  gchar        *strings[MAX_ARGS]   = { NULL };
  DpgValue      values[MAX_ARGS];
  DpgCall       call;
  GimpDrawable *target, *output;
  gint          x, y, w, h;
  gboolean      ok = FALSE;
  int           i;

  g_assert (op->n_args <= MAX_ARGS);
  memset (values, 0, sizeof values);
  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      switch (a->type)
        {
        case DPG_ARG_DRAWABLE: g_object_get (config, a->name, &drawables[i], NULL); break;
        case DPG_ARG_INT:      g_object_get (config, a->name, &values[i].i, NULL); break;
        case DPG_ARG_DOUBLE:   g_object_get (config, a->name, &values[i].d, NULL); break;
        case DPG_ARG_STRING:   g_object_get (config, a->name, &strings[i], NULL); values[i].s = strings[i]; break;
        }
      if (a->type == DPG_ARG_DRAWABLE && ! check_drawable (op, a, drawables[i], image, error))
        goto out;
    }
  if (! dpg_check_ranges (op, values, error))
    goto out;

  target = drawables[dpg_target_arg (op)];
  if (! gimp_drawable_mask_intersect (target, &x, &y, &w, &h))
    {
      g_set_error (error, DPG_ERROR, 0, "%s: the selection does not touch the drawable.", op->title);
      goto out;
    }

  for (i = 0; i < op->n_args; i++)
    if (drawables[i])
      {
        DpgDrawable *d = &values[i].drawable;

        d->buffer = gimp_drawable_get_buffer (drawables[i]);
        d->format = gimp_drawable_get_format (drawables[i]);
        d->width  = gegl_buffer_get_width (d->buffer);
        d->height = gegl_buffer_get_height (d->buffer);
      }

  call.values = values;
  call.bounds = (GeglRectangle){ x, y, w, h };
  if (op->output == DPG_OUTPUT_IN_PLACE)
    {
      output           = target;
      call.output      = gimp_drawable_get_shadow_buffer (target);
      call.output_rect = call.bounds;
    }
  else
    {
      /* Filled before it joins the image, so a failure leaves no trace in the image or its undo history. */
      output = GIMP_DRAWABLE (gimp_layer_new (image, op->layer_name, w, h,
                                              gimp_image_get_base_type (image) == GIMP_GRAY ? GIMP_GRAY_IMAGE
                                                                                            : GIMP_RGB_IMAGE,
                                              100.0, GIMP_LAYER_MODE_NORMAL));
      call.output      = gimp_drawable_get_buffer (output);
      call.output_rect = (GeglRectangle){ 0, 0, w, h };
    }
  call.output_format = gimp_drawable_get_format (output);

  ok = op->run (op, &call, error);

  gegl_buffer_flush (call.output);
  g_object_unref (call.output);
  for (i = 0; i < op->n_args; i++)
    if (drawables[i])
      g_object_unref (values[i].drawable.buffer);

  if (op->output == DPG_OUTPUT_IN_PLACE && ok)
    {
      gimp_drawable_merge_shadow (target, TRUE); /* one undo step; blends with the selection mask */
      gimp_drawable_update (target, x, y, w, h);
    }
  else if (op->output == DPG_OUTPUT_NEW_LAYER && ok)
    {
      gint     ox = 0, oy = 0;
      gboolean above = gimp_item_is_layer (GIMP_ITEM (target));

      if (above)
        gimp_drawable_get_offsets (target, &ox, &oy);
      gimp_layer_set_offsets (GIMP_LAYER (output), ox + x, oy + y);
      gimp_image_insert_layer (image, GIMP_LAYER (output),
                               above ? GIMP_LAYER (gimp_item_get_parent (GIMP_ITEM (target))) : NULL,
                               above ? gimp_image_get_item_position (image, GIMP_ITEM (target)) : 0);
      *layer = GIMP_LAYER (output);
    }
  else if (op->output == DPG_OUTPUT_NEW_LAYER)
    gimp_item_delete (GIMP_ITEM (output));

out:
  for (i = 0; i < op->n_args; i++)
    {
      g_clear_object (&drawables[i]);
      g_free (strings[i]);
    }
  return ok;
}

static GimpValueArray *
dp_run (GimpProcedure *procedure, GimpProcedureConfig *config, gpointer run_data)
{
  const DpgOperation *op       = run_data;
  GimpRunMode         run_mode = GIMP_RUN_NONINTERACTIVE;
  GimpImage          *image    = NULL;
  GimpDrawable       *target   = NULL;
  GimpLayer          *layer    = NULL;
  GimpPDBStatusType   status   = GIMP_PDB_SUCCESS;
  GimpValueArray     *result;
  GError             *error    = NULL;

  g_object_get (config, "run-mode", &run_mode, "image", &image, op->args[dpg_target_arg (op)].name, &target,
                NULL);

  if (! dpg_check_library (&error))
    status = GIMP_PDB_EXECUTION_ERROR;
  else if (run_mode != GIMP_RUN_NONINTERACTIVE && target != NULL)
    {
      default_drawables (op, config, image, target);
      if (run_mode == GIMP_RUN_INTERACTIVE && ! dialog (procedure, config, op))
        status = GIMP_PDB_CANCEL;
    }

  if (status == GIMP_PDB_SUCCESS && ! execute (op, config, image, &layer, &error))
    status = GIMP_PDB_EXECUTION_ERROR;

  g_clear_object (&image);
  g_clear_object (&target);
  /* GIMP shows the message of an execution error; scripts receive it. */
  result = gimp_procedure_new_return_values (procedure, status, error);
  if (status == GIMP_PDB_SUCCESS && op->output == DPG_OUTPUT_NEW_LAYER)
    GIMP_VALUES_SET_LAYER (result, 1, layer);
  return result;
}
