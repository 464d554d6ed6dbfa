# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..notification import notification_action
from .directo_import import BATCH_SIZE, FOREGROUND_LIMIT

MATCH_STATES = [
    ("new", "New"),
    ("linked", "Already linked"),
    ("probable", "Probably the same"),
    ("changed", "Changed"),
]

_SPACES = re.compile(r"\s+")


def normalize_key(value):
    """Comparable form of a VAT number / registration code / article reference."""
    return _SPACES.sub("", value or "").upper()


class DirectoImportLineMixin(models.AbstractModel):
    """What the client and article preview lines share: the run, the status, the pick."""

    _name = "directo.import.line.mixin"
    _description = "Directo Import Preview Line"
    _order = "code, id"

    import_id = fields.Many2one(
        "directo.import", required=True, readonly=True, index=True, ondelete="cascade"
    )
    code = fields.Char(string="Directo Code", required=True, readonly=True, index=True)
    name = fields.Char(readonly=True)
    match_state = fields.Selection(
        MATCH_STATES, string="Status", required=True, readonly=True, index=True
    )
    match_reason = fields.Char(string="Match", readonly=True)
    changes = fields.Text(string="Differences", readonly=True)
    added = fields.Boolean(readonly=True, index=True)
    queued = fields.Boolean(string="Waiting to Be Added", readonly=True)

    def _directo_fetch(self, client, run):
        """Read what ``run`` imports: ``(records, info)``, records being line values."""
        raise NotImplementedError

    def _directo_read_into(self, client, run):
        """Read what ``run`` imports and store it as its preview lines; returns ``info``
        (``read_count`` at least). This default reads everything, then stores it."""
        records, info = self._directo_fetch(client, run)
        with self.env.cr.savepoint():
            self._directo_match(run.company_id, records)
            self._directo_create_lines(run, records)
        return dict(info, read_count=info.get("read_count", len(records)))

    def _directo_create_lines(self, run, vals_list):
        """Store matched records as preview lines of ``run`` (batched)."""
        for chunk in split_every(BATCH_SIZE, vals_list):
            self.create([dict(vals, import_id=run.id) for vals in chunk])

    def _directo_match(self, company, vals_list):
        """Set ``match_state``/``match_reason``/``changes`` and the Odoo record on each dict."""
        raise NotImplementedError

    def _directo_apply(self):
        """Create or update the Odoo records of these lines; returns counts."""
        raise NotImplementedError

    @staticmethod
    def _directo_changes_text(diffs):
        return (
            "\n".join("%s: %s → %s" % (label, old or "–", new) for label, old, new in diffs)
            or False
        )

    def _directo_mark_added(self, record_by_line):
        """Mark lines added and point them at their Odoo record (one batched flush)."""
        lines = self.sudo()
        lines.write({"added": True, "queued": False, "match_state": "linked", "changes": False})
        for line, vals in lines._directo_added_vals(record_by_line).items():
            line.write(vals)

    def _directo_added_vals(self, record_by_line):
        """{line: values it gets once added}: its Odoo record."""
        field = self._directo_record_field
        return {line: {field: record_by_line[line.id]} for line in self}

    def action_directo_add(self):
        """ "Add selected": small selections at once, big ones in the background."""
        self.env["directo.import"]._directo_check_import_rights()
        lines = self.filtered(lambda line: not line.added)
        if not lines:
            raise UserError(self.env._("Select at least one line that has not been added yet."))
        runs = lines.import_id
        stale = runs.filtered(lambda run: run.state not in ("ready", "adding"))
        if stale:
            raise UserError(
                self.env._(
                    "%(name)s cannot be added from any more (%(state)s): open the newest import.",
                    name=stale[0].name,
                    state=dict(stale._fields["state"]._description_selection(self.env))[
                        stale[0].state
                    ],
                )
            )
        if len(lines) > FOREGROUND_LIMIT:
            lines.sudo().write({"queued": True})
            runs.sudo().write({"state": "adding", "user_id": self.env.uid})
            self.env["directo.import"]._directo_trigger()
            message = self.env._(
                "%(count)s lines are being added in the background. You will get a "
                "notification when it is done.",
                count=len(lines),
            )
            kind = "info"
        else:
            counts = {}
            for run in runs:
                for key, value in (
                    lines.filtered(lambda line, run=run: line.import_id == run)
                    ._directo_apply()
                    .items()
                ):
                    # Numbers add up; the names of the fields written join.
                    counts[key] = (
                        counts.get(key, set()) | value
                        if isinstance(value, set)
                        else counts.get(key, 0) + value
                    )
            message = runs[:1]._directo_summary(counts)
            kind = "success"
        runs._directo_close_preview_activity(message)
        return notification_action(
            self.env._("Directo"),
            message,
            kind,
        )
