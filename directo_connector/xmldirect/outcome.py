"""What Directo's answer for one invoice means: a pure function, no Odoo.

The export keeps two things per invoice (see README, "Export states"):

* the **export state** — where the invoice stands in Odoo's export:
  ``to_send`` → ``sending`` → ``sent`` | ``failed`` | ``unknown``;
* the **Directo document** — what Directo holds under the invoice's number:
  nothing, ``maybe`` (a request carried it and its answer was lost), ``draft``,
  ``confirmed``, or ``taken`` (a document that is not ours has that number).

:func:`invoice_outcome` maps the answer for one document to both, plus the message the
user reads (an English template and its parameters, translated by the Odoo layer).
Only a Type 0/30 result whose ``docid`` is the invoice's number gives ``sent``.
"""

# Odoo-free layer: there is no env here. ``_`` only marks English templates for Odoo's
# translation export; the Odoo layer translates them with ``env._`` (Message / RuleError).
# pylint: disable=prefer-env-translation

from __future__ import annotations

from dataclasses import dataclass, field

from .codec import PutResult
from .errors import (
    DirectoAnswerTooLarge,
    DirectoNotActivated,
    DirectoRoutingError,
    DirectoTimeout,
    DirectoTokenRequired,
    DirectoTransientError,
    DirectoUnauthorized,
    DirectoUnavailable,
)
from .rules import _

__all__ = [
    "CONFIRMED",
    "DRAFT",
    "FAILED",
    "MAYBE",
    "OURS",
    "SENT",
    "TAKEN",
    "UNKNOWN",
    "ExportOutcome",
    "Message",
    "TransportFailure",
    "holds_ours",
    "invoice_outcome",
    "is_duplicate",
    "lost_answer_reason",
    "transport_failure",
]

# Export states an answer can lead to.
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"

# What Directo holds under the invoice's number (None: nothing of ours).
MAYBE = "maybe"
DRAFT = "draft"
CONFIRMED = "confirmed"
TAKEN = "taken"
# Directo has, or may have, a document of ours under the number.
OURS = (MAYBE, DRAFT, CONFIRMED)

# Type 1 with this Estonian word means "duplicate invoice" ("korduv arve").
_DUPLICATE_WORDS = ("korduv", "duplicate")


class TransportFailure:
    """Why a request got no per-document answer (``None`` when it got one)."""

    NOT_PROCESSED = "not_processed"  # key, feed or URL refused: Directo stored nothing
    NOT_SENT = "not_sent"  # never left Odoo (no key; an earlier batch failed)
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    NOT_XML_DIRECT = "not_xml_direct"  # maintenance page, empty or oversized answer
    UNREADABLE = "unreadable"


# Transport failures after which Directo certainly did not store anything.
_NOT_PROCESSED_ERRORS = (
    DirectoUnauthorized,
    DirectoNotActivated,
    DirectoTokenRequired,
    DirectoRoutingError,
)


def transport_failure(error) -> str | None:
    """The :class:`TransportFailure` of a request's error (None: it was answered)."""
    if error is None:
        return None
    if isinstance(error, _NOT_PROCESSED_ERRORS):
        return TransportFailure.NOT_PROCESSED
    if isinstance(error, DirectoTimeout):
        return TransportFailure.TIMEOUT
    if isinstance(error, DirectoUnavailable | DirectoAnswerTooLarge):
        return TransportFailure.NOT_XML_DIRECT
    if isinstance(error, DirectoTransientError):
        return TransportFailure.CONNECTION
    return TransportFailure.UNREADABLE


def lost_answer_reason(failure: str | None) -> Message:
    """Why a document's outcome is unknown, for a sentence "…: %(why)s, so…"."""
    return Message(
        {
            TransportFailure.TIMEOUT: _("Directo did not answer in time"),
            TransportFailure.CONNECTION: _("the connection to Directo failed"),
            TransportFailure.NOT_XML_DIRECT: _(
                "Directo is unavailable or answered something that is not XML Direct"
            ),
            TransportFailure.UNREADABLE: _("Directo's answer could not be read"),
        }.get(failure, _("Directo's answer had no result for it"))
    )


@dataclass(frozen=True)
class Message:
    """An English template with its parameters; a parameter may itself be a Message (or
    anything else with a ``translated(gettext)`` method)."""

    template: str
    params: dict = field(default_factory=dict)

    def translated(self, gettext) -> str:
        """The message through ``gettext(template, **params)`` (Odoo's ``env._``)."""
        params = {
            key: value.translated(gettext) if hasattr(value, "translated") else value
            for key, value in self.params.items()
        }
        # A trailing optional detail may be empty: no dangling blank.
        return gettext(self.template, **params).strip()


@dataclass(frozen=True)
class ExportOutcome:
    """The state, the Directo document and the user's message for one answer."""

    state: str
    document: str | None
    message: Message | None = None


def holds_ours(document: str | None) -> bool:
    """Directo has, or may have, a document of ours under the number: re-sends update it."""
    return document in OURS


def is_duplicate(result: PutResult) -> bool:
    """Directo says it already has a document with this number."""
    if result.type_code == 11:
        return True
    desc = (result.desc or "").lower()
    return result.type_code == 1 and any(word in desc for word in _DUPLICATE_WORDS)


