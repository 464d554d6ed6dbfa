# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Row locks taken before writing rows that other transactions write too."""

from odoo.tools import SQL


def lock_rows_quietly(records):
    """Lock ``records``' rows (waiting for other writers), without a 'bad query' in the log
    when another transaction changed them since this one's snapshot.

    Under REPEATABLE READ the later of two writers of a row fails with a serialization
    failure, which Odoo (for a request) or the export (for its own transactions) retries.
    Locking first raises it here, quietly, instead of in an ORM update that Odoo would log
    as an ERROR; once locked, the rows cannot change under the writer.
    """
    if not records.ids:
        return
    records.env.cr.execute(
        SQL(
            "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE",
            SQL.identifier(records._table),
            tuple(records.ids),
        ),
        log_exceptions=False,
    )
