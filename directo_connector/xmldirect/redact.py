"""Removing the XML Direct key from text that comes from Directo or the transport.

An endpoint (or a gateway's error page) may echo the request: the key then appears as it
was sent (form-encoded), as the server decoded it, percent-encoded the other way, or
XML/HTML-escaped inside a document. Every form is replaced before anything is stored or
shown (errors, diagnoses, exchanges, chatter, activities).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import IO
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "Redactor"]

REDACTED = "***"
#: Shorter keys are not redacted (a 1-3 character "key" would blank out ordinary text).
_MIN_KEY = 4
_HEX_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _forms(token: str) -> list[str]:
    """The key as it may appear in echoed text, longest first."""
    encoded = {token, quote(token), quote(token, safe=""), quote_plus(token)}
    # Percent-escapes in lower case too (some servers normalise them so).
    encoded |= {_HEX_ESCAPE.sub(lambda m: m.group(0).lower(), form) for form in encoded}
    forms = set(encoded)
    for form in encoded:
        forms.add(escape(form, quote=True))  # &amp; &lt; &gt; &quot; &#x27;
        forms.add(escape(form, quote=False))
        # Numeric character references of the characters URL-encoding leaves alone.
        forms.add(form.replace("&", "&#38;"))
        forms.add(form.replace("&", "&#38;").replace("+", "&#43;"))
        forms.add(escape(form, quote=True).replace("+", "&#43;"))
    return sorted(forms, key=len, reverse=True)


class Redactor:
    """Replaces every form of ``token`` in text and bytes (nothing for a key under 4
    characters)."""

    def __init__(self, token: str | None) -> None:
        token = token or ""
        self.forms = _forms(token) if len(token) >= _MIN_KEY else []
        self._pattern = (
            re.compile("|".join(re.escape(form) for form in self.forms)) if self.forms else None
        )
        self._bytes_pattern = (
            re.compile(b"|".join(re.escape(form.encode("utf-8")) for form in self.forms))
            if self.forms
            else None
        )
        #: Bytes a match can span: what a stream keeps back between chunks.
        self.overlap = max((len(form.encode("utf-8")) for form in self.forms), default=1) - 1

    def text(self, text):
        """``text`` without the key (None and empty values pass through)."""
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def data(self, data: bytes | None) -> bytes | None:
        if not data or self._bytes_pattern is None:
            return data
        return self._bytes_pattern.sub(REDACTED.encode(), data)

    def stream(self, source: IO[bytes], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        """The bytes of ``source`` (from its current position) without the key, in chunks:
        never more than a chunk plus the longest form in memory."""
        carry = b""
        while True:
            chunk = source.read(chunk_size)
            if not chunk:
                break
            buffer = self.data(carry + chunk) or b""
            keep = min(self.overlap, len(buffer))
            carry = buffer[len(buffer) - keep :] if keep else b""
            out = buffer[: len(buffer) - keep]
            if out:
                yield out
        if carry:
            yield self.data(carry) or b""
