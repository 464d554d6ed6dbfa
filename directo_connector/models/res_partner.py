# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from contextlib import contextmanager, nullcontext

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.sql import create_index, escape_psql, index_exists

_logger = logging.getLogger(__name__)

#: One client code per company in PostgreSQL too: two transactions creating the same code
#: at once both pass the Python check (neither sees the other's row before it commits).
#: Directo ignores the case of codes, so the index does too (K001 and k001 are one code).
DIRECTO_CODE_INDEX = "res_partner_directo_code_ci_uniq"
#: Looks clients up by code as Directo sees it (the uniqueness check joins on it).
DIRECTO_CODE_LOOKUP_INDEX = "res_partner_directo_code_lower_index"
#: The index of earlier versions (case-sensitive): replaced.
OLD_DIRECTO_CODE_INDEX = "res_partner_directo_code_company_uniq"
# Same rows as the Python check: commercial partners (no parent) with a code. Clients
# without a company share the key 0.
_DIRECTO_CODE_KEY = SQL("COALESCE(company_id, 0), lower(directo_code)")
_DIRECTO_CODE_ROWS = SQL("directo_code IS NOT NULL AND directo_code != '' AND parent_id IS NULL")
#: Joins ``o``, the other clients holding the code of client ``p`` as Directo sees it: case
#: ignored, the same company, or one of the two shared by all companies.
_SAME_CODE_HOLDER = SQL(
    """JOIN res_partner o
         ON lower(o.directo_code) = lower(p.directo_code) AND o.id != p.id
        AND o.parent_id IS NULL
        AND (p.company_id IS NULL OR o.company_id IS NULL OR p.company_id = o.company_id)"""
)

# What Directo's partial client update (xd_customer_update=1) changes.
DIRECTO_SYNC_FIELDS = ("name", "email", "phone")


