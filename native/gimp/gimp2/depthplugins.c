/*
 * GIMP 2.10 front end: query() registers every operation of dpg_operations with GimpParamDefs built from the
 * table; run() takes the arguments (non-interactive), the last values (gimp_get_data) or a GTK dialog, checks
 * the drawables, and runs the operation on the selection bounds: in place through a shadow buffer merged as one
 * undo step, or into a new layer added above the drawable.
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "../common/dp-gimp.h"

#define MAX_ARGS   8
#define MAX_STRING 4096

/* Last values as stored with gimp_set_data: one slot per argument. */
typedef struct
{
  gint32  ints[MAX_ARGS];
  gdouble doubles[MAX_ARGS];
  gint32  drawables[MAX_ARGS];
  gchar   strings[MAX_ARGS][MAX_STRING];
} LastValues;

static void query (void);
static void run (const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals,
                 GimpParam **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };

MAIN ()

static GimpPDBArgType
pdb_type (const DpgArg *a)
{
  switch (a->type)
    {
    case DPG_ARG_DRAWABLE: return GIMP_PDB_DRAWABLE;
    case DPG_ARG_INT:      return GIMP_PDB_INT32;
    case DPG_ARG_DOUBLE:   return GIMP_PDB_FLOAT;
    case DPG_ARG_STRING:   return GIMP_PDB_STRING;
    }
  g_return_val_if_reached (GIMP_PDB_END);
}

