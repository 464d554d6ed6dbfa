# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1 → 18.0.2: drop the old invoice form extension before the views are reloaded.

Its stored arch names fields that no longer exist (``directo_confirmed``…); views loaded
before it is rewritten would fail validation against it. It is recreated from the XML.
"""


def migrate(cr, version):
    cr.execute(
        """
        WITH gone AS (
            DELETE FROM ir_model_data
             WHERE module = 'directo_connector' AND model = 'ir.ui.view'
               AND name = 'view_move_form_directo'
         RETURNING res_id
        )
        DELETE FROM ir_ui_view WHERE id IN (SELECT res_id FROM gone)
        """
    )