class ResPartner(models.Model):
    _inherit = "res.partner"

    directo_code = fields.Char(
        string="Directo Client Code",
        copy=False,
        index="btree_not_null",
        help="Client code in Directo: the key that links this client to Directo.",
    )
    directo_contact_code = fields.Char(
        copy=False,
        index="btree_not_null",
        help="Code of the contact person in Directo: links this contact to it, so a later "
        "import updates it instead of adding it again.",
    )
    directo_default_resource_id = fields.Many2one(
        "res.users",
        string="Default Resource",
        help="Team member sent to Directo as object/salesman code on invoice rows that have "
        "no resource of their own.",
    )
    directo_default_resource_is_user = fields.Boolean(
        string="Default Resource: Default User",
        help="When a row has no resource and no default resource is set, use the client's "
        "salesperson (default user) as the row's resource.",
    )

    def init(self):
        result = super().init()
        self._directo_create_code_index()
        self._directo_create_code_lookup_index()
        return result

    def _directo_create_code_lookup_index(self):
        """The code as Directo sees it (case ignored), for the uniqueness check's join:
        without it every check reads the whole partner table (60,000 clients: 9.3 s per
        batch of 500, 1.3 ms with it)."""
        create_index(self.env.cr, DIRECTO_CODE_LOOKUP_INDEX, self._table, ["lower(directo_code)"])

    def _directo_create_code_index(self):
        """Create the client-code index; an install or update that finds codes which are
        not unique (as Directo sees them: case ignored, a shared client against every
        company's) stops and lists them: the index would not hold otherwise."""
        cr = self.env.cr
        if index_exists(cr, DIRECTO_CODE_INDEX):
            return
        duplicates = self._directo_duplicate_codes()
        if duplicates:
            raise UserError(
                self.env._(
                    "Directo client codes must be unique per company, whatever their case, "
                    "and a client shared by all companies must not share its code with "
                    "another client. Give these clients distinct codes (or archive and clear "
                    "the code of the wrong one), then update the module again:\n%(list)s",
                    list="\n".join(
                        "%s: %s" % (code, ", ".join("%s (id %s)" % row[::-1] for row in rows))
                        for code, rows in duplicates
                    ),
                )
            )
        if index_exists(cr, OLD_DIRECTO_CODE_INDEX):
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(OLD_DIRECTO_CODE_INDEX)))
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX %s ON res_partner (%s) WHERE %s",
                SQL.identifier(DIRECTO_CODE_INDEX),
                _DIRECTO_CODE_KEY,
                _DIRECTO_CODE_ROWS,
            )
        )

    def _directo_duplicate_codes(self, limit=50):
        """[(code, [(partner id, name)])] of client codes held twice as Directo sees it."""
        self.env.cr.execute(
            SQL(
                """
                SELECT min(p.directo_code), array_agg(DISTINCT p.id ORDER BY p.id)
                  FROM res_partner p %s
                 WHERE p.directo_code IS NOT NULL AND p.directo_code != ''
                   AND p.parent_id IS NULL
                 GROUP BY lower(p.directo_code)
                 ORDER BY 1
                 LIMIT %s
                """,
                _SAME_CODE_HOLDER,
                limit,
            )
        )
        rows = self.env.cr.fetchall()
        partners = (
            self.sudo()
            .with_context(active_test=False)
            .browse([pid for _code, ids in rows for pid in ids])
        )
        names = {partner.id: partner.display_name for partner in partners}
        return [(code, [(pid, names.get(pid, "")) for pid in ids]) for code, ids in rows]

    @api.model_create_multi
    def create(self, vals_list):
        claims = [
            (vals.get("name") or "", vals["directo_code"], vals.get("company_id") or False)
            for vals in vals_list
            if vals.get("directo_code") and not vals.get("parent_id")
        ]
        if not claims:
            return super().create(vals_list)
        with self._directo_code_index_guard(claims):
            return super().create(vals_list)

    def write(self, vals):
        with self._directo_sync_watch(vals), self._directo_code_write_guard(vals):
            return super().write(vals)

    @contextmanager
    def _directo_sync_watch(self, vals):
        """Linked clients whose name, e-mail or phone the write changes are marked for
        Directo's partial update (not when the values come from Directo)."""
        watched = [name for name in DIRECTO_SYNC_FIELDS if name in vals]
        if not watched or self.env.context.get("directo_from_directo"):
            yield
            return
        linked = self.filtered(lambda p: p.directo_code and not p.parent_id)
        before = {p.id: tuple(p[name] for name in DIRECTO_SYNC_FIELDS) for p in linked}
        yield
        changed = linked.filtered(
            lambda p: tuple(p[name] for name in DIRECTO_SYNC_FIELDS) != before[p.id]
        )
        if changed:
            self.env["directo.customer.export"]._mark_update_pending(changed)

    def _directo_code_write_guard(self, vals):
        """The client-code index guard for a write that sets or moves a code."""
        moves_code = vals.get("directo_code") or (
            ("parent_id" in vals or "company_id" in vals) and any(self.mapped("directo_code"))
        )
        if not moves_code:
            return nullcontext()
        # The codes as written (a refusal rolls the written values back). The guard's
        # savepoint flushes on exit: a clash found at some later flush could not name the
        # client.
        claims = [
            (
                partner.display_name,
                vals.get("directo_code", partner.directo_code),
                vals.get("company_id", partner.company_id.id),
            )
            for partner in self
            if not vals.get("parent_id", partner.parent_id)
        ]
        return self._directo_code_index_guard(claims)

    @contextmanager
    def _directo_code_index_guard(self, claims):
        """Turn the index's refusal into the Python check's message.

        ``claims``: (name, code, company id) of the clients being created or written.
        The savepoint keeps this transaction usable after PostgreSQL refuses, to look the
        other client up (it may be this very transaction's own, uncommitted one).
        """
        try:
            with self.env.cr.savepoint():
                yield
        except errors.UniqueViolation as error:
            if error.diag.constraint_name != DIRECTO_CODE_INDEX:
                raise
            raise ValidationError(self._directo_code_holder_message(claims)) from error

    def _directo_code_holder_message(self, claims):
        """Message naming the client that already holds one of ``claims``' codes."""
        partners = self.sudo().with_context(active_test=False)
        message = partners._directo_code_holder_in(claims)
        if message:
            return message
        # Committed by another transaction after this one started: invisible here (that
        # is why the Python check let it through), visible to a transaction of its own.
        with self.env.registry.cursor() as cr:
            message = partners.with_env(partners.env(cr=cr))._directo_code_holder_in(claims)
        return message or self.env._(
            "Directo client code %(code)s is already used by another client. Each client "
            "code links one client.",
            code=", ".join(code for _name, code, _company in claims if code),
        )

    def _directo_code_holder_in(self, claims):
        for name, code, company_id in claims:
            if not code:
                continue
            holder = self.search(
                [
                    ("directo_code", "=ilike", escape_psql(code)),
                    ("parent_id", "=", False),
                    *([("company_id", "in", [company_id, False])] if company_id else []),
                    ("id", "not in", self.ids),
                ],
                limit=1,
            )
            if holder:
                return self._directo_code_taken_message(code, name, holder)
        return None

    @api.model
    def _directo_code_taken_message(self, code, partner_name, holder):
        other = holder.display_name
        if not holder.active:
            other = self.env._("%(partner)s (archived)", partner=other)
        return self.env._(
            "Directo client code %(code)s of %(partner)s is already used by "
            "%(other)s. Each client code links one client.",
            code=code,
            partner=partner_name,
            other=other,
        )

    @api.constrains("directo_code", "company_id", "parent_id", "is_company")
    def _check_directo_code_unique(self):
        """One client per code as Directo sees it: case ignored, per company, and a client
        shared by all companies against every company's. Every holder counts: archived
        clients and clients the user cannot see keep their code. One query per batch
        (imports create thousands of clients at once)."""
        partners = self.filtered(lambda p: p.directo_code and not p.parent_id)
        if not partners:
            return
        self.flush_model(["directo_code", "company_id", "parent_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, o.id
                  FROM res_partner p %s
                 WHERE p.id IN %s
                 ORDER BY p.id, o.id
                 LIMIT 1
                """,
                _SAME_CODE_HOLDER,
                tuple(partners.ids),
            )
        )
        clash = self.env.cr.fetchone()
        if clash:
            Partner = self.sudo().with_context(active_test=False)
            partner, other = Partner.browse(clash[0]), Partner.browse(clash[1])
            raise ValidationError(
                self._directo_code_taken_message(other.directo_code, partner.display_name, other)
            )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "directo_default_resource_id",
            "directo_default_resource_is_user",
        ]

    @api.model
    def _search_display_name(self, operator, value):
        """Find clients by their Directo client code too (searches, many2one dropdowns)."""
        domain = super()._search_display_name(operator, value)
        if value and operator not in expression.NEGATIVE_TERM_OPERATORS:
            domain = expression.OR([domain, [("directo_code", operator, value)]])
        return domain

    # ------------------------------------------------------------------ Customers in
    # Clients created in Directo from Odoo, and their name/e-mail/phone kept in step
    # (models/directo_customer_export.py does the sending). Kept in one block on purpose.

    directo_code_pending = fields.Char(
        string="Directo Client Code Pending",
        copy=False,
        readonly=True,
        help="The code Odoo asked Directo to create this client with, while the answer is "
        "awaited or after it was lost. The next 'Create in Directo' uses the same code and "
        "links the client when Directo has it.",
    )
    directo_update_pending = fields.Boolean(
        copy=False,
        readonly=True,
        help="The name, e-mail or phone changed in Odoo since Directo last got them.",
    )
    directo_update_error = fields.Text(
        copy=False,
        readonly=True,
        help="Why Directo did not take the last update of the name, e-mail and phone.",
    )
    directo_creatable = fields.Boolean(
        compute="_compute_directo_customers_in",
        help="A client without Directo client code whose company creates clients in Directo.",
    )
    directo_sync_mode = fields.Selection(
        lambda self: self.env["res.company"]._fields["directo_customer_sync"].selection,
        compute="_compute_directo_customers_in",
        string="Directo Keep in Step",
    )

    @api.depends_context("company")
    @api.depends(
        "directo_code",
        "parent_id",
        "company_id.directo_customer_export",
        "company_id.directo_customer_sync",
    )
    def _compute_directo_customers_in(self):
        for partner in self:
            company = partner._directo_company()
            partner.directo_creatable = bool(
                company.directo_customer_export
                and not partner.parent_id
                and not partner.directo_code
            )
            partner.directo_sync_mode = (
                company.directo_customer_sync if company.directo_customer_export else "off"
            )

    def _directo_company(self):
        """The company whose Directo holds this client (a shared client: the user's)."""
        self.ensure_one()
        return self.company_id or self.env.company

    def _directo_selection(self):
        partners = self or self.browse(self.env.context.get("active_ids", []))
        if not partners:
            raise UserError(self.env._("Select the clients first."))
        # A contact person stands for its company: Directo knows companies only.
        return partners.commercial_partner_id

    def action_directo_create(self):
        """Form button / list action: the dialog creating the clients in Directo."""
        return self.env["directo.customer.wizard"]._open_for(self._directo_selection())

    def action_directo_update(self):
        """Form button / list action: send the name, e-mail and phone to Directo now."""
        return self.env["directo.customer.export"]._update_action(self._directo_selection())
