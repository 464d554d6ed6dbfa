# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import json
import logging
import os
import tempfile
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .. import xmldirect
from ..xmldirect.redact import Redactor

_logger = logging.getLogger(__name__)

#: Bytes of an answer kept in the exchange itself (the client reads no more of it into
#: memory); a longer answer is kept whole in an attachment written from the spooled file.
INLINE_BODY_LIMIT = 64 * 1024
DEFAULT_RETENTION_DAYS = 90
#: What a person reads for the client's technical outcome ("ok" or the error's class).
RESULTS = [
    ("ok", "Answered"),
    ("check", "Check passed"),
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
    ("object", "Objects"),
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
    check_feed = fields.Char(
        string="Feed Checked",
        readonly=True,
        help="Set on Connect's cheap checks: the feed direction the request checked.",
    )
    check_note = fields.Text(string="What the Check Proved", compute="_compute_check_note")

    @api.depends("component")
    def _compute_subject(self):
        known = dict(SUBJECTS)
        for exchange in self:
            exchange.subject = exchange.component if exchange.component in known else "other"

    @api.depends("outcome", "check_feed")
    def _compute_result(self):
        for exchange in self:
            result = result_of(exchange.outcome)
            exchange.result = "check" if result == "ok" and exchange.check_feed else result

    @api.depends("result", "check_feed", "operation")
    @api.depends_context("lang")
    def _compute_check_note(self):
        for exchange in self:
            note = False
            if exchange.result == "check" and exchange.operation == "put":
                note = self.env._(
                    "Connect checked the feed direction %(feed)s with a write that carried no "
                    "document, so nothing was stored. Directo read it and answered (see the "
                    "response): the key may use %(feed)s.",
                    feed=exchange.check_feed,
                )
            elif exchange.result == "check":
                note = self.env._(
                    "Connect checked the feed direction %(feed)s by asking for a code that "
                    "does not exist: Directo answered, so the key may use %(feed)s.",
                    feed=exchange.check_feed,
                )
            exchange.check_note = note

    @api.depends("subject", "component", "operation")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """E.g. "Invoices, Write (put) #59", in the reader's language."""
        subjects = dict(self._fields["subject"]._description_selection(self.env))
        operations = dict(self._fields["operation"]._description_selection(self.env))
        for exchange in self:
            data = (
                subjects.get(exchange.subject)
                if exchange.subject != "other"
                else exchange.component
            )
            exchange.display_name = self.env._(
                "%(data)s, %(operation)s #%(id)s",
                data=data or subjects["other"],
                operation=operations.get(exchange.operation, ""),
                id=exchange.id or "",
            )

    @api.model
    def _log_exchange(self, company, exchange, token):
        """Store an xmldirect ``Exchange``; called by the client after every call.

        The client hands over at most ``INLINE_BODY_LIMIT`` bytes of the answer; a longer
        answer is streamed into an attachment (``exchange.response_chunks``). The key is
        removed from everything in every form it may take (raw, URL-encoded, XML-escaped).
        """
        redact = Redactor(token).text
        body = exchange.response_body or b""
        body_text = redact(body.decode("utf-8", errors="replace"))
        size = exchange.response_size or len(body)
        truncated = exchange.response_truncated
        vals = {
            "company_id": company.id,
            "component": exchange.component,
            "operation": exchange.operation,
            "url": redact(exchange.url),
            "request_params": redact(
                json.dumps(exchange.params or {}, ensure_ascii=False, sort_keys=True)
            ),
            "request_body": redact(exchange.request_body),
            "response_size": size,
            "response_body": (
                "%s\n… (%s bytes in all, see the attachment)" % (body_text, size)
                if truncated and exchange.response_chunks
                else body_text
            ),
            "http_status": exchange.http_status or 0,
            "outcome": exchange.outcome,
            "success": exchange.outcome == "ok",
            "error_message": redact(exchange.error),
            "duration_ms": exchange.duration_ms,
            "document_count": exchange.documents,
            "check_feed": exchange.check or False,
        }
        record = self.sudo().create(vals)
        if truncated and exchange.response_chunks:
            record.response_attachment_id = record._directo_attach_answer(
                exchange.response_chunks()
            )
        return record

    def _directo_attach_answer(self, chunks):
        """An attachment of the whole answer, written chunk by chunk (from the client's
        spooled file, the key already removed) straight into the filestore: the answer
        is never whole in memory. With database storage (``ir_attachment.location`` =
        ``db``) the contents live in a column and are stored the ordinary way."""
        self.ensure_one()
        Attachment = self.env["ir.attachment"].sudo()
        vals = {
            "name": "directo-%s-%s-response.xml" % (self.component, self.id),
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/xml",
        }
        if Attachment._storage() != "file":
            return Attachment.create(dict(vals, raw=b"".join(chunks)))
        filestore = Attachment._filestore()
        os.makedirs(filestore, exist_ok=True)
        sha, size = hashlib.sha1(), 0
        with tempfile.NamedTemporaryFile(dir=filestore, delete=False) as spool:
            try:
                for chunk in chunks:
                    spool.write(chunk)
                    sha.update(chunk)
                    size += len(chunk)
            except BaseException:
                os.unlink(spool.name)
                raise
        checksum = sha.hexdigest()  # the name Odoo gives stored contents (sha1)
        fname = "%s/%s" % (checksum[:2], checksum)
        full_path = Attachment._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if os.path.exists(full_path):  # the same contents are stored already
            os.unlink(spool.name)
        else:
            os.replace(spool.name, full_path)
            Attachment._mark_for_gc(fname)  # removed again if the transaction fails
        attachment = Attachment.create(vals)
        # ir.attachment takes its contents only as bytes (raw/datas) and refuses these
        # columns from callers: the file is in place, the row is pointed at it.
        self.env.cr.execute(
            SQL(
                "UPDATE ir_attachment SET store_fname = %s, file_size = %s, checksum = %s "
                "WHERE id = %s",
                fname,
                size,
                checksum,
                attachment.id,
            )
        )
        attachment.invalidate_recordset(["store_fname", "file_size", "checksum", "raw", "datas"])
        return attachment

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
