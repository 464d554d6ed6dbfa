"""Typed errors of the Directo XML Direct client.

Why typed errors: the Odoo side must decide per failure whether to retry later
(transient), to show the user what to fix (final), or - for invoice exports - to
treat a document as "may have been processed" (timeouts). Every error carries the
Directo result ``Type`` (when Directo sent one) and the ``Desc`` text verbatim.

No message ever contains the XML Direct token: the client never builds messages from
the request body and scrubs the token from anything it re-raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The titles below are shown to users: ``_`` marks them for Odoo's translation export and
# :meth:`DirectoError.translated` translates them (there is no env in this layer).
# pylint: disable=prefer-env-translation

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .codec import PutResult

__all__ = [
    "DirectoAnswerTooLarge",
    "FEEDS",
    "DirectoBatchError",
    "DirectoConfirmedLocked",
    "DirectoDuplicate",
    "DirectoError",
    "DirectoInvalidXml",
    "DirectoNotActivated",
    "DirectoProtocolError",
    "DirectoReferenceNotFound",
    "DirectoRoutingError",
    "DirectoTimeout",
    "DirectoTokenRequired",
    "DirectoTransientError",
    "DirectoUnauthorized",
    "DirectoUnavailable",
    "batch_error",
    "error_for_result",
    "explained",
]


def _(template: str) -> str:
    """Marks a message for Odoo's translation export (Odoo scans every ``_("...")`` call
    of the addon); the Odoo layer translates it (``RuleError.translated``,
    ``DirectoError.translated``, ``Message.translated``)."""
    return template


#: The feed direction Directo activates per key for each (component, operation) the
#: module uses. The help page names the first three; the others follow the same pattern.
FEEDS: dict[tuple[str, str], str] = {
    ("customer", "get"): "Customers out",
    ("item", "get"): "Articles out",
    ("invoice", "put"): "Invoices in",
    ("receipt", "get"): "Receipts out",
    ("object", "get"): "Objects out",
    ("contact", "get"): "Contacts out",
}


class DirectoError(Exception):
    """Base class. ``retryable`` tells whether the same request may succeed later.

    ``component`` / ``operation`` name the request that failed (set by the client), so a
    refused key can be reported with the feed it was refused for.
    """

    retryable: bool = False
    #: Short human title used by ``str()``; subclasses override it.
    title: str = _("Directo error")
    component: str | None = None
    operation: str | None = None
    #: ``(template, params)`` when the client itself worded what happened (see
    #: :func:`explained`): the Odoo layer translates the template, ``desc`` is its English.
    explanation: tuple[str, dict[str, Any]] | None = None

    @property
    def feed(self) -> str | None:
        """The feed direction of the failed request (e.g. "Invoices in"), if known."""
        return FEEDS.get((self.component or "", self.operation or ""))

    def __init__(
        self,
        desc: str = "",
        type_code: int | None = None,
        *,
        http_status: int | None = None,
    ) -> None:
        self.desc: str = desc or ""
        self.type_code: int | None = type_code
        self.http_status: int | None = http_status
        super().__init__(self.desc)

    def __str__(self) -> str:
        parts = [self.title]
        if self.desc and self.desc != self.title:
            parts.append(f": {self.desc}")
        if self.type_code is not None:
            parts.append(f" (Directo type {self.type_code})")
        elif self.http_status is not None:
            parts.append(f" (HTTP {self.http_status})")
        return "".join(parts)

    def translated(self, gettext) -> str:
        """``str(self)`` in the user's language: the title through ``gettext`` (e.g. Odoo's
        ``env._``); Directo's own description and technical details stay verbatim."""
        text = gettext(self.title)
        if self.explanation:
            template, params = self.explanation
            text += ": " + gettext(template, **params)
        elif self.desc and self.desc != self.title:
            text += f": {self.desc}"
        if self.type_code is not None:
            text += " " + gettext(_("(Directo type %(type)s)"), type=self.type_code)
        elif self.http_status is not None:
            text += f" (HTTP {self.http_status})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(desc={self.desc!r}, type_code={self.type_code!r})"