def invoice_outcome(
    result: PutResult,
    *,
    document: str | None,
    confirm: bool,
    invoice: str,
    journal: str = "",
    culprits: tuple[str, ...] = (),
    failure: str | None = None,
    detail: str = "",
) -> ExportOutcome:
    """The outcome of one invoice's answer.

    ``result`` is the answer matched to the invoice by ``docid`` (``type_code=None``:
    none came back); ``document`` what Directo held before this send; ``confirm`` whether
    the invoice was sent for confirmation; ``failure`` a :class:`TransportFailure` value
    when the request got no per-document answer, ``detail`` its technical text;
    ``culprits`` sentences naming the Odoo records whose codes Directo's description names.
    """
    number = result.number
    if result.success:
        return ExportOutcome(SENT, CONFIRMED if confirm else DRAFT)
    if result.type_code is None:
        return _no_answer(number, document, invoice, failure, detail)
    code, desc = result.type_code, (result.desc or "").strip()
    base = {
        "move": invoice,
        "number": number,
        "desc": desc or Message(_("no description")),
        "type": code,
    }
    if code == 14:
        return _confirmed_elsewhere(document, base)
    if code == 29:
        return ExportOutcome(
            FAILED,
            DRAFT,
            Message(
                _(
                    "Invoice %(move)s was saved in Directo as a draft (number %(number)s) but "
                    "Directo could not confirm it: %(desc)s. Fix it in Directo or export it again "
                    "(it will be updated). (Directo Type %(type)s)"
                ),
                base,
            ),
        )
    if is_duplicate(result):
        return ExportOutcome(
            FAILED,
            TAKEN,
            Message(
                _(
                    "Directo already has an invoice number %(number)s that Odoo has no record of "
                    "sending for %(move)s, so it was not overwritten. If it is another document, "
                    "give journal %(journal)s a Directo number prefix (Invoicing > Configuration "
                    "> Accounting > Journals) and export again; if it is this invoice (e.g. sent "
                    "by an export that was interrupted), use 'Replace in Directo'. "
                    "(Directo Type %(type)s: %(desc)s)"
                ),
                {**base, "journal": journal},
            ),
        )
    return _refused(document, base, culprits)


def _no_answer(number, document, invoice, failure, detail) -> ExportOutcome:
    params = {"move": invoice, "number": number, "detail": detail}
    if failure == TransportFailure.NOT_PROCESSED:
        return ExportOutcome(
            FAILED,
            document,
            Message(
                _(
                    "Invoice %(move)s was not sent: %(detail)s. Check the Directo connection "
                    "in Settings > Invoicing > Directo, then export again."
                ),
                params,
            ),
        )
    if failure == TransportFailure.NOT_SENT:
        return ExportOutcome(
            FAILED,
            document,
            Message(
                _("Invoice %(move)s was not sent (%(detail)s). Export it again."),
                params,
            ),
        )
    return ExportOutcome(
        UNKNOWN,
        document if holds_ours(document) else MAYBE,
        Message(
            _(
                "Invoice %(move)s: %(why)s, so it is unknown whether Directo stored number "
                "%(number)s. It is sent again automatically as an update of the same number "
                "(never as a new invoice). %(detail)s"
            ),
            {**params, "why": lost_answer_reason(failure)},
        ),
    )


def _confirmed_elsewhere(document, base) -> ExportOutcome:
    if document == MAYBE:
        # Most likely our own earlier attempt (answer lost) was booked and confirmed, but
        # only a Type 0/30 answer marks an invoice as sent: a person checks.
        template = _(
            "Directo has a confirmed invoice number %(number)s and refuses to change it. "
            "Odoo's earlier export of %(move)s got no answer, so that is most probably this "
            "invoice, booked by that export: check invoice %(number)s in Directo. Odoo does "
            "not mark it as sent without Directo's success answer, and will not send it "
            "again. (Directo Type %(type)s: %(desc)s)"
        )
    elif holds_ours(document):
        template = _(
            "Invoice %(move)s is confirmed in Directo (number %(number)s) and cannot be "
            "changed there: the changes were not sent. Correct it in Directo, e.g. with a "
            "credit invoice. (Directo Type %(type)s: %(desc)s)"
        )
    else:
        return ExportOutcome(
            FAILED,
            TAKEN,
            Message(
                _(
                    "Directo already has a confirmed document number %(number)s that Odoo never "
                    "sent for %(move)s. Give the journal a Directo number prefix (Invoicing > "
                    "Configuration > Accounting > Journals) and export again. (Directo Type "
                    "%(type)s: %(desc)s)"
                ),
                base,
            ),
        )
    return ExportOutcome(FAILED, CONFIRMED, Message(template, base))


def _refused(document, base, culprits) -> ExportOutcome:
    code = base["type"]
    if code == 31 and culprits:
        template = _(
            "Directo does not know %(what)s, used on invoice %(move)s. Fix the code in Odoo "
            "so it matches Directo (or create it in Directo), then export again. "
            "(Directo Type %(type)s: %(desc)s)"
        )
        what = "; ".join(culprits)
        return ExportOutcome(FAILED, document, Message(template, {**base, "what": what}))
    templates = {
        31: _(
            "Directo does not know a code used on invoice %(move)s (client, article, VAT or "
            "object code): %(desc)s. Check the codes, then export again. (Directo Type "
            "%(type)s)"
        ),
        13: _(
            "Directo could not identify the client of invoice %(move)s: %(desc)s. Check the "
            "client's Directo client code and that the client has an e-mail and registration "
            "number in Directo. (Directo Type %(type)s)"
        ),
        5: _(
            "Directo refused the XML Direct key for invoice %(move)s: %(desc)s. Check the "
            "connection in Settings > Invoicing > Directo. (Directo Type %(type)s)"
        ),
    }
    template = templates.get(
        code,
        _(
            "Directo refused invoice %(move)s (number %(number)s): %(desc)s (Directo Type "
            "%(type)s). Fix the invoice and export again."
        ),
    )
    return ExportOutcome(FAILED, document, Message(template, base))
