# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import split_every
from odoo.tools.misc import format_date, format_datetime

from ..notification import notification_action
from ..xmldirect import DirectoError, DirectoNotActivated
from .directo_receipt import WATERMARK_OVERLAP

_logger = logging.getLogger(__name__)

#: Preview line model per import kind.
LINE_MODELS = {
    "client": "directo.client.import.line",
    "article": "directo.article.import.line",
}
#: Rows created / added per ORM batch.
BATCH_SIZE = 500
#: Selections up to this size are added inside the request; bigger ones in the background.
FOREGROUND_LIMIT = 500
#: Lines added per background step (the scheduled action commits between steps).
BACKGROUND_CHUNK = 2000
IMPORT_GROUP = "account.group_account_invoice"
ARTICLE_TYPE_PARAM = "directo_connector.article_product_type"
ARTICLE_TYPES = [("service", "Service"), ("consu", "Goods")]
#: The addon's own activity type for "preview ready" (found by type, not by summary).
IMPORT_ACTIVITY_TYPE = "directo_connector.mail_activity_type_import_ready"
#: Bus notification type of our background notifications (static/src/js, with a button).
NOTIFICATION_BUS_TYPE = "directo_connector.notification"
#: Bus notification type telling web clients an import changed (its form reloads).
IMPORT_UPDATED_BUS_TYPE = "directo_connector.import_updated"
#: The bus channel the forms of imports listen on (nothing but ids is sent there).
IMPORT_BUS_CHANNEL = "directo_connector.imports"


