# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reconciliation: does Directo agree with Odoo? Client balances compared, differences
explained (README "Reconciliation").

One run reads every open client of Directo once (``get what=customer``, streamed record by
record) and compares its ``balance`` with what Odoo expects, chunk by chunk: the clients of
a chunk are matched to partners by Directo client code, Odoo's balances of those partners
are summed in one query, and only the clients that differ get their documents and
receipts read to explain the difference. Memory does not grow with the number of clients:
the codes seen are kept in a temporary table (for the clients Directo no longer lists),
lines are written per chunk.
"""

import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

from ..xmldirect import DirectoError, DirectoNotActivated, reconcile
from ..xmldirect.outcome import OURS
from .directo_reconciliation_line import NOT_SENT_STATES

_logger = logging.getLogger(__name__)

#: Clients compared per chunk (one partner query, one balance query, lines written).
CHUNK_CLIENTS = 2000
ACTIVITY_TYPE = "directo_connector.mail_activity_type_reconciliation"
#: How often the scheduled action reconciles a company (its setting).
INTERVALS = {
    "daily": relativedelta(days=1),
    "weekly": relativedelta(weeks=1),
    "monthly": relativedelta(months=1),
}
#: Scheduled runs a little early are still due (the scheduled action is not punctual).
DUE_SLACK = timedelta(hours=2)


class DirectoReconciliation(models.Model):
    _name = "directo.reconciliation"
    _description = "Directo Reconciliation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )
    currency_id = fields.Many2one(related="company_id.currency_id", readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
        readonly=True,
        index=True,
    )
    trigger = fields.Selection(
        [("manual", "Reconcile now"), ("scheduled", "Scheduled")],
        default="manual",
        required=True,
        readonly=True,
    )
    tolerance = fields.Monetary(readonly=True, currency_field="currency_id")
    line_ids = fields.One2many(
        "directo.reconciliation.line", "reconciliation_id", string="Lines", readonly=True
    )
    client_count = fields.Integer(
        string="Clients Compared",
        readonly=True,
        help="Clients Directo listed with a balance, plus the clients Odoo counts a balance "
        "for that Directo did not list.",
    )
    difference_count = fields.Integer(
        string="Clients Differing",
        readonly=True,
        help="Clients whose balances differ by more than the tolerance.",
    )
    total_difference = fields.Monetary(
        readonly=True,
        currency_field="currency_id",
        help="Sum of the differences (balance in Directo minus balance in Odoo) of the "
        "clients differing.",
    )
    unexplained_total = fields.Monetary(
        string="Unexplained",
        readonly=True,
        currency_field="currency_id",
        help="Sum of the parts of the differences no cause explains.",
    )
    balance_mode = fields.Selection(
        [
            ("receipts", "Invoices minus Directo's receipts"),
            ("receivable", "Odoo's receivable"),
        ],
        string="Odoo Balance From",
        readonly=True,
        help="Invoices minus Directo's receipts: the totals of the documents Odoo sent "
        "minus what Directo reported as paid. Odoo's receivable: used when Directo's "
        "payments are registered as Odoo payments (Settings).",
    )
    error = fields.Text(readonly=True)

    @api.depends("date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._(
                "Reconciliation %(date)s",
                # The reader's date format and time zone, as the date field beside it.
                date=format_datetime(self.env, run.date, dt_format="short") if run.date else "",
            )

    # ------------------------------------------------------------------ entry points

    @api.model
    def _directo_check_manager(self):
        if not (self.env.su or self.env.user.has_group("account.group_account_manager")):
            raise AccessError(
                self.env._(
                    "%(user)s cannot reconcile with Directo: this needs the Invoicing access "
                    "right 'Administrator' in Settings > Users.",
                    user=self.env.user.name,
                )
            )

    def action_reconcile_now(self):
        """List and form button: reconcile the current company now and open the run."""
        self._directo_check_manager()
        # The run opens either way: a failed one says why at the top.
        run = self.env.company.directo_reconcile()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": run.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "directo_connector.directo_reconciliation_line_action"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {"search_default_differs": 1}
        action["name"] = self.display_name
        return action

    @api.model
    def _cron_reconcile(self):
        """Scheduled action: each connected company whose reconciliation is due."""
        companies = (
            self.env["res.company"].sudo().search([("directo_reconcile_interval", "!=", "off")])
        )
        companies._directo_for_each_company(
            lambda company: self.with_env(company.env)._directo_run_if_due(company),
            "reconciliation",
        )
        return True

    @api.model
    def _directo_run_if_due(self, company):
        if self._directo_due(company):
            self._directo_run(company, trigger="scheduled")._directo_leave_activity()

    @api.model
    def _directo_due(self, company):
        # A failed run (Directo unreachable...) is retried at the next call.
        last = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("trigger", "=", "scheduled"),
                ("state", "=", "done"),
            ],
            order="date desc",
            limit=1,
        )
        interval = INTERVALS.get(company.directo_reconcile_interval)
        if not interval:
            return False
        return not last or last.date + interval - DUE_SLACK <= fields.Datetime.now()

    # ------------------------------------------------------------------ the run

    @api.model
    def _directo_run(self, company, trigger="manual"):
        """One reconciliation of ``company``; returns the run (done or failed).

        A system job: it reads the company's invoices, receipts and partners. The
        comparison runs in a savepoint; the read's exchange is stored when the read ends:
        at its end (inside), or, when the comparison fails, when the read is closed after
        the savepoint was rolled back. It is kept either way.
        """
        company = company.sudo()
        self = self.sudo()
        run = self.create(
            {
                "company_id": company.id,
                "trigger": trigger,
                "tolerance": company.directo_reconcile_tolerance,
                "balance_mode": "receivable" if company.directo_payment_journal_id else "receipts",
            }
        )
        stats = {"clients": 0, "differing": 0, "total": 0.0, "unexplained": 0.0, "no_balance": 0}
        error = False
        try:
            customers = company._directo_client().iter_customers()
        except DirectoError as exc:
            customers, error = None, run._directo_read_error(exc)
        except UserError as exc:  # no key, not connected: said on the run
            customers, error = None, exc.args[0]
        if customers is not None:
            try:
                with self.env.cr.savepoint():
                    error = run._directo_compare(customers, stats)
            except Exception as exc:
                _logger.exception("Directo reconciliation of company %s failed", company.id)
                error = self.env._("Comparing the balances failed: %(error)s", error=exc)
                for key in stats:
                    stats[key] = 0
            finally:
                customers.close()
        run.write(
            {
                "state": "failed" if error else "done",
                "error": error,
                "client_count": stats["clients"],
                "difference_count": stats["differing"],
                "total_difference": stats["total"],
                "unexplained_total": stats["unexplained"],
            }
        )
        return run

    def _directo_compare(self, customers, stats):
        """Compare the streamed ``customers`` chunk by chunk; returns an error or False."""
        self.ensure_one()
        self.env.cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS directo_reconcile_seen (partner_id int) ON COMMIT DROP"
        )
        self.env.cr.execute("TRUNCATE directo_reconcile_seen")
        chunk = []
        try:
            for customer in customers:
                chunk.append(customer)
                if len(chunk) >= CHUNK_CLIENTS:
                    self._directo_compare_chunk(chunk, stats)
                    chunk = []
            if chunk:
                self._directo_compare_chunk(chunk, stats)
        except DirectoError as error:
            # Half a list compares nothing: the run fails as a whole.
            self.line_ids.unlink()
            for key in stats:
                stats[key] = 0
            return self._directo_read_error(error)
        if stats["no_balance"] and not stats["clients"]:
            return self.env._(
                "Directo's client list carries no balance (the attribute 'balance' of "
                "what=customer): nothing to compare. Ask Directo to include it in the XML "
                "Direct output of clients."
            )
        self._directo_compare_missing(stats)
        return False

    def _directo_read_error(self, error):
        _logger.warning(
            "Directo reconciliation of company %s: reading the clients failed: %s",
            self.company_id.id,
            error,
        )
        if isinstance(error, DirectoNotActivated):
            return self.company_id._directo_diagnose(error, False)
        return self.env._(
            "Reading the clients from Directo failed: %(error)s",
            error=self.company_id._directo_diagnose(error, False),
        )

    def _directo_compare_chunk(self, customers, stats):
        partners = self._directo_partners([c.code for c in customers])
        balances, pending = self._directo_odoo_balances(list(partners.values()))
        self.env.cr.execute(
            SQL(
                "INSERT INTO directo_reconcile_seen SELECT unnest(%s::int[])",
                list(partners.values()),
            )
        )
        with_receipts = self._directo_codes_with_unknown_receipts([c.code for c in customers])
        clients = []
        for customer in customers:
            if customer.balance is None:
                stats["no_balance"] += 1
                continue
            stats["clients"] += 1
            partner_id = partners.get(customer.code.lower())
            odoo = balances.get(partner_id, 0.0)
            directo = float(customer.balance)
            # Balances that agree are looked at only when Odoo knows of something that
            # could offset (documents not in Directo, receipts for unknown numbers).
            if (
                reconcile.differs(directo, odoo, self.tolerance, self.currency_id.decimal_places)
                or (partner_id and partner_id in pending)
                or customer.code.lower() in with_receipts
            ):
                clients.append((customer.code, customer.name, partner_id, directo, odoo))
        self._directo_write_lines(clients, stats)

    def _directo_compare_missing(self, stats):
        """Clients Odoo counts a balance for that Directo did not list."""
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT m.commercial_partner_id
                  FROM account_move m
                 WHERE m.company_id = %s AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.state = 'posted' AND m.directo_state IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM directo_reconcile_seen s
                                    WHERE s.partner_id = m.commercial_partner_id)
                 ORDER BY 1
                """,
                self.company_id.id,
            )
        )
        partner_ids = [row[0] for row in self.env.cr.fetchall()]
        digits = self.currency_id.decimal_places
        for start in range(0, len(partner_ids), CHUNK_CLIENTS):
            partners = self.env["res.partner"].browse(partner_ids[start : start + CHUNK_CLIENTS])
            balances, _pending = self._directo_odoo_balances(partners.ids)
            clients = []
            for partner in partners:
                odoo = balances.get(partner.id, 0.0)
                if reconcile.differs(0.0, odoo, self.tolerance, digits):
                    stats["clients"] += 1
                    clients.append((partner.directo_code or "", None, partner.id, None, odoo))
            self._directo_write_lines(clients, stats)

    # ------------------------------------------------------------------ Odoo's side

    def _directo_partners(self, codes):
        """``{Directo client code in lower case: partner id}``: the company's own client
        first, else a client shared by all companies. Codes are compared as Directo does,
        ignoring case (unique per company that way, see res.partner)."""
        self.env["res.partner"].flush_model(["directo_code", "parent_id", "company_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT lower(directo_code), id FROM res_partner
                 WHERE COALESCE(company_id, 0) IN (0, %s)
                   AND lower(directo_code) = ANY(%s) AND parent_id IS NULL
                 ORDER BY company_id NULLS FIRST, active, id DESC
                """,
                self.company_id.id,
                [code.lower() for code in codes],
            )
        )
        # Later rows win: the company's own, active, oldest.
        return dict(self.env.cr.fetchall())

    def _directo_open_amount(self):
        """SQL: what one invoice or credit note adds to Odoo's expected balance, in the
        company currency."""
        if self.balance_mode == "receivable":
            return SQL("m.amount_residual_signed")
        return SQL(
            "m.amount_total_signed - CASE WHEN m.amount_total != 0 THEN "
            "COALESCE(m.directo_amount_paid, 0) * m.amount_total_signed / m.amount_total "
            "ELSE 0 END"
        )

    def _directo_odoo_balances(self, partner_ids):
        """``({partner id: balance Odoo expects in Directo}, {partner ids with documents
        Directo may not hold as Odoo does})`` in one query."""
        if not partner_ids:
            return {}, set()
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       SUM(CASE WHEN m.state = 'posted' THEN %s ELSE 0 END),
                       COUNT(*) FILTER (WHERE m.state != 'posted' OR m.directo_state IN %s)
                  FROM account_move m
                 WHERE m.company_id = %s AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.commercial_partner_id = ANY(%s)
                   AND ((m.state = 'posted' AND m.directo_state IS NOT NULL)
                        OR (m.state != 'posted' AND m.directo_document IN %s
                            AND m.directo_number != 0))
                 GROUP BY 1
                """,
                self._directo_open_amount(),
                NOT_SENT_STATES,
                self.company_id.id,
                partner_ids,
                OURS,
            )
        )
        balances, pending = {}, set()
        for partner_id, amount, not_sent in self.env.cr.fetchall():
            balances[partner_id] = float(amount or 0.0)
            if not_sent:
                pending.add(partner_id)
        return balances, pending

    def _directo_codes_with_unknown_receipts(self, codes):
        """The client codes (lower case) of receipt rows paying invoice numbers Odoo does
        not know."""
        self.env["directo.receipt.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT lower(customer_code) FROM directo_receipt_line
                 WHERE company_id = %s AND match_state = 'unknown_invoice'
                   AND lower(customer_code) = ANY(%s)
                """,
                self.company_id.id,
                [code.lower() for code in codes],
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------ lines

    def _directo_write_lines(self, clients, stats):
        """Explain and store the clients of a chunk worth a line:
        ``[(code, name in Directo, partner id, Directo balance or None, Odoo balance)]``.

        A client whose balances differ always gets a line; one whose balances agree only
        when Odoo found causes that offset each other (e.g. an invoice still To send and
        one typed into Directo for the same amount): ``differs`` is off then.
        """
        if not clients:
            return
        Line = self.env["directo.reconciliation.line"]
        found = Line._directo_causes(
            self,
            [partner_id for _c, _n, partner_id, _d, _o in clients if partner_id],
            [code for code, _n, _p, _d, _o in clients],
        )
        digits = self.currency_id.decimal_places
        vals_list = []
        for code, name, partner_id, directo, odoo in clients:
            difference = round((directo or 0.0) - odoo, digits)
            causes, unexplained = self._directo_explain(
                code, partner_id, directo, difference, found
            )
            differs = reconcile.differs(difference, 0.0, self.tolerance, digits)
            if not differs and not any(
                cause.amount and reconcile.differs(cause.amount, 0.0, self.tolerance, digits)
                for cause in causes
            ):
                continue
            if differs:
                stats["differing"] += 1
                stats["total"] += difference
                stats["unexplained"] += unexplained
            vals_list.append(
                {
                    "reconciliation_id": self.id,
                    "partner_id": partner_id or False,
                    "directo_code": code,
                    "directo_name": name,
                    "directo_balance": directo or 0.0,
                    "odoo_balance": odoo,
                    "difference": difference,
                    "abs_difference": abs(difference),
                    "unexplained": unexplained,
                    "differs": differs,
                    "cause": reconcile.main_cause(causes),
                    "causes": [Line._directo_plain(cause) for cause in causes],
                    "move_ids": [
                        fields.Command.set(sorted({c.move_id for c in causes if c.move_id}))
                    ],
                }
            )
        Line.create(vals_list)

    def _directo_explain(self, code, partner_id, directo, difference, found):
        """(causes, unexplained amount) of one client."""
        digits = self.currency_id.decimal_places
        if partner_id is None:
            causes = [reconcile.Cause(reconcile.CLIENT_NOT_IN_ODOO, difference)]
            return reconcile.explain(difference, causes, (), self.tolerance, digits)
        causes, credit_notes = found.get(partner_id, ([], []))
        if directo is not None:
            # Receipts for numbers Odoo does not know are found by the client's code.
            causes = causes + found.get(code.lower(), ([], []))[0]
        causes, unexplained = reconcile.explain(
            difference, causes, credit_notes, self.tolerance, digits
        )
        if directo is None and code:
            # What Odoo counts for a client Directo does not list is explained by that.
            missing = [cause for cause in causes if cause.kind == reconcile.ONLY_IN_ODOO]
            if missing:
                causes = [c for c in causes if c not in missing] + [
                    reconcile.Cause(reconcile.CLIENT_NOT_IN_DIRECTO, missing[0].amount)
                ]
                unexplained = 0.0
        return causes, unexplained

    # ------------------------------------------------------------------ activity

    def _directo_leave_activity(self):
        """A scheduled run with differences leaves one activity for the accountant; the
        open ones of earlier runs of the company are closed (superseded)."""
        self.ensure_one()
        activity_type = self.env.ref(ACTIVITY_TYPE, raise_if_not_found=False)
        older = self.search(
            [("company_id", "=", self.company_id.id), ("id", "!=", self.id)]
        ).activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if older:
            older.action_feedback(
                feedback=self.env._("Superseded by %(run)s.", run=self.display_name)
            )
        if self.state != "done" or not self.difference_count:
            return
        user = self.company_id._directo_reconcile_responsible()
        # The note in the language (and number format) of the accountant who reads it.
        run = self.with_context(mail_activity_quick_update=True, lang=user.lang or self.env.lang)
        run.activity_schedule(
            ACTIVITY_TYPE,
            user_id=user.id,
            note=run.env._(
                "%(count)s client(s) of %(company)s differ between Directo and Odoo "
                "(total difference %(total)s).",
                count=run.difference_count,
                company=run.company_id.name,
                total=run.currency_id.format(run.total_difference),
            ),
        )