static void
query (void)
{
  static GimpParamDef layer_return[] = { { GIMP_PDB_LAYER, (gchar *) "layer", (gchar *) "The new layer" } };
  int                 i, j;

  for (i = 0; i < dpg_n_operations; i++)
    {
      const DpgOperation *op = &dpg_operations[i];
      gboolean            new_layer = op->output == DPG_OUTPUT_NEW_LAYER;
      GimpParamDef        params[2 + MAX_ARGS] = {
        { GIMP_PDB_INT32, (gchar *) "run-mode", (gchar *) "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }" },
        { GIMP_PDB_IMAGE, (gchar *) "image", (gchar *) "Input image" },
      };

      g_assert (op->n_args <= MAX_ARGS);
      for (j = 0; j < op->n_args; j++)
        {
          params[2 + j].type        = pdb_type (&op->args[j]);
          params[2 + j].name        = (gchar *) op->args[j].name;
          params[2 + j].description = (gchar *) op->args[j].blurb;
        }
      gimp_install_procedure (op->name, op->blurb, op->help, DPG_AUTHOR, DPG_COPYRIGHT, DPG_DATE, op->menu_label,
                              DPG_IMAGE_TYPES, GIMP_PLUGIN, 2 + op->n_args, new_layer ? 1 : 0, params,
                              new_layer ? layer_return : NULL);
      if (op->menu_path)
        gimp_plugin_menu_register (op->name, op->menu_path);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Drawables                                                                                                   */
/* ---------------------------------------------------------------------------------------------------------- */

static gboolean
drawable_usable (gint32 id)
{
  return id > 0 && gimp_item_is_valid (id) && gimp_item_is_drawable (id) && ! gimp_item_is_group (id) &&
         ! gimp_drawable_is_indexed (id);
}

static gboolean
check_drawable (const DpgOperation *op, const DpgArg *a, gint32 id, gint32 image, GError **error)
{
  if (id <= 0 || ! gimp_item_is_valid (id) || ! gimp_item_is_drawable (id))
    {
      g_set_error (error, DPG_ERROR, 0, "%s: %s is not a drawable (layer, channel or mask); choose one.", op->title,
                   a->name);
      return FALSE;
    }
  if (gimp_item_is_group (id) || gimp_drawable_is_indexed (id))
    {
      gchar *name = gimp_item_get_name (id);

      g_set_error (error, DPG_ERROR, 0, "%s: %s '%s' is a %s; use an RGB or greyscale layer or channel.", op->title,
                   a->name, name, gimp_item_is_group (id) ? "layer group" : "indexed-colour layer");
      g_free (name);
      return FALSE;
    }
  if (a->target && gimp_item_get_image (id) != image)
    {
      g_set_error (error, DPG_ERROR, 0, "%s: %s does not belong to the image.", op->title, a->name);
      return FALSE;
    }
  return TRUE;
}

/* Dialog choices for a non-target drawable: any usable drawable of the target's size except the target. */
static gboolean
same_size_other (gint32 image, gint32 id, gpointer data)
{
  gint32 target = GPOINTER_TO_INT (data);

  (void) image;
  return id != target && drawable_usable (id) && gimp_drawable_width (id) == gimp_drawable_width (target) &&
         gimp_drawable_height (id) == gimp_drawable_height (target);
}

/* For a menu run (interactive or "Repeat"): a drawable argument whose last value is gone gets the first other
 * layer of the target's size. */
static void
default_drawables (const DpgOperation *op, gint32 image, gint32 target, LastValues *v)
{
  gint    n = 0;
  gint32 *layers;
  int     i, j;

  layers = gimp_image_get_layers (image, &n);
  for (i = 0; i < op->n_args; i++)
    if (op->args[i].type == DPG_ARG_DRAWABLE && ! op->args[i].target &&
        ! same_size_other (image, v->drawables[i], GINT_TO_POINTER (target)))
      {
        v->drawables[i] = -1;
        for (j = 0; j < n && v->drawables[i] == -1; j++)
          if (same_size_other (image, layers[j], GINT_TO_POINTER (target)))
            v->drawables[i] = layers[j];
      }
  g_free (layers);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Dialog                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

static gboolean
dialog (const DpgOperation *op, gint32 target, LastValues *v)
{
  GtkWidget *dlg, *table;
  GtkWidget *widgets[MAX_ARGS]     = { NULL };
  GtkObject *adjustments[MAX_ARGS] = { NULL };
  gboolean   ok;
  int        i, row = 0;

  gimp_ui_init (DPG_BINARY, FALSE);
  dlg = gimp_dialog_new (op->title, DPG_BINARY, NULL, 0, gimp_standard_help_func, op->name, "_Cancel",
                         GTK_RESPONSE_CANCEL, "_OK", GTK_RESPONSE_OK, NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dlg), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
  gtk_dialog_set_default_response (GTK_DIALOG (dlg), GTK_RESPONSE_OK);
  gimp_window_set_transient (GTK_WINDOW (dlg));

  table = gtk_table_new (op->n_args, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_container_set_border_width (GTK_CONTAINER (table), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dlg))), table, TRUE, TRUE, 0);

  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      if (a->type == DPG_ARG_DRAWABLE && a->target)
        continue;
      if (a->type == DPG_ARG_DRAWABLE)
        {
          widgets[i] = gimp_drawable_combo_box_new (same_size_other, GINT_TO_POINTER (target));
          if (! gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (widgets[i]), v->drawables[i]))
            gtk_combo_box_set_active (GTK_COMBO_BOX (widgets[i]), 0);
        }
      else if (a->type == DPG_ARG_INT && a->choices)
        {
          widgets[i] = gimp_int_combo_box_new_array (g_strv_length ((gchar **) a->choices), (const gchar **) a->choices);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (widgets[i]), v->ints[i] - (int) a->min);
        }
      else if (a->type == DPG_ARG_STRING)
        {
          widgets[i] = gtk_entry_new ();
          gtk_entry_set_text (GTK_ENTRY (widgets[i]), v->strings[i]);
          gtk_entry_set_width_chars (GTK_ENTRY (widgets[i]), 40);
        }
      else
        {
          gboolean is_int = a->type == DPG_ARG_INT;
          double   range  = a->max - a->min;

          adjustments[i] = gimp_scale_entry_new (GTK_TABLE (table), 0, row++, a->label, 200, 6,
                                                 is_int ? v->ints[i] : v->doubles[i], a->min, a->max,
                                                 is_int ? 1 : range / 100, is_int ? 10 : range / 10, is_int ? 0 : 3,
                                                 TRUE, 0, 0, a->blurb, NULL);
          continue;
        }
      gimp_help_set_help_data (widgets[i], a->blurb, NULL);
      gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, a->label, 0.0, 0.5, widgets[i], 2, FALSE);
    }
  gtk_widget_show_all (dlg);

  ok = gimp_dialog_run (GIMP_DIALOG (dlg)) == GTK_RESPONSE_OK;
  if (ok)
    for (i = 0; i < op->n_args; i++)
      {
        const DpgArg *a = &op->args[i];
        gint          id;

        if (adjustments[i] && a->type == DPG_ARG_INT)
          v->ints[i] = (gint32) gtk_adjustment_get_value (GTK_ADJUSTMENT (adjustments[i]));
        else if (adjustments[i])
          v->doubles[i] = gtk_adjustment_get_value (GTK_ADJUSTMENT (adjustments[i]));
        else if (widgets[i] && a->type == DPG_ARG_DRAWABLE)
          v->drawables[i] = gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (widgets[i]), &id) ? id : -1;
        else if (widgets[i] && a->type == DPG_ARG_INT)
          v->ints[i] = gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (widgets[i]), &id) ? id + (int) a->min
                                                                                           : (int) a->min;
        else if (widgets[i] && a->type == DPG_ARG_STRING)
          g_strlcpy (v->strings[i], gtk_entry_get_text (GTK_ENTRY (widgets[i])), MAX_STRING);
      }
  gtk_widget_destroy (dlg);
  return ok;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Run                                                                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

