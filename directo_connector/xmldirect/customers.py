"""Clients created in Directo from Odoo ("Customers in"): rules and what answers mean.

Pure functions, no Odoo. The Odoo layer (``directo.customer.export``) decides which code a
client gets, sends :class:`~.codec.CustomerPayload` objects with
:meth:`~.client.DirectoClient.put_customers` and turns each client's answer into a
:class:`CustomerOutcome` here:

* only a Type 0/30 result whose ``docid`` is the client's code means *created* (the code
  becomes the client's Directo Client Code);
* a Duplicate means Directo already has a client with that code (*taken*), unless the
  code was ours from an earlier request whose answer was lost and Directo's client is the
  same one (*linked*, see :func:`same_client`);
* a request that got no answer leaves the outcome *unknown*: Directo may have created it.

Messages are English templates with parameters (:class:`~.outcome.Message`), translated by
the Odoo layer.
"""

# Odoo-free layer: there is no env here. ``_`` only marks English templates for Odoo's
# translation export; the Odoo layer translates them with ``env._`` (Message / RuleError).
# pylint: disable=prefer-env-translation

from __future__ import annotations

import re
from dataclasses import dataclass

from .codec import CUSTOMER_MAX_LENGTHS, Customer, CustomerPayload, PutResult
from .errors import (
    DirectoError,
    DirectoNotActivated,
    DirectoRoutingError,
    DirectoTokenRequired,
    DirectoUnauthorized,
)
from .outcome import Message, is_duplicate, lost_answer_reason, transport_failure
from .rules import RuleError, _

__all__ = [
    "CREATED",
    "LINKED",
    "NOT_SENT",
    "REFUSED",
    "TAKEN",
    "UNKNOWN",
    "UPDATED",
    "CustomerOutcome",
    "check_code",
    "customer_outcome",
    "same_client",
    "update_outcome",
    "value_problems",
]

CREATED = "created"  # Directo created the client under the code
LINKED = "linked"  # Directo had it already: created by an earlier request of ours
TAKEN = "taken"  # Directo has another client with the code
REFUSED = "refused"  # Directo (or the key/feed) refused: nothing was created
NOT_SENT = "not_sent"  # never left Odoo
UNKNOWN = "unknown"  # no answer: Directo may have created it
UPDATED = "updated"  # partial update (name, e-mail, phone) accepted

#: The feed direction a key needs for every customer put.
CUSTOMERS_IN = "Customers in"
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class CustomerOutcome:
    """What one client's answer means, and the sentence the user reads."""

    state: str
    message: Message | None = None


def check_code(code: str | None, client: str, source: str) -> str:
    """The client code stripped, or :class:`RuleError` naming the client and the field
    (``source``) it came from."""
    text = (code or "").strip()
    if not text:
        raise RuleError(
            _(
                "Client %(client)s has no Directo client code to create it with: %(field)s "
                "is empty."
            ),
            client=client,
            field=source,
        )
    limit = CUSTOMER_MAX_LENGTHS["code"]
    if len(text) > limit:
        raise RuleError(
            _(
                "Client code %(code)s of %(client)s (%(field)s) has %(length)s characters; "
                "Directo takes at most %(limit)s."
            ),
            code=text,
            client=client,
            field=source,
            length=len(text),
            limit=limit,
        )
    return text


def value_problems(client: str, values: dict[str, tuple[str, str | None]]) -> list[RuleError]:
    """Values longer than Directo stores; ``values`` maps a Directo attribute to (the
    label of the Odoo field it comes from, its value)."""
    problems = []
    for attribute, (label, value) in values.items():
        limit = CUSTOMER_MAX_LENGTHS.get(attribute)
        if limit is not None and value and len(value) > limit:
            problems.append(
                RuleError(
                    _(
                        "Client %(client)s: %(field)s has %(length)s characters; Directo "
                        "takes at most %(limit)s. Shorten it on the client."
                    ),
                    client=client,
                    field=label,
                    length=len(value),
                    limit=limit,
                )
            )
    return problems


def _norm(value: str | None) -> str:
    return _BLANKS.sub(" ", value or "").strip().casefold()


def _compact(value: str | None) -> str:
    return _BLANKS.sub("", value or "").casefold()


def same_client(payload: CustomerPayload, found: Customer) -> bool:
    """Whether Directo's client ``found`` is the one ``payload`` describes: same name, and
    the same registration and VAT numbers where both sides have one."""
    if _norm(payload.name) != _norm(found.name):
        return False
    pairs = ((payload.regno, found.regno), (payload.vatregno, found.vatregno))
    return all(_compact(ours) == _compact(theirs) for ours, theirs in pairs if ours and theirs)


