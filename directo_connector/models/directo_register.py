# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's copy of the Directo registers an invoice refers to (clients, articles, objects).

Why a copy: XML Direct documents a ``code`` filter for one code per request only, so asking
Directo about every code of every refused invoice would cost requests per invoice. The copy
is read once in full, then kept up to date with the ``ts`` ("changed since") filter: a
refresh is a constant number of requests per company (two reads for clients and articles -
open ones with ``closed=0``, closed ones with ``closed=1`` - and one for objects, which
carry their ``closed`` flag and document no such filter).

It serves the pre-send check (unknown or closed codes listed before anything is sent) and
the explanation of Directo's refusals (see ``xmldirect.diagnosis``). A copy that is missing,
too old or unreadable is simply not used: the export still works.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.tools import format_datetime

from ..xmldirect import DirectoError
from ..xmldirect.client import REGISTER_COMPONENTS
from ..xmldirect.codec import RegisterEntry
from ..xmldirect.diagnosis import RegisterView
from ..xmldirect.vatcodes import LIST, combine_article_rates, implied_rate

_logger = logging.getLogger(__name__)

#: The copy is read again at most this often per company, whoever asks (the pre-send
#: check, the explanation of a refusal, the scheduled action).
MIN_REFRESH_INTERVAL = timedelta(seconds=60)
#: The scheduled action brings copies older than this up to date.
SCHEDULED_REFRESH_AGE = timedelta(minutes=50)
#: A copy older than this (system parameter, hours) is not relied on.
MAX_AGE_PARAM = "directo_connector.register_max_age_hours"
DEFAULT_MAX_AGE_HOURS = 24
#: Directo's ``ts`` filter takes a date: re-read one day before the newest change seen.
WATERMARK_OVERLAP = timedelta(days=1)
#: The ``closed`` filter values each register is read with (None: no filter).
_CLOSED_FILTERS = {"customer": (False, True), "item": (False, True), "object": (None,)}
#: Directo's VAT codes: no register XML Direct documents. Odoo's copy is derived from the
#: articles (each priced article tells its code's rate) and, where the key may read it,
#: the undocumented ``itemaccountvatcode``; brought up to date with the articles.
VAT = "vatcode"
COMPONENT_LABELS = [
    ("customer", "Clients"),
    ("item", "Articles"),
    ("object", "Objects"),
    (VAT, "VAT codes"),
]
#: Every register Odoo keeps a copy of; the VAT codes come after the articles they are
#: derived from.
COMPONENTS = (*REGISTER_COMPONENTS, VAT)
RATE_SOURCES = [
    (LIST, "Directo's VAT code list"),
    ("item", "Articles' prices"),
    ("conflict", "Articles disagree"),
]


class _VatRow(NamedTuple):
    """A VAT code row of the copy (stored like the other registers' codes)."""

    code: str
    rate: object
    rate_source: str | None
    name: str | None
    closed: bool = False
    ts: object = None


