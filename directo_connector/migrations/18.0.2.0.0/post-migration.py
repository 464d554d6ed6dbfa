# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1 → 18.0.2: the export state in one field plus the Directo document fact.

Before: ``directo_state`` (to_send/sent/failed) and four booleans (``directo_stored``,
``directo_confirmed``, ``directo_duplicate``, ``directo_outcome_unknown``) plus the link to
the last exchange. After: ``directo_state`` (to_send/sending/sent/unknown/failed),
``directo_document`` (maybe/draft/confirmed/taken) and one attempt per past exchange link.
The old columns are dropped once their values are carried over.
"""

import logging

_logger = logging.getLogger(__name__)

OLD_COLUMNS = (
    "directo_stored",
    "directo_confirmed",
    "directo_duplicate",
    "directo_outcome_unknown",
    "directo_exchange_id",
)


def _existing_columns(cr):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = 'account_move' AND column_name IN %s""",
        [OLD_COLUMNS],
    )
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    columns = _existing_columns(cr)
    if "directo_stored" not in columns:
        return
    # What Directo holds: confirmed > draft (stored, answered) > maybe (stored, no answer)
    # > taken (Duplicate of a number Odoo never stored).
    cr.execute(
        """
        UPDATE account_move SET directo_document = CASE
                 WHEN directo_confirmed THEN 'confirmed'
                 WHEN directo_stored AND directo_outcome_unknown THEN 'maybe'
                 WHEN directo_stored THEN 'draft'
                 WHEN directo_duplicate THEN 'taken'
               END
         WHERE directo_confirmed OR directo_stored OR directo_duplicate
        """
    )
    # The answer was lost: the new state says so, and the job resends it as an update.
    cr.execute(
        """UPDATE account_move SET directo_state = 'unknown'
            WHERE directo_outcome_unknown AND directo_state = 'failed'
              AND directo_confirmed IS NOT TRUE"""
    )
    if "directo_exchange_id" in columns:
        cr.execute(
            """
            INSERT INTO directo_export_attempt
                   (move_id, company_id, number, "update", state, message, exchange_id,
                    create_uid, write_uid, create_date, write_date)
            SELECT m.id, m.company_id, m.directo_number::text, m.directo_stored,
                   CASE m.directo_state WHEN 'sent' THEN 'sent'
                        WHEN 'unknown' THEN 'unknown' ELSE 'failed' END,
                   m.directo_error, m.directo_exchange_id,
                   e.create_uid, e.write_uid, e.create_date, e.write_date
              FROM account_move m JOIN directo_exchange e ON e.id = m.directo_exchange_id
            """
        )
    for column in columns:
        cr.execute(f'ALTER TABLE account_move DROP COLUMN IF EXISTS "{column}"')
    _logger.info("directo_connector: export state migrated to directo_document")