class DirectoImport(models.Model):
    """One read of Directo clients or articles, kept until the user has picked what to add.

    Persistent on purpose: a background read of 10,000 clients must survive until the user
    opens the preview (transient records are vacuumed far too early).
    """

    _name = "directo.import"
    _description = "Directo Import"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    # Not stored: each reader sees the name in their own language and date format.
    name = fields.Char(compute="_compute_name", search="_search_name")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    kind = fields.Selection(
        [("client", "Clients"), ("article", "Articles")], required=True, readonly=True
    )
    mode = fields.Selection(
        [("full", "Everything open"), ("refresh", "Changes since the last read")],
        string="Read",
        default="full",
        required=True,
        readonly=True,
        help="A refresh (scheduled action 'Directo: refresh clients') reads only the clients "
        "and contact persons Directo changed since the last read.",
    )
    ts_from = fields.Date(
        string="Changed Since",
        readonly=True,
        help="What a refresh asked Directo for: records changed since this date (one day "
        "before the latest change read before, as Directo filters by date only).",
    )
    state = fields.Selection(
        [
            ("queued", "Waiting to read"),
            ("reading", "Reading"),
            ("ready", "Ready to review"),
            ("adding", "Adding in the background"),
            ("failed", "Failed"),
            ("replaced", "Replaced by a newer read"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested By",
        readonly=True,
        default=lambda self: self.env.user,
        help="Told when the read is finished.",
    )
    read_at = fields.Datetime(readonly=True)
    read_count = fields.Integer(string="Records Read", readonly=True)
    contact_read_count = fields.Integer(string="Contact Persons Read", readonly=True)
    contact_note = fields.Text(string="Contact Persons", readonly=True)
    applied_count = fields.Integer(
        string="Updated Directly",
        readonly=True,
        help="Linked clients a refresh updated at once ('Apply client changes directly').",
    )
    error = fields.Text(readonly=True)
    article_product_type = fields.Selection(
        ARTICLE_TYPES,
        string="Type of New Products",
        default=lambda self: self._default_article_product_type(),
        help="Product type given to products created from Directo articles.",
    )
    client_line_ids = fields.One2many("directo.client.import.line", "import_id", readonly=True)
    article_line_ids = fields.One2many("directo.article.import.line", "import_id", readonly=True)
    new_count = fields.Integer(compute="_compute_counts")
    linked_count = fields.Integer(compute="_compute_counts")
    probable_count = fields.Integer(compute="_compute_counts")
    changed_count = fields.Integer(compute="_compute_counts")
    added_count = fields.Integer(string="Added", compute="_compute_counts")
    queued_count = fields.Integer(compute="_compute_counts")

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals:
            self._directo_send_updated()
        return result

    def _directo_send_updated(self):
        """Tell the web clients showing an import's form that these imports changed, so
        the form reloads (static/src/js/directo_import_live.js). Only ids travel: each
        client reads the record again with its own rights."""
        Bus = self.env["bus.bus"].sudo()
        for run in self:
            Bus._sendone(IMPORT_BUS_CHANNEL, IMPORT_UPDATED_BUS_TYPE, {"id": run.id})

    @api.model
    def _default_article_product_type(self):
        value = self.env["ir.config_parameter"].sudo().get_param(ARTICLE_TYPE_PARAM, "service")
        return value if value in dict(ARTICLE_TYPES) else "service"

    @api.depends("kind", "mode", "create_date")
    @api.depends_context("lang", "tz")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            date = format_datetime(
                self.env, run.create_date or fields.Datetime.now(), dt_format="short"
            )
            if run.mode == "refresh":
                run.name = self.env._("Client changes from Directo (%(date)s)", date=date)
            else:
                run.name = self.env._(
                    "%(what)s from Directo (%(date)s)", what=labels.get(run.kind, ""), date=date
                )

    def _search_name(self, operator, value):
        if operator not in ("ilike", "not ilike", "=", "!=") or not isinstance(value, str):
            raise UserError(self.env._("Search the imports by a part of their name."))
        runs = self.search_fetch([], ["kind", "mode", "create_date"])
        text = value.casefold()
        matches = {
            "ilike": lambda name: text in name.casefold(),
            "not ilike": lambda name: text not in name.casefold(),
            "=": lambda name: name == value,
            "!=": lambda name: name != value,
        }[operator]
        return [("id", "in", runs.filtered(lambda run: matches(run.name or "")).ids)]

    def _compute_counts(self):
        """Lines per status, added ones included (an added line is *Already linked*), so
        each counter equals what its preview shows; ``added_count`` on top."""
        for run in self:
            counts = {"new": 0, "linked": 0, "probable": 0, "changed": 0}
            added = queued = 0
            if run.id and run.kind:
                groups = self.env[LINE_MODELS[run.kind]]._read_group(
                    [("import_id", "=", run.id)],
                    ["match_state", "added", "queued"],
                    ["__count"],
                )
                for state, is_added, is_queued, count in groups:
                    counts[state] += count
                    if is_added:
                        added += count
                    if is_queued:
                        queued += count
            run.new_count = counts["new"]
            run.linked_count = counts["linked"]
            run.probable_count = counts["probable"]
            run.changed_count = counts["changed"]
            run.added_count = added
            run.queued_count = queued

    # ------------------------------------------------------------------ rights

    @api.model
    def _directo_check_import_rights(self):
        if self.env.su or self.env.user.has_group(IMPORT_GROUP):
            return
        raise AccessError(
            self.env._(
                "Only users with the access right 'Invoicing' (or higher) of Accounting can "
                "import clients and articles from Directo. %(user)s does not have it.",
                user=self.env.user.name,
            )
        )

    # ------------------------------------------------------------------ start

    @api.model
    def _directo_enqueue(self, kind, company=None, mode="full", notify_user=None):
        """Queue a read of ``kind`` for ``company`` and wake the scheduled action now.

        An import of the same kind that is still waiting or reading is reused, so pressing
        the button twice reads once (a waiting refresh does not stand for a full read, a
        waiting full read does for a refresh). ``notify_user`` (default: the current user) is
        told when the read is done (not called ``user``: Odoo's ``_()`` takes a local of
        that name for the user id).
        """
        self._directo_check_import_rights()
        company = company or self.env.company
        if not company._directo_can_call():
            raise UserError(
                self.env._(
                    "%(company)s is not connected to Directo: paste the XML Direct key in "
                    "Settings > Invoicing > Directo and click Connect first.",
                    company=company.name,
                )
            )
        runs = self.sudo()
        domain = [
            ("company_id", "=", company.id),
            ("kind", "=", kind),
            ("state", "in", ("queued", "reading")),
        ]
        if mode == "full":
            domain.append(("mode", "=", "full"))
        run = runs.search(domain, limit=1)
        if not run:
            run = runs.create(
                {
                    "company_id": company.id,
                    "kind": kind,
                    "mode": mode,
                    "user_id": (self.env.user if notify_user is None else notify_user).id,
                }
            )
        self._directo_trigger()
        return run.with_env(self.env)

    @api.model
    def _directo_pending_client_import(self, company):
        """The company's full client import that is waiting, reading or adding, or whose
        preview is ready and not yet acted on (its "preview ready" activity is open)."""
        runs = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("kind", "=", "client"),
                ("mode", "=", "full"),
                ("state", "in", ("queued", "reading", "adding", "ready")),
            ]
        )
        activity_type = self.env.ref(IMPORT_ACTIVITY_TYPE, raise_if_not_found=False)
        return runs.filtered(
            lambda run: (
                run.state != "ready"
                or run.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
            )
        )[:1]

    @api.model
    def _directo_trigger(self):
        cron = self.env.ref("directo_connector.ir_cron_directo_import", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _directo_start_action(self, kind, company=None, reload=False, open_import=False):
        """Queue a read and tell the user; ``open_import`` also opens the import's form
        (from a menu, where staying on the previous screen says nothing)."""
        run = self._directo_enqueue(kind, company)
        what = self.env._("clients") if kind == "client" else self.env._("articles")
        return notification_action(
            self.env._("Directo"),
            self.env._(
                "Reading %(what)s from Directo in the background. You will get a "
                "notification and an activity when the preview is ready (Invoicing > "
                "Directo > Imports).",
                what=what,
            ),
            "info",
            reload=reload,
            then=run.get_formview_action() if open_import else None,
        )

    @api.model
    def _cron_refresh_clients(self):
        """Scheduled action (daily): queue a refresh for every company that asked for one.

        The user of the company's latest client import is told about the changes."""
        runs = self.sudo()
        companies = (
            self.env["res.company"].sudo().search([("directo_client_refresh", "=", "daily")])
        )
        for company in companies.filtered(lambda c: c._directo_can_call()):
            last = runs.search(
                [("company_id", "=", company.id), ("kind", "=", "client"), ("mode", "=", "full")],
                limit=1,
            )
            runs._directo_enqueue("client", company, mode="refresh", notify_user=last.user_id)

    @api.model
    def _directo_contacts_refused(self, company, error):
        """The import's note for a key that may not read contact persons: the feed's
        diagnosis (Contacts out), as Connect gives it."""
        if not isinstance(error, DirectoNotActivated):
            # A plain Type 5 right after the customer read worked with the same key: the
            # contact component is what is refused.
            refused = DirectoNotActivated(error.desc, error.type_code)
            refused.component, refused.operation = "contact", "get"
            error = refused
        return self.env._(
            "Contact persons were not read; the clients are imported without them. %(diagnosis)s",
            diagnosis=company._directo_diagnose(error, False),
        )

    @api.model
    def action_directo_import_clients(self):
        return self._directo_start_action("client", open_import=True)

    @api.model
    def action_directo_import_articles(self):
        return self._directo_start_action("article", open_import=True)

    def action_read_again(self):
        self.ensure_one()
        return self._directo_start_action(self.kind, self.company_id, open_import=True)

    # ------------------------------------------------------------------ background job

    @api.model
    def _cron_process_imports(self):
        """Scheduled action: one unit of work per call (a read, or a chunk of additions);
        when there is none, Odoo's copy of Directo's registers is brought up to date.

        Reports progress to the cron framework, which calls again at once while work
        remains and commits between calls.
        """
        pending = [("state", "in", ("queued", "reading", "adding"))]
        run = self.search(pending, order="id", limit=1)
        if not run:
            # Idle: bring Odoo's copy of Directo's codes up to date (changes only).
            self.env["directo.register"]._cron_refresh()
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return
        # Its notes, notification, activity and tracked states in the language (and time
        # zone) of the user who started it, else the company's: the job runs as OdooBot.
        run = run.with_context(
            lang=run.company_id._directo_lang(run.user_id),
            tz=run.user_id.tz or run.company_id.partner_id.tz or "UTC",
        )
        if run.state in ("queued", "reading"):
            run.state = "reading"
            run._directo_run_read()
        else:
            run._directo_run_add_queued()
        self.env["ir.cron"]._notify_progress(done=1, remaining=self.search_count(pending))

    def _directo_run_read(self):
        """Read and store the preview lines batch by batch (``_directo_read_into``); a
        failure removes the lines of this run and fails it. The exchanges stay logged."""
        self.ensure_one()
        Line = self.env[LINE_MODELS[self.kind]].sudo()
        self.ts_from = self._directo_since()
        self._directo_unlink_lines(self)  # leftovers of an interrupted run
        try:
            info = Line.with_company(self.company_id)._directo_read_into(
                self.company_id._directo_client(), self
            )
        except Exception as error:  # any failure ends this run, not the whole job
            if not isinstance(error, (DirectoError, UserError)):
                _logger.exception("Directo import %s: reading failed", self.id)
            self._directo_unlink_lines(self)
            self._directo_fail(error)
            return
        try:
            with self.env.cr.savepoint():
                self._directo_store(info)
        except Exception as error:
            _logger.exception("Directo import %s failed", self.id)
            self._directo_fail(error)

    def _directo_unlink_lines(self, runs):
        """Delete the preview lines of ``runs`` in batches (a read holds tens of thousands:
        memory stays bounded)."""
        Line = self.env[LINE_MODELS[self.kind]].sudo()
        for ids in split_every(BACKGROUND_CHUNK, Line.search([("import_id", "in", runs.ids)]).ids):
            Line.browse(ids).unlink()
            self.env.invalidate_all()

    def _directo_since(self):
        """A refresh's ``ts`` filter: one day before the latest change read (Directo filters
        by date only, time zone unknown); False = read everything (nothing read yet)."""
        mark = self.company_id.directo_client_watermark
        if self.mode != "refresh" or not mark:
            return False
        return (mark - WATERMARK_OVERLAP).date()

    def _directo_fail(self, error):
        if isinstance(error, DirectoError):
            error = self.company_id._directo_diagnose(error, False)
        message = self.env._("Reading from Directo failed: %(error)s", error=error)
        self.write({"state": "failed", "error": message})
        self._directo_notify(message, level="danger", button=self._directo_open_button())

    def _directo_store(self, info):
        """The lines are stored: the run is ready; older reads are replaced.

        ``info`` (from the read): ``read_count``, ``max_ts`` (the latest change read, the
        next refresh's watermark), ``contact_count``, ``contact_note``.
        """
        self.ensure_one()
        company = self.company_id
        read_count = info.get("read_count", 0)
        self.write(
            {
                "state": "ready",
                "read_at": fields.Datetime.now(),
                "read_count": read_count,
                "contact_read_count": info.get("contact_count", 0),
                "contact_note": info.get("contact_note") or False,
            }
        )
        if self.kind == "client" and info.get("max_ts"):
            current = company.directo_client_watermark
            company.sudo().directo_client_watermark = (
                max(current, info["max_ts"]) if current else info["max_ts"]
            )
        older_domain = [
            ("company_id", "=", company.id),
            ("kind", "=", self.kind),
            ("id", "<", self.id),
            ("state", "in", ("ready", "failed", "adding")),
        ]
        if self.mode == "refresh":
            older_domain.append(("mode", "=", "refresh"))  # a full preview stays
        older = self.search(older_domain)
        if older:
            self._directo_unlink_lines(older)
            older.activity_unlink([IMPORT_ACTIVITY_TYPE])
            older.write({"state": "replaced"})
        self._directo_notify_ready(self._directo_apply_refresh())

    def _directo_apply_refresh(self):
        """'Apply client changes directly': a refresh writes the changes of linked clients
        at once. Clients with a contact person closed in Directo wait in the preview (a
        contact is archived only when someone picks it); new clients always do."""
        self.ensure_one()
        if self.mode != "refresh" or not self.company_id.directo_client_refresh_apply:
            return {}
        lines = self.client_line_ids.filtered(
            lambda line: line.match_state == "changed" and not line.contact_closed_count
        )
        if not lines:
            return {}
        counts = lines._directo_apply()
        self.applied_count = len(lines)
        return counts

    def _directo_run_add_queued(self):
        self.ensure_one()
        Line = self.env[LINE_MODELS[self.kind]].sudo()
        lines = Line.search(
            [("import_id", "=", self.id), ("queued", "=", True), ("added", "=", False)],
            limit=BACKGROUND_CHUNK,
        )
        try:
            with self.env.cr.savepoint():
                counts = lines._directo_apply() if lines else {}
        except Exception as error:  # a failing step must not block every import
            _logger.exception("Directo import %s: adding failed", self.id)
            self._directo_fail_add(lines, error)
            return
        if not Line.search_count([("import_id", "=", self.id), ("queued", "=", True)]):
            self.state = "ready"
            self._directo_notify(
                self._directo_summary(counts, finished=True), button=self._directo_open_button()
            )

    def _directo_fail_add(self, lines, error):
        """Stop adding in the background: the step was rolled back; the run is failed."""
        self.ensure_one()
        Line = self.env[LINE_MODELS[self.kind]].sudo()
        Line.search([("import_id", "=", self.id), ("queued", "=", True)]).write({"queued": False})
        codes = lines.mapped("code")
        what = self.env._("clients") if self.kind == "client" else self.env._("articles")
        message = self.env._(
            "Adding %(what)s from Directo stopped: %(error)s\n"
            "None of the %(count)s %(what)s of this step (codes %(first)s to %(last)s) was "
            "added; %(added)s added before stay. Correct the %(what)s named above in Directo "
            "or Odoo, then read again (Read Again) and add the rest.",
            what=what,
            error=error,
            count=len(lines),
            first=codes[0] if codes else "",
            last=codes[-1] if codes else "",
            added=Line.search_count([("import_id", "=", self.id), ("added", "=", True)]),
        )
        self.write({"state": "failed", "error": message})
        self._directo_notify(message, level="danger", button=self._directo_open_button())

    # ------------------------------------------------------------------ user feedback

    def _directo_summary(self, counts, finished=False):
        text = self.env._(
            "%(created)s created, %(linked)s linked, %(updated)s updated, %(unchanged)s unchanged.",
            created=counts.get("created", 0),
            linked=counts.get("linked", 0),
            updated=counts.get("updated", 0),
            unchanged=counts.get("unchanged", 0),
        )
        if counts.get("fields"):
            text += " " + self.env._(
                "Fields written from Directo: %(fields)s.",
                fields=", ".join(sorted(counts["fields"])),
            )
        if counts.get("contacts"):
            text += " " + self.env._("%(count)s contacts created.", count=counts["contacts"])
        if counts.get("contacts_updated"):
            text += " " + self.env._(
                "%(count)s contacts updated.", count=counts["contacts_updated"]
            )
        if counts.get("contacts_archived"):
            text += " " + self.env._(
                "%(count)s contacts closed in Directo were archived.",
                count=counts["contacts_archived"],
            )
        if finished:
            text = self.env._("%(name)s: adding finished.", name=self.name) + " " + text
        return text

    def _directo_notify_ready(self, applied=None):
        """Tell the user the preview is ready (a refresh with nothing left to review only
        leaves a note in the chatter)."""
        self.ensure_one()
        what = self.env._("clients") if self.kind == "client" else self.env._("articles")
        counts = {
            "new": self.new_count,
            "linked": self.linked_count,
            "probable": self.probable_count,
            "changed": self.changed_count,
        }
        if self.mode == "refresh" and self.ts_from:
            message = self.env._(
                "%(count)s clients changed in Directo since %(date)s: %(new)s new, %(linked)s "
                "already linked, %(probable)s probably the same, %(changed)s changed.",
                count=self.read_count,
                date=format_date(self.env, self.ts_from),
                **counts,
            )
        else:
            message = self.env._(
                "%(count)s %(what)s read from Directo: %(new)s new, %(linked)s already linked, "
                "%(probable)s probably the same, %(changed)s changed.",
                count=self.read_count,
                what=what,
                **counts,
            )
        if self.kind == "client":
            message += " " + (
                self.contact_note
                or self.env._("%(count)s contact persons read.", count=self.contact_read_count)
            )
        if applied:
            message += " " + self.env._(
                "Updated directly: %(summary)s", summary=self._directo_summary(applied)
            )
        to_review = self.new_count + self.probable_count + self.changed_count
        if self.mode == "refresh" and not to_review:
            self.message_post(body=message)
            return
        message += " " + self.env._("Open the preview to pick which to add.")
        if self.user_id and not self.user_id.share:
            self.activity_schedule(
                IMPORT_ACTIVITY_TYPE,
                user_id=self.user_id.id,
                summary=self.env._("Directo %(what)s preview ready", what=what),
                note=message,
            )
        self._directo_notify(
            message,
            button=self._directo_open_button(self.env._("Open Preview"), "action_open_preview"),
        )

    def _directo_open_button(self, label=None, method="get_formview_action"):
        """A notification button that calls ``method`` on this import (the web client
        runs it like a button of the import's form)."""
        self.ensure_one()
        return {"name": label or self.env._("Open Import"), "res_id": self.id, "method": method}

    def _directo_notify(self, message, level="info", button=None):
        """Chatter message + a live notification to the user who started the import,
        with ``button`` (see ``_directo_open_button``) to go there."""
        for run in self:
            run.message_post(body=message)
            if run.user_id and not run.user_id.share:
                run.user_id._bus_send(
                    NOTIFICATION_BUS_TYPE,
                    {
                        "type": level,
                        "title": self.env._("Directo"),
                        "message": message,
                        "sticky": True,
                        "button": dict(button, model=self._name) if button else False,
                    },
                )

    def _directo_close_preview_activity(self, feedback):
        """The user has acted on the preview: its "preview ready" activity is done."""
        self.sudo().activity_feedback([IMPORT_ACTIVITY_TYPE], feedback=feedback)

    # ------------------------------------------------------------------ preview

    def action_open_preview(self, match_state=None):
        self.ensure_one()
        if self.state in ("queued", "reading"):
            raise UserError(
                self.env._("%(name)s is still being read from Directo.", name=self.name)
            )
        if self.state == "failed":
            raise UserError(self.error)
        if self.state == "replaced":
            raise UserError(
                self.env._(
                    "%(name)s was replaced by a newer read: open the newest import.", name=self.name
                )
            )
        xmlid = {
            "client": "directo_connector.directo_client_import_line_action",
            "article": "directo_connector.directo_article_import_line_action",
        }[self.kind]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        # A counter opens every line of its status (added ones are "Already linked"), so
        # the list shows the counter's number; the preview itself, what is left to add.
        context = {"default_import_id": self.id}
        if match_state:
            context["search_default_%s" % match_state] = 1
        else:
            context["search_default_not_added"] = 1
        action.update(
            name=self.name,
            domain=[("import_id", "=", self.id)],
            context=context,
        )
        return action

    def action_open_new(self):
        return self.action_open_preview("new")

    def action_open_probable(self):
        return self.action_open_preview("probable")

    def action_open_changed(self):
        return self.action_open_preview("changed")

    def action_open_linked(self):
        return self.action_open_preview("linked")