class DirectoRegister(models.Model):
    _name = "directo.register"
    _description = "Directo: copy of a register (client, article or object codes)"
    _order = "company_id, component"

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    component = fields.Selection(COMPONENT_LABELS, required=True)
    watermark = fields.Datetime(
        string="Changes Read Up To", help="The newest change time (ts) Directo reported."
    )
    refreshed_at = fields.Datetime(
        string="Up to Date At", help="When the copy was last brought up to date."
    )
    loaded = fields.Boolean(help="The whole register was read once.")
    error = fields.Text(string="Last Error", help="Why the last refresh failed.")
    code_ids = fields.One2many("directo.register.code", "register_id", string="Codes")

    _sql_constraints = [
        (
            "component_uniq",
            "unique(company_id, component)",
            "A company has one copy per Directo register.",
        )
    ]

    # ------------------------------------------------------------------ records

    @api.model
    def _directo_for(self, companies):
        """The registers of ``companies`` (created when missing), as superuser.

        Created with ``ON CONFLICT DO NOTHING``: two exports starting at once must not
        fail on the unique constraint.
        """
        registers = self.sudo().search([("company_id", "in", companies.ids)])
        have = {(r.company_id.id, r.component) for r in registers}
        missing = [
            (company.id, component)
            for company in companies
            for component in COMPONENTS
            if (company.id, component) not in have
        ]
        if missing:
            execute_values(
                self.env.cr,
                """INSERT INTO directo_register
                       (company_id, component, create_uid, write_uid, create_date, write_date)
                   VALUES %s ON CONFLICT (company_id, component) DO NOTHING""",
                missing,
                template="(%s, %s, {uid}, {uid}, (now() at time zone 'UTC'), "
                "(now() at time zone 'UTC'))".format(uid=int(self.env.uid)),
            )
            registers = self.sudo().search([("company_id", "in", companies.ids)])
        return registers

    def _directo_max_age(self):
        value = self.env["ir.config_parameter"].sudo().get_param(MAX_AGE_PARAM)
        try:
            return timedelta(hours=float(value)) if value else self._default_max_age()
        except ValueError:
            return self._default_max_age()

    @staticmethod
    def _default_max_age():
        return timedelta(hours=DEFAULT_MAX_AGE_HOURS)

    def _directo_usable(self, now=None):
        """Read in full once and brought up to date within the maximum age."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return bool(
            self.loaded and self.refreshed_at and self.refreshed_at >= now - self._directo_max_age()
        )

    # ------------------------------------------------------------------ refresh

    def _directo_refresh(self, full=False, min_interval=MIN_REFRESH_INTERVAL):
        """Bring these registers up to date; returns those that were read.

        ``full`` re-reads everything (codes Directo no longer lists are dropped); a register
        never read in full is always read in full. Registers refreshed within
        ``min_interval``, or being refreshed by another transaction right now, are
        skipped. A failed read keeps the copy and records the error (naming the feed when
        the key is refused for it).
        """
        now = fields.Datetime.now()
        due = self.filtered(
            lambda r: full or not r.refreshed_at or r.refreshed_at <= now - min_interval
        )
        due = due._directo_lock()
        for company in due.company_id:
            mine = due.filtered(lambda r, company=company: r.company_id == company)
            if not company.sudo().directo_token:
                continue
            client = company._directo_client()
            for register in mine:
                register._directo_read(client, full=full or not register.loaded)
        return due

    def _directo_lock(self):
        """The registers of ``self`` no other transaction is refreshing (locked until
        commit)."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM directo_register WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
            [tuple(self.ids)],
        )
        locked = self.browse(row[0] for row in self.env.cr.fetchall())
        locked.invalidate_recordset()
        return self.filtered(lambda r: r in locked)

    def _directo_since(self):
        """The ``ts`` filter of an incremental read (a date)."""
        since = self.watermark or self.refreshed_at
        return (since - WATERMARK_OVERLAP).date() if since else None

    def _directo_read(self, client, full):
        self.ensure_one()
        if self.component == VAT:
            self._directo_read_vat_codes(client)
            return
        ts = None if full else self._directo_since()
        entries = {}
        try:
            for closed in _CLOSED_FILTERS[self.component]:
                for entry in client.iter_register(self.component, ts=ts, closed=closed):
                    entries[entry.code] = entry
        except DirectoError as error:
            _logger.info(
                "Directo register %s of company %s: read failed: %s",
                self.component,
                self.company_id.id,
                type(error).__name__,
            )
            self.error = self.company_id._directo_diagnose(error, False)
            return
        self._directo_store(entries.values(), full)
        newest = max((e.ts for e in entries.values() if e.ts), default=None)
        vals = {
            "refreshed_at": fields.Datetime.now(),
            "loaded": True,
            "error": False,
        }
        if newest and (not self.watermark or newest > self.watermark):
            vals["watermark"] = newest
        self.write(vals)

    def _directo_store(self, entries, full):
        """Upsert the codes read (one statement per 1,000); a full read drops the rest.

        Every row written gets this read's own time stamp (to the microsecond), so the rows
        a full read did not write are exactly those older than it.
        """
        cr = self.env.cr
        stamp = datetime.now(UTC).replace(tzinfo=None)
        rows = [
            (
                self.id,
                self.company_id.id,
                self.component,
                e.code,
                e.name,
                e.closed,
                e.ts,
                getattr(e, "vatcode", None),
                self._directo_entry_rate(e),
                getattr(e, "rate_source", None),
                stamp,
            )
            for e in entries
        ]
        self.env["directo.register.code"].flush_model()
        if rows:
            execute_values(
                cr,
                """INSERT INTO directo_register_code
                       (register_id, company_id, component, code, name, closed, ts, vatcode,
                        rate, rate_source, write_date, create_uid, write_uid, create_date)
                   VALUES %s
                   ON CONFLICT (register_id, code) DO UPDATE
                      SET name = EXCLUDED.name, closed = EXCLUDED.closed, ts = EXCLUDED.ts,
                          vatcode = EXCLUDED.vatcode, rate = EXCLUDED.rate,
                          rate_source = EXCLUDED.rate_source,
                          write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date""",
                rows,
                template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, {uid}, {uid}, "
                "(now() at time zone 'UTC'))".format(uid=int(self.env.uid)),
                page_size=1000,
            )
        if full:
            # Every code still in Directo was just written: older rows are gone there.
            cr.execute(
                "DELETE FROM directo_register_code WHERE register_id = %s AND write_date < %s",
                [self.id, stamp],
            )
        self.env["directo.register.code"].invalidate_model()

    @api.model
    def _directo_add_codes(self, company, component, codes):
        """Codes Directo has just confirmed (e.g. a client Odoo created there): added to
        Odoo's copy at once, so the pre-send check does not wait for the next read."""
        register = self._directo_for(company).filtered(lambda r: r.component == component)
        if register.loaded:
            register._directo_store([RegisterEntry(code, name) for code, name in codes], False)

    @staticmethod
    def _directo_entry_rate(entry):
        """The rate stored with a code: a VAT code's own, an article's implied one."""
        if hasattr(entry, "rate"):
            return None if entry.rate is None else float(entry.rate)
        rate = implied_rate(getattr(entry, "salesprice", None), getattr(entry, "vatprice", None))
        return None if rate is None else float(rate)

    def _directo_read_vat_codes(self, client):
        """Directo's VAT codes with their rates: from the articles of Odoo's copy, then
        from ``itemaccountvatcode`` where the key may read it (its fields are undocumented:
        an answer without codes or rates, or a refusal, leaves the articles' rates)."""
        self.env["directo.register.code"].flush_model()
        self.env.cr.execute(
            """SELECT vatcode, rate FROM directo_register_code
                WHERE company_id = %s AND component = 'item' AND vatcode IS NOT NULL""",
            [self.company_id.id],
        )
        rates = {
            code: _VatRow(code, found.rate, found.source, None)
            for code, found in combine_article_rates(self.env.cr.fetchall()).items()
        }
        try:
            listed = list(client.iter_vat_code_list())
        except DirectoError as error:
            _logger.info(
                "Directo VAT code list of company %s not read (%s): the articles' rates are used",
                self.company_id.id,
                type(error).__name__,
            )
            listed = []
        for entry in listed:
            if entry.rate is not None or entry.code not in rates:
                rates[entry.code] = _VatRow(
                    entry.code, entry.rate, LIST if entry.rate is not None else None, entry.name
                )
        self._directo_store(rates.values(), full=True)
        self.write({"refreshed_at": fields.Datetime.now(), "loaded": True, "error": False})

    @api.model
    def _directo_vat_rates(self, company):
        """{VAT code: rate or None} of Odoo's copy for ``company`` (one query)."""
        self.env["directo.register.code"].flush_model()
        self.env.cr.execute(
            """SELECT code, rate FROM directo_register_code
                WHERE company_id = %s AND component = %s""",
            [company.id, VAT],
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------ scheduled action

    @api.model
    def _cron_refresh(self):
        """Bring the copies of every company with a key up to date (incrementally)."""
        companies = self.env["res.company"].sudo().search([("directo_token", "!=", False)])
        if not companies:
            return
        registers = self._directo_for(companies)
        stale = registers.filtered(
            lambda r: (
                not r.refreshed_at
                or r.refreshed_at <= fields.Datetime.now() - SCHEDULED_REFRESH_AGE
            )
        )
        # Errors kept on the registers are read in the Settings: the company's language.
        for company in stale.company_id:
            stale.filtered(lambda r, c=company: r.company_id == c).with_context(
                lang=company._directo_lang()
            )._directo_refresh()

    # ------------------------------------------------------------------ look-up

    @api.model
    def _directo_views(self, company, codes):
        """{component: RegisterView} of ``company`` for ``codes``: one query for the codes.

        A register that cannot be relied on (never read, older than the maximum age) gives
        an unusable view saying why.
        """
        registers = self.sudo().search(
            [("company_id", "=", company.id), ("component", "in", REGISTER_COMPONENTS)]
        )
        found = {component: {} for component in REGISTER_COMPONENTS}
        codes = sorted({code for code in codes if code})
        if codes:
            self.env["directo.register.code"].flush_model()
            self.env.cr.execute(
                """SELECT component, code, closed FROM directo_register_code
                    WHERE company_id = %s AND code IN %s AND component IN %s""",
                [company.id, tuple(codes), REGISTER_COMPONENTS],
            )
            for component, code, closed in self.env.cr.fetchall():
                found[component][code] = bool(closed)
        now = fields.Datetime.now()
        views = {
            register.component: RegisterView(
                register.component,
                found[register.component],
                usable=register._directo_usable(now),
                reason=register._directo_unusable_reason(now),
            )
            for register in registers
        }
        for component in REGISTER_COMPONENTS:
            if component not in views:
                views[component] = RegisterView(
                    component, {}, usable=False, reason=self._directo_never_read(component)
                )
        return views

    @api.model
    def _directo_never_read(self, component):
        what = dict(self._fields["component"]._description_selection(self.env))[component]
        return self.env._("Odoo has not read Directo's %(what)s yet", what=what.lower())

    def _directo_unusable_reason(self, now):
        self.ensure_one()
        if self._directo_usable(now):
            return ""
        what = dict(self._fields["component"]._description_selection(self.env))[self.component]
        if not self.loaded:
            reason = self._directo_never_read(self.component)
        else:
            reason = self.env._(
                "Odoo's copy of Directo's %(what)s was last brought up to date on %(date)s",
                what=what.lower(),
                date=format_datetime(self.env, self.refreshed_at),
            )
        if self.error:
            reason += " (%s)" % self.error
        return reason

    @api.model
    def _directo_freshness(self, companies):
        """One sentence per company: how fresh the copy the pre-send check used is."""
        lines = []
        now = fields.Datetime.now()
        everything = self.sudo().search(
            [("company_id", "in", companies.ids), ("component", "in", REGISTER_COMPONENTS)]
        )
        for company in companies:
            registers = everything.filtered(lambda r, company=company: r.company_id == company)
            usable = registers.filtered(lambda r: r._directo_usable(now))
            if not usable:
                lines.append(
                    self.env._(
                        "%(company)s: Odoo has no up-to-date copy of Directo's clients, "
                        "articles and objects, so unknown or closed codes are only found when "
                        "Directo refuses an invoice (the refusal then names them).",
                        company=company.name,
                    )
                )
                continue
            oldest = min(usable.mapped("refreshed_at"))
            minutes = max(0, int((now - oldest).total_seconds() // 60))
            text = self.env._(
                "%(company)s: codes are checked before sending against Odoo's copy of "
                "Directo's clients, articles and objects, brought up to date %(minutes)s "
                "minute(s) ago (%(date)s).",
                company=company.name,
                minutes=minutes,
                date=format_datetime(self.env, oldest),
            )
            missing = registers - usable
            if missing:
                labels = dict(self._fields["component"]._description_selection(self.env))
                text += " " + self.env._(
                    "Not checked: %(what)s (%(why)s).",
                    what=", ".join(labels[r.component] for r in missing),
                    why="; ".join(r._directo_unusable_reason(now) for r in missing),
                )
            lines.append(text)
        return "\n".join(lines)