def _params(client: str, result: PutResult, error: DirectoError | None) -> dict:
    """The parameters every message about one client's answer may use."""
    return {
        "client": client,
        "code": result.number,
        "desc": result.desc or Message(_("no description")),
        "type": result.type_code,
        # The error words itself in the user's language (``translated``); a missing
        # result has no description of its own (the sentence says what is missing).
        "detail": error if error is not None else (result.desc or ""),
    }


def _transport(error: DirectoError | None, params: dict, lost: str) -> CustomerOutcome:
    """The outcome of a client whose request got no per-document answer."""
    if isinstance(error, DirectoNotActivated):
        return CustomerOutcome(
            REFUSED,
            Message(
                _(
                    "Directo accepted the XML Direct key but the feed direction %(feed)s is not "
                    "activated for it (%(detail)s), so nothing was sent for %(client)s. Ask "
                    "Directo to activate %(feed)s for the key, or switch off 'Create Clients in "
                    "Directo' in Settings > Invoicing > Directo."
                ),
                {**params, "feed": CUSTOMERS_IN},
            ),
        )
    if isinstance(error, DirectoUnauthorized | DirectoTokenRequired | DirectoRoutingError):
        return CustomerOutcome(
            REFUSED,
            Message(
                _(
                    "Nothing was sent for %(client)s: %(detail)s. Check the Directo connection "
                    "in Settings > Invoicing > Directo."
                ),
                params,
            ),
        )
    why = lost_answer_reason(transport_failure(error))
    return CustomerOutcome(UNKNOWN, Message(lost, {**params, "why": why}))


def customer_outcome(
    result: PutResult,
    *,
    client: str,
    error: DirectoError | None = None,
    sent: bool = True,
) -> CustomerOutcome:
    """The outcome of creating ``client`` under code ``result.number``.

    ``error`` is the request's transport error (None when it was answered), ``sent``
    False for a client whose request never left Odoo (an earlier batch failed).
    """
    params = _params(client, result, error)
    if result.success:
        return CustomerOutcome(CREATED)
    if not sent:
        return CustomerOutcome(
            NOT_SENT,
            Message(_("%(client)s was not sent (%(detail)s): nothing changed. Try again."), params),
        )
    if result.type_code is None:
        return _transport(
            error,
            params,
            _(
                "%(client)s: %(why)s, so it is unknown whether Directo created the client "
                "under code %(code)s. Odoo keeps that code for it: the next 'Create in "
                "Directo' uses the same code and links the client if Directo has it. "
                "%(detail)s"
            ),
        )
    if is_duplicate(result):
        return CustomerOutcome(
            TAKEN,
            Message(
                _(
                    "Directo already has a client with code %(code)s (it may be closed there), "
                    "so %(client)s was not created and nothing changed in Odoo. If that is "
                    "this client, type the code in its Directo Client Code; otherwise use "
                    "another code. (Directo Type %(type)s: %(desc)s)"
                ),
                params,
            ),
        )
    return CustomerOutcome(
        REFUSED,
        Message(
            _(
                "Directo refused to create %(client)s with code %(code)s: %(desc)s (Directo "
                "Type %(type)s). Nothing changed in Odoo: fix the client and try again."
            ),
            params,
        ),
    )


def update_outcome(
    result: PutResult,
    *,
    client: str,
    error: DirectoError | None = None,
    sent: bool = True,
) -> CustomerOutcome:
    """The outcome of the partial update (name, e-mail, phone) of ``client``."""
    params = _params(client, result, error)
    if result.success:
        return CustomerOutcome(UPDATED)
    if not sent:
        return CustomerOutcome(
            NOT_SENT,
            Message(_("The update of %(client)s was not sent (%(detail)s)."), params),
        )
    if result.type_code is None:
        return _transport(
            error,
            params,
            _(
                "%(client)s: %(why)s, so it is unknown whether Directo updated the name, "
                "e-mail and phone of client %(code)s. They are sent again. %(detail)s"
            ),
        )
    if result.type_code == 31:
        template = _(
            "Directo has no client with code %(code)s (%(desc)s), so the name, e-mail and "
            "phone of %(client)s were not updated. Check its Directo Client Code. (Directo "
            "Type %(type)s)"
        )
    else:
        template = _(
            "Directo refused to update the name, e-mail and phone of %(client)s (client "
            "%(code)s): %(desc)s (Directo Type %(type)s)."
        )
    return CustomerOutcome(REFUSED, Message(template, params))
