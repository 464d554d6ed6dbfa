# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo.tools.sql import column_exists, create_column

_logger = logging.getLogger(__name__)


def pre_init_hook(env):
    """Create the invoice lines' resource column before the module's models are set up.

    ``account.move.line.directo_resource_id`` is a stored computed field: when the ORM
    creates its column it computes it on every existing journal item (minutes to hours on
    a big database, and all empty anyway, since no client has a default resource yet).
    With the column already there, the ORM leaves the existing rows empty; it still adds
    the foreign key to ``res_users``.
    """
    if not column_exists(env.cr, "account_move_line", "directo_resource_id"):
        create_column(env.cr, "account_move_line", "directo_resource_id", "int4")
        _logger.info("Created account_move_line.directo_resource_id (existing rows left empty)")
