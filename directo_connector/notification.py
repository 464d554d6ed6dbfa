# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The toast every Directo button answers with (no Odoo import needed to build it)."""


def notification_action(title, message, kind="success", *, sticky=False, reload=True):
    """Client action showing an Odoo notification, then (by default) reloading the view so
    that states written by the button are visible."""
    params = {"title": title, "message": message, "type": kind, "sticky": sticky}
    if reload:
        params["next"] = {"type": "ir.actions.client", "tag": "soft_reload"}
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