static void
defaults (const DpgOperation *op, LastValues *v)
{
  int i;

  memset (v, 0, sizeof *v);
  for (i = 0; i < op->n_args; i++)
    {
      v->ints[i]      = (gint32) op->args[i].def;
      v->doubles[i]   = op->args[i].def;
      v->drawables[i] = -1;
      if (op->args[i].def_string)
        g_strlcpy (v->strings[i], op->args[i].def_string, MAX_STRING);
    }
}

/* Runs op with the values in v on image. Returns FALSE with *error on failure; *layer receives the new layer of a
 * DPG_OUTPUT_NEW_LAYER operation. The image changes by one undo step, or not at all. */
static gboolean
execute (const DpgOperation *op, gint32 image, const LastValues *v, gint32 *layer, GError **error)
{
  DpgValue values[MAX_ARGS];
  DpgCall  call;
  gint32   target = v->drawables[dpg_target_arg (op)];
  gint32   output;
  gint     x, y, w, h;
  gboolean ok;
  int      i;

  memset (values, 0, sizeof values);
  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      switch (a->type)
        {
        case DPG_ARG_DRAWABLE:
          if (! check_drawable (op, a, v->drawables[i], image, error))
            return FALSE;
          break;
        case DPG_ARG_INT:    values[i].i = v->ints[i]; break;
        case DPG_ARG_DOUBLE: values[i].d = v->doubles[i]; break;
        case DPG_ARG_STRING: values[i].s = v->strings[i]; break;
        }
    }
  if (! dpg_check_ranges (op, values, error))
    return FALSE;

  if (! gimp_drawable_mask_intersect (target, &x, &y, &w, &h))
    {
      g_set_error (error, DPG_ERROR, 0, "%s: the selection does not touch the drawable.", op->title);
      return FALSE;
    }

  for (i = 0; i < op->n_args; i++)
    if (op->args[i].type == DPG_ARG_DRAWABLE)
      {
        DpgDrawable *d = &values[i].drawable;

        d->buffer = gimp_drawable_get_buffer (v->drawables[i]);
        d->format = gimp_drawable_get_format (v->drawables[i]);
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
      output = gimp_layer_new (image, op->layer_name, w, h,
                               gimp_image_base_type (image) == GIMP_GRAY ? GIMP_GRAY_IMAGE : GIMP_RGB_IMAGE, 100.0,
                               GIMP_LAYER_MODE_NORMAL);
      call.output      = gimp_drawable_get_buffer (output);
      call.output_rect = (GeglRectangle){ 0, 0, w, h };
    }
  call.output_format = gimp_drawable_get_format (output);

  ok = op->run (op, &call, error);

  gegl_buffer_flush (call.output);
  g_object_unref (call.output);
  for (i = 0; i < op->n_args; i++)
    if (op->args[i].type == DPG_ARG_DRAWABLE)
      g_object_unref (values[i].drawable.buffer);

  if (op->output == DPG_OUTPUT_IN_PLACE && ok)
    {
      gimp_drawable_merge_shadow (target, TRUE); /* one undo step; blends with the selection mask */
      gimp_drawable_update (target, x, y, w, h);
    }
  else if (op->output == DPG_OUTPUT_NEW_LAYER && ok)
    {
      gint ox = 0, oy = 0;

      if (gimp_item_is_layer (target))
        gimp_drawable_offsets (target, &ox, &oy);
      gimp_layer_set_offsets (output, ox + x, oy + y);
      gimp_image_insert_layer (image, output, gimp_item_is_layer (target) ? gimp_item_get_parent (target) : 0,
                               gimp_item_is_layer (target) ? gimp_image_get_item_position (image, target) : 0);
      *layer = output;
    }
  else if (op->output == DPG_OUTPUT_NEW_LAYER)
    gimp_item_delete (output);
  return ok;
}