def explained(
    cls: type[DirectoError], template: str, /, *, http_status: int | None = None, **params: Any
) -> DirectoError:
    """A ``cls`` error the client words itself: ``template`` (marked with ``_``, filled with
    ``params``, technical values such as a library's message) is translated by the Odoo
    layer (``translated``); its English is the error's ``desc`` (logs, exchanges)."""
    error = cls(template % params, http_status=http_status)
    error.explanation = (template, params)
    return error


class DirectoTransientError(DirectoError):
    """Timeouts, connection errors/drops, HTTP 5xx: retry later (wait >= 60 s)."""

    retryable = True
    title = _("Directo is temporarily unreachable")


class DirectoTimeout(DirectoTransientError):
    """The request was sent but no (complete) answer arrived in time.

    For writes this means: Directo may have processed the request. Re-send as an
    update (``xd_update=1``) rather than as a create.
    """

    title = _("Directo did not answer in time")


class DirectoUnavailable(DirectoTransientError):
    """HTTP 200 with an empty body, an HTML page or plain text instead of XML Direct.

    A maintenance page or a proxy's error page: Directo itself did not answer, so the
    request is retried later like any other outage (never mistaken for an unsafe XML).
    """

    title = _("Directo is unavailable or answered something that is not XML Direct")


class DirectoAnswerTooLarge(DirectoTransientError):
    """An answer that is read whole (put results) grew beyond the client's cap.

    Put results are a few bytes per document; megabytes mean a broken proxy or server.
    The rest is not read (the worker's memory stays bounded) and the call is retried.
    """

    title = _("Directo's answer is far larger than expected")


class DirectoUnauthorized(DirectoError):
    """Type 5: the XML Direct key is wrong, expired or from another setup."""

    title = _("Directo rejected the XML Direct key")


class DirectoNotActivated(DirectoError):
    """Type 5 naming a component / "not allowed" / "not activated".

    The key is valid but the component (feed direction) is not enabled for it.
    Directo's real wording is undocumented; we recognise it by ``desc``.
    """

    title = _("This Directo feed direction is not activated for the XML Direct key")


class DirectoTokenRequired(DirectoError):
    """``<err>token required</err>``: the request carried no token variable at all."""

    title = _("Directo says the XML Direct key is missing")


class DirectoInvalidXml(DirectoError):
    """Type 8: Directo could not read the XML we sent."""

    title = _("Directo could not read the XML")


class DirectoDuplicate(DirectoError):
    """Type 11: the document number already exists (sent without ``xd_update=1``)."""

    title = _("The document already exists in Directo")


class DirectoConfirmedLocked(DirectoError):
    """Type 14: the document is confirmed (or linked) in Directo and cannot change."""

    title = _("The document is confirmed in Directo and cannot be changed")


class DirectoReferenceNotFound(DirectoError):
    """Type 31: a referenced record (article, VAT code, customer, object...) is missing."""

    title = _("A referenced record was not found in Directo")


class DirectoRoutingError(DirectoError):
    """HTTP 404 or Type 404 "Invalid url given": wrong URL or parameter routing."""

    title = _("Directo could not route the request (check URL / parameter routing)")


class DirectoProtocolError(DirectoError):
    """Unexpected, malformed or unsafe answer (broken XML, DTD/entities, HTTP 4xx...).

    Not for an answer that is no XML at all (HTML page, empty body): that is
    :class:`DirectoUnavailable`.
    """

    title = _("Unexpected answer from Directo")


