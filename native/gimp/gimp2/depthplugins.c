/*
 * GIMP 2.10 front end: query() registers every operation of dpg_operations with GimpParamDefs built from the
 * table; run() takes the arguments (non-interactive), the last values (gimp_get_data) or a GTK dialog, checks
 * the drawables, and runs the operation on the selection bounds through a shadow buffer merged as one undo step.
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "../common/dp-gimp.h"

#define MAX_ARGS 16

/* Last values as stored with gimp_set_data: plain numbers and drawable IDs, one slot per argument. */
typedef struct
{
  gint32  ints[MAX_ARGS];
  gdouble doubles[MAX_ARGS];
  gint32  drawables[MAX_ARGS];
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
    }
  return GIMP_PDB_END;
}

static void
query (void)
{
  int i, j;

  for (i = 0; i < dpg_n_operations; i++)
    {
      const DpgOperation *op = &dpg_operations[i];
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
                              DPG_IMAGE_TYPES, GIMP_PLUGIN, 2 + op->n_args, 0, params, NULL);
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
      g_set_error (error, DPG_ERROR, 0, "%s: %s '%s' is a %s; use an RGB or greyscale layer or channel.", op->title,
                   a->name, gimp_item_get_name (id), gimp_item_is_group (id) ? "layer group" : "indexed-colour layer");
      return FALSE;
    }
  if (a->in_place && gimp_item_get_image (id) != image)
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

/* ---------------------------------------------------------------------------------------------------------- */
/* Dialog                                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

static gboolean
dialog (const DpgOperation *op, gint32 target, LastValues *v)
{
  GtkWidget *dlg, *table;
  GtkWidget *combos[MAX_ARGS] = { NULL };
  GtkObject *adjustments[MAX_ARGS] = { NULL };
  gboolean   ok;
  int        i, row = 0;

  gimp_ui_init (DPG_BINARY, FALSE);
  dlg = gimp_dialog_new (op->title, DPG_BINARY, NULL, 0, gimp_standard_help_func, op->name, "_Cancel",
                         GTK_RESPONSE_CANCEL, "_OK", GTK_RESPONSE_OK, NULL);
  gtk_dialog_set_alternative_button_order (GTK_DIALOG (dlg), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
  gimp_window_set_transient (GTK_WINDOW (dlg));

  table = gtk_table_new (op->n_args, 3, FALSE);
  gtk_table_set_col_spacings (GTK_TABLE (table), 6);
  gtk_table_set_row_spacings (GTK_TABLE (table), 6);
  gtk_container_set_border_width (GTK_CONTAINER (table), 12);
  gtk_box_pack_start (GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dlg))), table, TRUE, TRUE, 0);

  for (i = 0; i < op->n_args; i++)
    {
      const DpgArg *a = &op->args[i];

      if (a->type == DPG_ARG_DRAWABLE && ! a->in_place)
        {
          combos[i] = gimp_drawable_combo_box_new (same_size_other, GINT_TO_POINTER (target));
          if (! same_size_other (0, v->drawables[i], GINT_TO_POINTER (target)) ||
              ! gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combos[i]), v->drawables[i]))
            gtk_combo_box_set_active (GTK_COMBO_BOX (combos[i]), 0);
          gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, a->label, 0.0, 0.5, combos[i], 2, FALSE);
        }
      else if (a->type == DPG_ARG_INT && a->choices)
        {
          combos[i] = gimp_int_combo_box_new_array (g_strv_length ((gchar **) a->choices), (const gchar **) a->choices);
          gimp_int_combo_box_set_active (GIMP_INT_COMBO_BOX (combos[i]), v->ints[i] - (int) a->min);
          gimp_table_attach_aligned (GTK_TABLE (table), 0, row++, a->label, 0.0, 0.5, combos[i], 2, FALSE);
        }
      else if (a->type == DPG_ARG_INT || a->type == DPG_ARG_DOUBLE)
        {
          gboolean is_int = a->type == DPG_ARG_INT;
          double   value  = is_int ? v->ints[i] : v->doubles[i];
          double   range  = a->max - a->min;

          adjustments[i] = gimp_scale_entry_new (GTK_TABLE (table), 0, row++, a->label, 200, 6, value, a->min, a->max,
                                                 is_int ? 1 : range / 100, is_int ? 10 : range / 10, is_int ? 0 : 3,
                                                 TRUE, 0, 0, a->blurb, NULL);
        }
    }
  gtk_widget_show_all (dlg);

  ok = gimp_dialog_run (GIMP_DIALOG (dlg)) == GTK_RESPONSE_OK;
  if (ok)
    for (i = 0; i < op->n_args; i++)
      {
        const DpgArg *a = &op->args[i];
        gint          id;

        if (a->type == DPG_ARG_DRAWABLE && combos[i])
          v->drawables[i] = gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combos[i]), &id) ? id : -1;
        else if (a->type == DPG_ARG_INT && combos[i])
          v->ints[i] = gimp_int_combo_box_get_active (GIMP_INT_COMBO_BOX (combos[i]), &id) ? id + (int) a->min
                                                                                          : (int) a->min;
        else if (a->type == DPG_ARG_INT && adjustments[i])
          v->ints[i] = (gint32) gtk_adjustment_get_value (GTK_ADJUSTMENT (adjustments[i]));
        else if (a->type == DPG_ARG_DOUBLE && adjustments[i])
          v->doubles[i] = gtk_adjustment_get_value (GTK_ADJUSTMENT (adjustments[i]));
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
    }
}

/* Runs op with the drawables/numbers in v on image; returns FALSE with *error on failure. One undo step. */
static gboolean
execute (const DpgOperation *op, gint32 image, const LastValues *v, GError **error)
{
  DpgValue   values[MAX_ARGS];
  DpgCall    call;
  int        target = dpg_in_place_arg (op);
  gint32     target_id;
  gint       x, y, w, h;
  gboolean   ok;
  int        i;

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
        }
    }
  if (! dpg_check_ranges (op, values, error))
    return FALSE;

  target_id = v->drawables[target];
  if (! gimp_drawable_mask_intersect (target_id, &x, &y, &w, &h))
    return TRUE; /* The selection does not touch the drawable: nothing to do. */

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
  call.shadow = gimp_drawable_get_shadow_buffer (target_id);
  call.bounds = (GeglRectangle){ x, y, w, h };

  ok = op->run (op, &call, error);

  g_object_unref (call.shadow);
  for (i = 0; i < op->n_args; i++)
    if (op->args[i].type == DPG_ARG_DRAWABLE)
      g_object_unref (values[i].drawable.buffer);

  if (ok)
    {
      gimp_image_undo_group_start (image);
      gimp_drawable_merge_shadow (target_id, TRUE); /* blends with the selection mask */
      gimp_drawable_update (target_id, x, y, w, h);
      gimp_image_undo_group_end (image);
    }
  return ok;
}