static void
run (const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals, GimpParam **return_vals)
{
  static GimpParam    values[2];
  static LastValues   v; /* static: 32 KiB of strings */
  const DpgOperation *op       = dpg_find_operation (name);
  GimpRunMode         run_mode = param[0].data.d_int32;
  gint32              image    = param[1].data.d_image;
  GimpPDBStatusType   status   = GIMP_PDB_SUCCESS;
  GError             *error    = NULL;
  gint32              layer    = -1;
  int                 target, i;

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type          = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
  if (op == NULL)
    return;
  target = dpg_target_arg (op);

  gegl_init (NULL, NULL);
  if (! dpg_check_library (&error))
    goto done;

  defaults (op, &v);
  if (run_mode == GIMP_RUN_NONINTERACTIVE)
    {
      if (nparams != 2 + op->n_args)
        {
          g_set_error (&error, DPG_ERROR, 0, "%s: expected %d arguments, got %d", op->title, 2 + op->n_args,
                       nparams);
          status = GIMP_PDB_CALLING_ERROR;
          goto done;
        }
      for (i = 0; i < op->n_args; i++)
        {
          const GimpParam *p = &param[2 + i];

          switch (op->args[i].type)
            {
            case DPG_ARG_DRAWABLE: v.drawables[i] = p->data.d_drawable; break;
            case DPG_ARG_INT:      v.ints[i] = p->data.d_int32; break;
            case DPG_ARG_DOUBLE:   v.doubles[i] = p->data.d_float; break;
            case DPG_ARG_STRING:   g_strlcpy (v.strings[i], p->data.d_string ? p->data.d_string : "", MAX_STRING); break;
            }
        }
    }
  else
    {
      if (gimp_get_data_size (op->name) == sizeof v)
        gimp_get_data (op->name, &v);
      v.drawables[target] = param[2 + target].data.d_drawable; /* the drawable the user invoked it on */
      default_drawables (op, image, v.drawables[target], &v);
      if (run_mode == GIMP_RUN_INTERACTIVE && ! dialog (op, v.drawables[target], &v))
        {
          status = GIMP_PDB_CANCEL;
          goto done;
        }
    }

  if (! execute (op, image, &v, &layer, &error))
    goto done;
  if (run_mode == GIMP_RUN_INTERACTIVE)
    gimp_set_data (op->name, &v, sizeof v);
  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  if (op->output == DPG_OUTPUT_NEW_LAYER)
    {
      *nreturn_vals          = 2;
      values[1].type         = GIMP_PDB_LAYER;
      values[1].data.d_layer = layer;
    }

done:
  if (error)
    {
      if (status == GIMP_PDB_SUCCESS)
        status = GIMP_PDB_EXECUTION_ERROR;
      *nreturn_vals           = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = g_strdup (error->message); /* GIMP shows it; scripts receive it */
      g_error_free (error);
    }
  values[0].data.d_status = status;
}
