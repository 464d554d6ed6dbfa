# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..notification import notification_action
from ..xmldirect import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_URL,
    DIRECTO_DOMAIN,
    DirectoAnswerTooLarge,
    DirectoClient,
    DirectoError,
    DirectoNotActivated,
    DirectoTransientError,
    DirectoUnauthorized,
    DirectoUnavailable,
    DirectoUrlError,
    validate_url,
)
from ..xmldirect.redact import Redactor
from ..xmldirect.retry import DEFAULT_LIMIT as RETRY_LIMIT
from .directo_exchange import INLINE_BODY_LIMIT

_logger = logging.getLogger(__name__)

#: Feeds checked by Connect after the client and article reads (the help page's third
#: direction, Invoices in, the ones behind paid status and object code checks, and the
#: contact persons of the client import).
OTHER_FEEDS = (("invoice", "put"), ("receipt", "get"), ("object", "get"), ("contact", "get"))
#: System parameter: further https hosts the key may be sent to (comma-separated,
#: ``host`` or ``*.domain``), besides directo.ee and its subdomains and loopback.
ALLOWED_HOSTS_PARAM = "directo_connector.allowed_hosts"
#: System parameter: largest put answer (bytes) read into memory.
MAX_ANSWER_BYTES_PARAM = "directo_connector.max_answer_bytes"


