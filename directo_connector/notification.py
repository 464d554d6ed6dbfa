# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The toast every Directo button answers with (no Odoo import needed to build it)."""

#: CSS class of our toasts: keeps the line breaks of a message (static/src/scss).
NOTIFICATION_CLASS = "o_directo_notification"
#: Refreshes the record the button was clicked on, in place: the web client calls the
#: button's on-close handler, which reloads that record without rebuilding the page (a
#: settings page keeps its scroll position).
REFRESH_RECORD = {"type": "ir.actions.act_window_close"}
#: Reloads the whole current view (e.g. a list after an action from its Actions menu,
#: which has no on-close handler).
RELOAD_VIEW = {"type": "ir.actions.client", "tag": "soft_reload"}


def notification_action(title, message, kind="success", *, sticky=False, reload=True, then=None):
    """Client action showing an Odoo notification, then running ``then``; by default
    reloading the view so that states written by the button are visible.

    ``reload``: True reloads the view, "record" refreshes only the record in place,
    False does neither. ``then`` (an action) replaces the reload.
    """
    params = {
        "title": title,
        "message": message,
        "type": kind,
        "sticky": sticky,
        "className": NOTIFICATION_CLASS,
    }
    if then:
        params["next"] = then
    elif reload == "record":
        params["next"] = REFRESH_RECORD
    elif reload:
        params["next"] = RELOAD_VIEW
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