class DirectoBatchError(DirectoError):
    """Raised by ``DirectoClient.put_invoices`` when one batch fails at transport level.

    It is always *also* an instance of the underlying error's class (see
    :func:`batch_error`), so ``except DirectoTimeout`` keeps working, while the caller can
    still pick up what happened to every submitted document:

    * ``results`` - one :class:`~.codec.PutResult` per submitted payload, in input order.
      Documents of batches answered before the failure carry Directo's real result;
      the others have ``type_code=None``.
    * ``failed_numbers`` - numbers of the batch in flight when the error happened. Their
      state is UNKNOWN (Directo may have stored them): re-send them as updates.
    * ``unsent_numbers`` - numbers of later batches that were never sent: safe to
      re-send exactly as before.
    * ``partial_results`` - only the real results (answered batches).
    * ``cause`` - the original error.
    """

    title = _("Sending invoices to Directo failed part-way")

    def __init__(
        self,
        desc: str = "",
        type_code: int | None = None,
        *,
        http_status: int | None = None,
        cause: DirectoError | None = None,
        results: list[PutResult] | None = None,
        failed_numbers: list[int] | None = None,
        unsent_numbers: list[int] | None = None,
    ) -> None:
        super().__init__(desc, type_code, http_status=http_status)
        self.cause = cause
        self.results: list[PutResult] = list(results or [])
        self.failed_numbers: list[int] = list(failed_numbers or [])
        self.unsent_numbers: list[int] = list(unsent_numbers or [])

    @property
    def partial_results(self) -> list[PutResult]:
        pending = set(self.failed_numbers) | set(self.unsent_numbers)
        return [r for r in self.results if r.number not in pending]


_BATCH_CLASSES: dict[type, type] = {}


def batch_error(cause: DirectoError, **kwargs: Any) -> DirectoBatchError:
    """Build a :class:`DirectoBatchError` that is also an instance of ``type(cause)``.

    Why: callers written as ``except DirectoTimeout`` or ``except DirectoTransientError``
    must still see the failure class, and callers written against the batch API must
    find ``results`` / ``failed_numbers``. A cached dynamic subclass gives both.
    """
    cause_cls = type(cause)
    cls = _BATCH_CLASSES.get(cause_cls)
    if cls is None:
        if issubclass(cause_cls, DirectoBatchError):
            cls = cause_cls
        else:
            cls = type(
                f"DirectoBatch{cause_cls.__name__.removeprefix('Directo')}",
                (DirectoBatchError, cause_cls),
                {"title": cause_cls.title, "__module__": __name__},
            )
        _BATCH_CLASSES[cause_cls] = cls
    err = cls(cause.desc, cause.type_code, http_status=cause.http_status, cause=cause, **kwargs)
    err.component, err.operation = cause.component, cause.operation
    return err


_BY_TYPE: dict[int, type[DirectoError]] = {
    8: DirectoInvalidXml,
    11: DirectoDuplicate,
    14: DirectoConfirmedLocked,
    31: DirectoReferenceNotFound,
    404: DirectoRoutingError,
}

# Words that turn a Type 5 into "valid key, component not enabled". Directo's real
# wording is undocumented; "component" / "not allowed" / "not activated" are the
# test simulator's and the most likely phrasings.
_NOT_ACTIVATED_HINTS = ("not allowed", "not activated", "component", "no access to", "license")


def error_for_result(type_code: int | None, desc: str | None) -> DirectoError:
    """Map a Directo result ``Type`` (and ``Desc``) to the matching error instance."""
    text = (desc or "").strip()
    low = text.lower()
    if type_code is None:
        if "token required" in low:
            return DirectoTokenRequired(text)
        if low.startswith("unauthorized"):
            return _unauthorized(text, None)
        return DirectoError(text)
    if type_code == 5:
        return _unauthorized(text, type_code)
    cls = _BY_TYPE.get(type_code, DirectoError)
    return cls(text, type_code)


def _unauthorized(text: str, type_code: int | None) -> DirectoError:
    if any(hint in text.lower() for hint in _NOT_ACTIVATED_HINTS):
        return DirectoNotActivated(text, type_code)
    return DirectoUnauthorized(text or "Unauthorized", type_code)