class ResCompany(models.Model):
    _inherit = "res.company"

    directo_token = fields.Char(
        string="XML Direct Key",
        groups="base.group_system",
        copy=False,
        help="The key from the integration user's employee card in Directo "
        "(Admin tab, XML interfaces). Treated as a password.",
    )
    directo_url = fields.Char(
        string="Directo Endpoint",
        default=DEFAULT_URL,
        required=True,
        # The key is posted to this URL: only those who may read the key choose it.
        groups="base.group_system",
        help="XML Direct endpoint. Only https addresses on directo.ee (or hosts listed in "
        "the system parameter directo_connector.allowed_hosts) and this machine (loopback, "
        "e.g. a local test server; the only place plain http is accepted).",
    )
    directo_routing = fields.Selection(
        [
            ("both", "Query string and body"),
            ("query", "Query string"),
            ("body", "Body"),
        ],
        string="Directo Parameter Routing",
        default="both",
        required=True,
        help="Where get/put/what and filters are sent. Directo's documentation and "
        "known clients disagree; 'both' works with either router.",
    )
    directo_invoice_export = fields.Boolean(
        string="Export Invoices to Directo",
        help="Allow customer invoices of this company to be exported to Directo.",
    )
    directo_auto_confirm = fields.Boolean(
        string="Confirm Invoices in Directo Automatically",
        help="When on, exported invoices are confirmed (booked) in Directo. When off they "
        "are created as drafts there and can still be re-sent.",
    )
    directo_connection_state = fields.Selection(
        [
            ("not_connected", "Not connected"),
            ("connected", "Connected"),
            ("failed", "Connection failed"),
        ],
        default="not_connected",
        required=True,
        copy=False,
        readonly=True,
    )
    directo_connection_checked_at = fields.Datetime(
        string="Directo Last Check", copy=False, readonly=True
    )
    directo_connection_message = fields.Text(
        string="Directo Connection Diagnosis", copy=False, readonly=True
    )
    directo_payment_term_mode = fields.Selection(
        [
            ("days", "Days between invoice date and due date"),
            ("due_date", "Due date only"),
        ],
        string="Directo Payment Term",
        default="days",
        required=True,
        help="Directo's invoice field 'paymentterm' is documented as a code from Directo's "
        "payment term register. 'Days' sends the number of days (e.g. 14), as Uku does; it "
        "works when the term codes are named after their day counts. 'Due date only' sends "
        "no payment term, only the due date.",
    )
    directo_salesperson_fallback = fields.Boolean(
        string="Invoice Salesperson as Last Resource",
        default=True,
        help="A row without a resource is sent with the Directo code of: the client's "
        "Default Resource; else, when 'Default Resource: Default User' is set on the "
        "client, the client's salesperson; else, when this is on, the invoice's "
        "salesperson.",
    )
    directo_auto_export = fields.Boolean(
        string="Export Invoices Automatically When Posted",
        help="When on, posted customer invoices and credit notes are sent to Directo in "
        "the background by the scheduled action 'Directo: export invoices'.",
    )
    directo_retry_limit = fields.Integer(
        string="Lost Answers Before Asking a Person",
        default=RETRY_LIMIT,
        help="An invoice whose answer from Directo was lost (timeout, broken connection) is "
        "sent again automatically as an update of the same number, after 5 minutes, 15 "
        "minutes, 1 hour, 4 hours, then daily. After this many lost answers in a row it "
        "shows 'Needs attention' and gets an activity instead. 0: never stop.",
    )

    # Paid status from Directo (receipts)
    directo_receipt_watermark = fields.Datetime(
        string="Directo Receipts Read Up To",
        copy=False,
        help="The latest change time (ts) of the receipts read from Directo. The next read "
        "asks for receipts changed since one day before it. Clear it (or set an earlier "
        "time) to read older receipts again.",
    )
    directo_receipt_last_sync = fields.Datetime(
        string="Directo Paid Status Last Fetched", copy=False, readonly=True
    )
    directo_receipt_sync_message = fields.Text(
        string="Directo Paid Status Summary", copy=False, readonly=True
    )
    directo_payment_journal_id = fields.Many2one(
        "account.journal",
        string="Register Directo Payments in",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="When set, amounts Directo reports as paid are registered as Odoo payments in "
        "this journal and reconciled with the invoices (and removed again when Directo "
        "reverses them), so Odoo's own payment status follows Directo.",
    )

    # Clients kept up to date from Directo
    directo_client_refresh = fields.Selection(
        [("off", "Off"), ("daily", "Daily")],
        string="Refresh Clients from Directo",
        default="off",
        required=True,
        help="Daily: the scheduled action 'Directo: refresh clients' reads the clients and "
        "contact persons Directo changed since the last read and shows the changes in a "
        "preview (or applies them, see below).",
    )
    directo_client_refresh_apply = fields.Boolean(
        string="Apply Client Changes Directly",
        help="When on, a refresh writes the changes of clients already linked to Directo at "
        "once. New clients, and contact persons closed in Directo, still wait in the preview.",
    )
    directo_client_watermark = fields.Datetime(
        string="Directo Clients Read Up To",
        copy=False,
        help="The latest change time (ts) of the clients and contact persons read from "
        "Directo. A refresh asks for what changed since one day before it. Clear it to "
        "read every client again.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any("directo_url" in vals for vals in vals_list):
            self._directo_check_url_rights()
        return super().create(vals_list)

    def write(self, vals):
        if "directo_url" in vals:
            self._directo_check_url_rights()
        return super().write(vals)

    def _directo_check_url_rights(self):
        # The field's groups already hide it; this names the rule when someone who may
        # write companies (e.g. an Access Rights admin) tries anyway, e.g. over RPC.
        if not self.env.is_system():
            raise AccessError(
                self.env._(
                    "Only Settings administrators may change the Directo Endpoint "
                    "(field directo_url): the XML Direct key is sent there."
                )
            )

    @api.model
    def _directo_allowed_hosts(self):
        """Hosts listed in the system parameter, besides Directo's own and loopback."""
        value = self.env["ir.config_parameter"].sudo().get_param(ALLOWED_HOSTS_PARAM) or ""
        return [host.strip() for host in value.replace(";", ",").split(",") if host.strip()]

    def _directo_checked_url(self):
        """The endpoint, or a ValidationError naming the company, field and the fix."""
        self.ensure_one()
        url = self.sudo().directo_url
        try:
            return validate_url(url, self._directo_allowed_hosts())
        except DirectoUrlError as error:
            raise ValidationError(self._directo_url_message(error)) from error

    def _directo_url_message(self, error):
        reasons = {
            "empty": self.env._("it is empty."),
            "invalid": self.env._("it is not a valid URL."),
            "unsafe": self.env._(
                "it contains a backslash, a user name or password before '@', spaces or "
                "control characters, or a host that programs read differently: the XML "
                "Direct key could be sent to another host. Write it as https://host/path, "
                "e.g. %(url)s",
                url=DEFAULT_URL,
            ),
            "plain_http": self.env._(
                "plain http:// would send the XML Direct key unencrypted to %(host)s. Use "
                "https:// (plain http is only accepted for a local test server on 127.0.0.1, "
                "::1 or localhost).",
                host=error.host,
            ),
            "not_https": self.env._(
                "it must start with https:// and name a host, e.g. %(url)s",
                url=DEFAULT_URL,
            ),
            "host": self.env._(
                "%(host)s is not a Directo host. The XML Direct key is only sent to "
                "%(domain)s and its subdomains, and to this machine (a local test server). To "
                "allow another host (e.g. your own proxy), a Settings administrator lists it "
                "in the system parameter %(param)s (comma-separated; *.example.com allows a "
                "domain and its subdomains).",
                host=error.host,
                domain=DIRECTO_DOMAIN,
                param=ALLOWED_HOSTS_PARAM,
            ),
        }
        return self.env._(
            "Directo Endpoint of %(company)s (%(url)s): %(reason)s",
            company=self.name,
            url=error.url,
            reason=reasons.get(error.reason, str(error)),
        )

    @api.constrains("directo_url")
    def _check_directo_url(self):
        for company in self:
            company._directo_checked_url()

    def _directo_lang(self, user=None):
        """The language of texts a job or scheduled action writes for this company: that
        of ``user`` (who started the job), else the company partner's, else the current
        one. (A scheduled action runs as OdooBot, whose language nobody reads.)"""
        self.ensure_one()
        if user and user.lang and not user._is_superuser():
            return user.lang
        return self.sudo().partner_id.lang or self.env.lang or "en_US"

    def _directo_for_each_company(self, work, what):
        """Scheduled actions: ``work(company)`` for each of these companies that may call
        Directo, in the company's language (``_directo_lang``), each in a savepoint and
        committed on its own outside tests (its row locks are released at once, a worker
        timeout later on does not discard its work). One company's unexpected failure is
        logged and does not stop the others."""
        commit = not getattr(threading.current_thread(), "testing", False)
        # Never connected (or neutralized, e.g. a staging copy): no call at all.
        for company in self.filtered(lambda c: c._directo_can_call()):
            try:
                with self.env.cr.savepoint():
                    work(company.with_context(lang=company._directo_lang()))
            except Exception:
                _logger.exception("Directo %s: run failed for company %s", what, company.id)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _directo_can_call(self):
        """True when calls to Directo are allowed: a key, and connected once since
        install or neutralization (a staging copy stays silent until an admin connects)."""
        self.ensure_one()
        company = self.sudo()
        return bool(company.directo_token) and company.directo_connection_state != "not_connected"

    def _directo_client(self, on_logged=None, connecting=False):
        """An XML Direct client for this company; every call is logged as an exchange.

        ``on_logged(exchange, record)`` is called after each call with the client's
        ``Exchange`` and the ``directo.exchange`` stored for it, so a caller can link its
        documents to the very request that carried them. Raises UserError while the
        company has no key or was never connected (``connecting``: for Connect itself).
        """
        self.ensure_one()
        token = self.sudo().directo_token
        if not token:
            raise UserError(
                self.env._(
                    "%(company)s has no Directo XML Direct key. "
                    "Paste it in Settings > Invoicing > Directo and click Connect.",
                    company=self.name,
                )
            )
        if not connecting and not self._directo_can_call():
            raise UserError(
                self.env._(
                    "%(company)s is not connected to Directo: nothing is sent to or read from "
                    "Directo until an administrator clicks Connect in Settings > Invoicing > "
                    "Directo (a copied or neutralized database stays disconnected until then).",
                    company=self.name,
                )
            )
        try:
            url = self._directo_checked_url()
        except ValidationError as error:
            # A URL stored before the host rule (or a host removed from the parameter).
            raise UserError(error.args[0]) from error
        exchanges = self.env["directo.exchange"]

        def log_exchange(exchange):
            record = exchanges._log_exchange(self, exchange, token)
            if on_logged is not None:
                on_logged(exchange, record)

        return DirectoClient(
            url,
            token,
            routing=self.directo_routing,
            read_timeout=self._directo_read_timeout(),
            max_answer_bytes=self._directo_max_answer_bytes(),
            allowed_hosts=self._directo_allowed_hosts(),
            on_exchange=log_exchange,
            # The exchange keeps an excerpt; a longer answer is streamed to an attachment.
            exchange_body_limit=INLINE_BODY_LIMIT,
        )

    def _directo_read_timeout(self):
        """Seconds to wait for Directo's answer (system parameter, 60 by default)."""
        value = self.env["ir.config_parameter"].sudo().get_param("directo_connector.read_timeout")
        try:
            return float(value) if value else DEFAULT_READ_TIMEOUT
        except ValueError:
            return DEFAULT_READ_TIMEOUT

    def _directo_max_answer_bytes(self):
        """Largest put answer read into memory (system parameter, 8 MiB by default)."""
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_ANSWER_BYTES_PARAM)
        try:
            return int(value) if value and int(value) > 0 else DEFAULT_MAX_ANSWER_BYTES
        except ValueError:
            return DEFAULT_MAX_ANSWER_BYTES

    def _directo_diagnose(self, error, trimmed):
        """A sentence an admin can act on, for a failed Directo call; never with the key
        in it (the client removes it from Directo's texts; this holds for any error)."""
        return Redactor(self.sudo().directo_token).text(self._directo_diagnosis(error, trimmed))

    def _directo_diagnosis(self, error, trimmed):
        if isinstance(error, DirectoNotActivated):
            if error.feed:
                return self.env._(
                    "Directo accepted the key but the feed direction %(feed)s is not "
                    "activated for it (%(detail)s). Ask Directo to activate %(feed)s for the "
                    "XML Direct key: Odoo needs it to %(purpose)s.",
                    feed=error.feed,
                    detail=error.translated(self.env._),
                    purpose=self._directo_feed_purpose(error.component, error.operation),
                )
            return self.env._(
                "Directo accepted the key but the XML Direct feeds are not activated for it "
                "(%(detail)s). Ask Directo to activate the three feed directions: "
                "Customers out, Invoices in and Articles out.",
                detail=error.translated(self.env._),
            )
        if isinstance(error, DirectoUnauthorized):
            # Odoo strips whitespace around the key itself: that cause is not listed.
            causes = self.env._(
                "Directo rejected the key (Type 5, Unauthorized). The likely causes:\n"
                "1. the key belongs to a different Directo company than the one you want "
                "to connect;\n"
                "2. the key was copied incompletely: copy it again from the Admin tab of the "
                "integration user's employee card in Directo;\n"
                "3. the key was revoked or XML Direct is not active for it: ask your Directo "
                "administrator."
            )
            if trimmed:
                causes = (
                    self.env._(
                        "The key had whitespace around it; it was removed and the key tried "
                        "again.\n"
                    )
                    + causes
                )
            return causes
        if isinstance(error, (DirectoUnavailable, DirectoAnswerTooLarge)):
            return self.env._(
                "Directo answered, but not with XML Direct (%(detail)s). Directo is probably "
                "down for maintenance or a proxy in between answered for it: try again later "
                "(scheduled actions retry by themselves). If it persists, check the endpoint.",
                detail=error.translated(self.env._),
            )
        if isinstance(error, DirectoTransientError):
            return self.env._(
                "Directo could not be reached (network, TLS or timeout problem). "
                "Check the endpoint and this server's internet access, then try again in a "
                "minute.\nTechnical detail: %(detail)s",
                detail=error.translated(self.env._),
            )
        return self.env._(
            "Directo answered with an error: %(detail)s", detail=error.translated(self.env._)
        )

    def _directo_feed_purpose(self, component, operation):
        """What Odoo does with a feed direction (to tell the admin why it matters)."""
        purposes = {
            ("customer", "get"): self.env._("import clients and check client codes"),
            ("item", "get"): self.env._("import articles and check article codes"),
            ("invoice", "put"): self.env._("export invoices"),
            ("receipt", "get"): self.env._("fetch the paid status of invoices"),
            ("object", "get"): self.env._("check object and salesman codes before sending"),
            ("contact", "get"): self.env._("import contact persons"),
        }
        return purposes.get((component, operation), self.env._("work with Directo"))

    def _directo_check_admin(self):
        # Buttons are public methods: callable over RPC by anyone who can read companies.
        if not self.env.is_system():
            raise AccessError(
                self.env._(
                    "Only administrators can run Directo actions for %(company)s.",
                    company=self.name,
                )
            )

    def action_directo_connect(self):
        """Trim the key, check it with a real read and record the diagnosis."""
        self.ensure_one()
        self._directo_check_admin()
        raw_token = self.sudo().directo_token or ""
        token = raw_token.strip()
        if not token:
            raise UserError(
                self.env._("Paste the XML Direct key from Directo first, then click Connect.")
            )
        trimmed = token != raw_token
        if trimmed:
            self.sudo().directo_token = token
        client = self._directo_client(connecting=True)
        refused = []
        try:
            client.check_connection()
            # Articles out is a separate feed direction: check it too, equally cheaply.
            client.check_articles()
        except DirectoError as error:
            state = "failed"
            message = self._directo_diagnose(error, trimmed)
            _logger.info(
                "Directo connection check failed for company %s: %s",
                self.id,
                type(error).__name__,
            )
        else:
            state = "connected"
            message = self.env._("Connected to Directo. Clients and articles can be read.")
            if trimmed:
                message += "\n" + self.env._("Whitespace around the pasted key was removed.")
            refused = self._directo_check_other_feeds(client)
            if refused:
                message += "\n" + "\n".join(refused)
        self.write(
            {
                "directo_connection_state": state,
                "directo_connection_checked_at": fields.Datetime.now(),
                "directo_connection_message": message,
            }
        )
        if state == "connected":
            proposals = self._directo_after_connect()
            if proposals:
                message += "\n" + proposals
                self.directo_connection_message = message
        kind = "danger" if state != "connected" else "warning" if refused else "success"
        return notification_action(
            self.env._("Directo"), message, kind, sticky=kind != "success", reload="record"
        )

    def _directo_check_other_feeds(self, client):
        """After the client and article reads worked: the other feeds Odoo uses, each
        checked with one cheap request. Returns a diagnosis per refused feed."""
        refused = []
        for component, operation in OTHER_FEEDS:
            try:
                client.check_feed(component, operation)
            except DirectoNotActivated as error:
                refused.append(self._directo_diagnose(error, False))
            except DirectoError as error:
                # Not a refusal of the key: the feed may well work; say what happened.
                refused.append(
                    self.env._(
                        "Checking %(feed)s failed: %(detail)s",
                        feed=error.feed or component,
                        detail=error.translated(self.env._),
                    )
                )
        return refused

    def _directo_after_connect(self):
        """Hook run after a successful Connect: read Odoo's copy of Directo's codes (so the
        mappings of taxes and users can be proposed at once) and start the client import in
        the background, unless one is already under way or its preview waits to be reviewed
        (Connect clicked again must not queue read after read, each with its activity).
        Returns the sentence about the proposed mappings."""
        self.env["directo.register"]._directo_for(self)._directo_refresh(full=True)
        Import = self.env["directo.import"].sudo()
        if not Import._directo_pending_client_import(self):
            Import._directo_enqueue("client", self)
        return self.env["directo.mapping.wizard"]._directo_proposal_note(self)

    def action_directo_refresh_registers(self):
        """Settings button: read Directo's clients, articles and objects again in full
        (codes Directo no longer has are dropped from Odoo's copy)."""
        self.ensure_one()
        self._directo_check_admin()
        registers = self.env["directo.register"]._directo_for(self)
        registers._directo_refresh(full=True, min_interval=timedelta(0))
        errors = [r.error for r in registers if r.error]
        message = self.env["directo.register"]._directo_freshness(self)
        message += "\n" + self.env["directo.mapping.wizard"]._directo_proposal_note(self)
        if errors:
            message += "\n" + "\n".join(errors)
        return notification_action(
            self.env._("Directo codes"),
            message,
            "warning" if errors else "success",
            sticky=bool(errors),
        )

    def action_directo_fetch_paid_status(self):
        """Settings button: read receipts from Directo now and update the invoices."""
        self.ensure_one()
        self._directo_check_admin()
        stats = self.env["directo.receipt"]._directo_fetch_paid_status(self)
        return notification_action(
            self.env._("Directo paid status"),
            stats["message"],
            "danger" if stats["error"] else "success",
            sticky=bool(stats["error"]),
            reload="record",
        )

    # ------------------------------------------------------------------ Customers in
    # Clients created in Directo from Odoo (README "Creating clients in Directo"). Kept in
    # one block on purpose.

    directo_customer_export = fields.Boolean(
        string="Create Clients in Directo",
        help="Allow invoicing users to create clients that have no Directo client code in "
        "Directo (client form, client list, and the problems dialog of the invoice export). "
        "Needs the feed direction 'Customers in' on the XML Direct key.",
    )
    directo_customer_code_source = fields.Selection(
        [
            ("sequence", "Sequence (e.g. K00001)"),
            ("ref", "The client's Reference"),
            ("manual", "Typed by the user"),
        ],
        string="Directo Client Codes From",
        default="sequence",
        required=True,
        help="Where the Directo client code of a client created in Directo comes from.",
    )
    directo_customer_sequence_id = fields.Many2one(
        "ir.sequence",
        string="Directo Client Code Sequence",
        copy=False,
        help="Gives the codes of clients created in Directo. Created on first use (prefix "
        "K, five digits); codes already used in Odoo are skipped.",
    )
    directo_customer_sync = fields.Selection(
        [
            ("off", "No"),
            ("offer", "Offer to update Directo"),
            ("auto", "Update Directo in the background"),
        ],
        string="Keep Clients in Step with Directo",
        default="off",
        required=True,
        help="When the name, e-mail or phone of a client linked to Directo changes in Odoo: "
        "offer to send them to Directo (a button on the client), or send them in the "
        "background. Only these three values change in Directo (its partial client update); "
        "Directo's client record is never overwritten.",
    )

    def _directo_check_customers_in(self):
        """Refuse, before any request, when creating clients in Directo is switched off."""
        off = self.filtered(lambda company: not company.directo_customer_export)
        if off:
            raise UserError(
                self.env._(
                    "Creating clients in Directo is switched off for %(company)s. An "
                    "administrator can switch on 'Create Clients in Directo' in Settings > "
                    "Invoicing > Directo.",
                    company=", ".join(off.mapped("name")),
                )
            )

    def _directo_customer_sequence(self):
        """The sequence giving this company's Directo client codes (created on first use)."""
        self.ensure_one()
        if not self.directo_customer_sequence_id:
            self.sudo().directo_customer_sequence_id = (
                self.env["ir.sequence"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Directo Client Codes (%(company)s)", company=self.name),
                        "code": "directo.client.code",
                        "prefix": "K",
                        "padding": 5,
                        "company_id": self.id,
                    }
                )
            )
        return self.sudo().directo_customer_sequence_id

    # ------------------------------------------------------------------ Reconciliation
    # Client balances compared with Directo (README "Reconciliation"). Kept in one block.

    directo_reconcile_tolerance = fields.Monetary(
        string="Directo Reconciliation Tolerance",
        currency_field="currency_id",
        default=0.01,
        help="Clients whose balance in Directo and in Odoo differ by more than this amount "
        "(company currency) are listed by the reconciliation.",
    )
    directo_reconcile_interval = fields.Selection(
        [("off", "Off"), ("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")],
        string="Reconcile with Directo",
        default="weekly",
        required=True,
        help="How often the scheduled action 'Directo: reconcile client balances' compares "
        "the client balances of this company with Directo.",
    )
    directo_reconcile_user_id = fields.Many2one(
        "res.users",
        string="Directo Reconciliation Responsible",
        domain="[('share', '=', False)]",
        help="Gets the activity when a scheduled reconciliation finds differences. Empty: "
        "the first Invoicing administrator of the company.",
    )

    def directo_reconcile(self):
        """Compare every client's balance in Directo with Odoo's now; returns the run
        (``directo.reconciliation``; done, or failed with its error)."""
        self.ensure_one()
        # Public (other tools call it), so callable over RPC: managers only.
        self.env["directo.reconciliation"]._directo_check_manager()
        return self.env["directo.reconciliation"]._directo_run(self)

    def _directo_reconcile_responsible(self):
        self.ensure_one()
        user = self.directo_reconcile_user_id
        if not user:
            user = (
                self.env["res.users"]
                .sudo()
                .search(
                    [
                        ("groups_id", "in", self.env.ref("account.group_account_manager").id),
                        ("company_ids", "in", self.id),
                        ("share", "=", False),
                        ("id", "!=", self.env.ref("base.user_root").id),
                    ],
                    order="id",
                    limit=1,
                )
            )
        return user or self.env.ref("base.user_admin")