static void
run (const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals, GimpParam **return_vals)
{
  static GimpParam    values[2];
  const DpgOperation *op       = dpg_find_operation (name);
  GimpRunMode         run_mode = param[0].data.d_int32;
  gint32              image    = param[1].data.d_image;
  GimpPDBStatusType   status   = GIMP_PDB_SUCCESS;
  GError             *error    = NULL;
  LastValues          v;
  int                 target, i;

  *nreturn_vals = 1;
  *return_vals  = values;
  values[0].type          = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_CALLING_ERROR;
  if (op == NULL)
    return;
  target = dpg_in_place_arg (op);

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
            }
        }
    }
  else
    {
      if (gimp_get_data_size (op->name) == sizeof v)
        gimp_get_data (op->name, &v);
      v.drawables[target] = param[2 + target].data.d_drawable; /* the drawable the user invoked it on */
      if (run_mode == GIMP_RUN_INTERACTIVE && ! dialog (op, v.drawables[target], &v))
        {
          status = GIMP_PDB_CANCEL;
          goto done;
        }
    }

  if (! execute (op, image, &v, &error))
    goto done;
  if (run_mode == GIMP_RUN_INTERACTIVE)
    gimp_set_data (op->name, &v, sizeof v);
  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

done:
  if (error)
    {
      if (status == GIMP_PDB_SUCCESS)
        status = GIMP_PDB_EXECUTION_ERROR;
      *nreturn_vals           = 2;
      values[1].type          = GIMP_PDB_STRING;
      values[1].data.d_string = g_strdup (error->message); /* GIMP shows it ("Execution error for ...") */
      g_error_free (error);
    }
  values[0].data.d_status = status;
}
