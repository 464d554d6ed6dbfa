# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from datetime import timedelta

from odoo import api, fields, models

from .. import xmldirect

_logger = logging.getLogger(__name__)

# Bodies above this size go to an attachment; the Text field keeps a readable head.
INLINE_BODY_LIMIT = 256 * 1024
DEFAULT_RETENTION_DAYS = 90
REDACTED = "***"
#: What a person reads for the client's technical outcome ("ok" or the error's class).
RESULTS = [
    ("ok", "Answered"),
    ("key_rejected", "Key rejected"),
    ("not_activated", "Feed not activated"),
    ("key_missing", "Key missing"),
    ("timeout", "No answer in time"),
    ("unreachable", "Directo unreachable"),
    ("invalid_xml", "Directo could not read the request"),
    ("duplicate", "Document already in Directo"),
    ("confirmed", "Confirmed in Directo, not changed"),
    ("unknown_code", "Unknown code"),
    ("routing", "Wrong address or routing"),
    ("unexpected", "Unexpected answer"),
    ("error", "Directo error"),
]
#: What a component ('what' parameter) holds, in words; other components show as they are.
SUBJECTS = [
    ("customer", "Clients"),
    ("contact", "Contacts"),
    ("item", "Articles"),
    ("invoice", "Invoices"),
    ("receipt", "Receipts"),
    ("itemaccountvatcode", "VAT codes"),
    ("other", "Other"),
]
_RESULT_BY_ERROR = {
    error.__name__: result
    for error, result in (
        (xmldirect.DirectoUnauthorized, "key_rejected"),
        (xmldirect.DirectoNotActivated, "not_activated"),
        (xmldirect.DirectoTokenRequired, "key_missing"),
        (xmldirect.DirectoTimeout, "timeout"),
        (xmldirect.DirectoTransientError, "unreachable"),
        (xmldirect.DirectoInvalidXml, "invalid_xml"),
        (xmldirect.DirectoDuplicate, "duplicate"),
        (xmldirect.DirectoConfirmedLocked, "confirmed"),
        (xmldirect.DirectoReferenceNotFound, "unknown_code"),
        (xmldirect.DirectoRoutingError, "routing"),
        (xmldirect.DirectoProtocolError, "unexpected"),
    )
}


def result_of(outcome):
    """The ``result`` key for a technical outcome; batch variants count as their cause."""
    if not outcome or outcome == "ok":
        return "ok"
    return _RESULT_BY_ERROR.get(outcome.replace("DirectoBatch", "Directo", 1), "error")


class DirectoExchange(models.Model):
    """One request/response pair with Directo, kept for support and audits.

    The XML Direct key is redacted before anything is stored.
    """

    _name = "directo.exchange"
    _description = "Directo Exchange"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    component = fields.Char(readonly=True, help="XML Direct component ('what'), e.g. invoice.")
    subject = fields.Selection(
        SUBJECTS,
        string="Data",
        compute="_compute_subject",
        store=True,
        help="What was read or sent.",
    )
    operation = fields.Selection(
        [("get", "Read (get)"), ("put", "Write (put)")], readonly=True, index=True
    )
    url = fields.Char(string="Endpoint", readonly=True)
    request_params = fields.Text(string="Parameters", readonly=True)
    request_body = fields.Text(readonly=True)
    response_body = fields.Text(readonly=True)
    response_size = fields.Integer(string="Response Size (bytes)", readonly=True)
    response_attachment_id = fields.Many2one(
        "ir.attachment", string="Full Response", readonly=True, ondelete="set null"
    )
    http_status = fields.Integer(string="HTTP Status", readonly=True)
    outcome = fields.Char(
        string="Technical Outcome",
        readonly=True,
        index=True,
        help="'ok', or the class of the error the XML Direct client raised.",
    )
    result = fields.Selection(
        RESULTS,
        string="Outcome",
        compute="_compute_result",
        store=True,
        help="What happened, in words; the technical value is in Technical Outcome.",
    )
    success = fields.Boolean(readonly=True, index=True)
    error_message = fields.Text(readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    document_count = fields.Integer(string="Documents", readonly=True)

    @api.depends("component")
    def _compute_subject(self):
        known = dict(SUBJECTS)
        for exchange in self:
            exchange.subject = exchange.component if exchange.component in known else "other"

    @api.depends("outcome")
    def _compute_result(self):
        for exchange in self:
            exchange.result = result_of(exchange.outcome)

    @api.depends("component", "operation", "create_date")
    def _compute_display_name(self):
        for exchange in self:
            exchange.display_name = "%s %s #%s" % (
                exchange.component or "?",
                exchange.operation or "",
                exchange.id or "",
            )

    @api.model
    def _redact(self, text, token):
        if not text:
            return text
        if token:
            text = text.replace(token, REDACTED)
        return text

    @api.model
    def _log_exchange(self, company, exchange, token):
        """Store an xmldirect ``Exchange``; called by the client after every call."""
        body = exchange.response_body or b""
        body_text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        body_text = self._redact(body_text, token)
        vals = {
            "company_id": company.id,
            "component": exchange.component,
            "operation": exchange.operation,
            "url": self._redact(exchange.url, token),
            "request_params": self._redact(
                json.dumps(exchange.params or {}, ensure_ascii=False, sort_keys=True), token
            ),
            "request_body": self._redact(exchange.request_body, token),
            "response_size": exchange.response_size or len(body),
            "http_status": exchange.http_status or 0,
            "outcome": exchange.outcome,
            "success": exchange.outcome == "ok",
            "error_message": self._redact(exchange.error, token),
            "duration_ms": exchange.duration_ms,
            "document_count": exchange.documents,
        }
        if len(body_text) > INLINE_BODY_LIMIT:
            vals["response_body"] = "%s\n… (%s bytes in all, see the attachment)" % (
                body_text[:INLINE_BODY_LIMIT],
                vals["response_size"],
            )
        else:
            vals["response_body"] = body_text
        record = self.sudo().create(vals)
        if len(body_text) > INLINE_BODY_LIMIT:
            record.response_attachment_id = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": "directo-%s-%s-response.xml" % (exchange.component, record.id),
                        "res_model": self._name,
                        "res_id": record.id,
                        "mimetype": "application/xml",
                        "raw": body_text.encode("utf-8"),
                    }
                )
            )
        return record

    @api.model
    def _cron_cleanup_exchanges(self):
        """Delete exchanges older than the retention period (system parameter)."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("directo_connector.exchange_retention_days", DEFAULT_RETENTION_DAYS)
        )
        limit_date = fields.Datetime.now() - timedelta(days=days)
        old = self.sudo().search([("create_date", "<", limit_date)])
        old.response_attachment_id.unlink()
        old.unlink()
        _logger.info("Directo: removed %s exchanges older than %s days", len(old), days)
        return len(old)
