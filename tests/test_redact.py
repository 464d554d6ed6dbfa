"""The key never comes back from Directo or the transport: an endpoint that echoes the
request puts it in errors, put results and answers in every form (raw, URL-encoded,
XML-escaped); the client removes all of them."""

from __future__ import annotations

import io
import re
from html import escape
from urllib.parse import quote, quote_plus

import pytest
from test_client import invoice

from xmldirect import DirectoClient, DirectoError
from xmldirect.redact import REDACTED, Redactor

#: A key with the characters that URL-encoding and XML-escaping change.
KEY = "Ab+c/D=e&F<g>'h\"Z9"


def forms(key=KEY):
    return {
        key,
        quote(key),
        quote(key, safe=""),
        quote_plus(key),
        re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(key)),
        escape(key),
        escape(quote_plus(key)),
        key.replace("&", "&#38;"),
    }


@pytest.mark.parametrize("form", sorted(forms()))
def test_every_form_is_redacted(form):
    text = f"before {form} after"
    redactor = Redactor(KEY)
    assert redactor.text(text) == f"before {REDACTED} after"
    assert redactor.data(text.encode()) == f"before {REDACTED} after".encode()


def test_short_or_missing_key_leaves_text_alone():
    assert Redactor("abc").text("abc abc") == "abc abc"
    assert Redactor(None).text("text") == "text"
    assert Redactor(KEY).text(None) is None


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 64])
def test_stream_redacts_across_chunk_boundaries(chunk_size):
    body = ("x" * 5 + quote_plus(KEY) + "y" * 3 + KEY + escape(KEY) + "z").encode()
    out = b"".join(Redactor(KEY).stream(io.BytesIO(body), chunk_size))
    assert out == b"xxxxx***yyy******z"


def echoed(text: str) -> bool:
    return any(form in text for form in forms()) or "Ab+c" in text or "Ab%2Bc" in text


@pytest.mark.parametrize("fault", ["echo", "echo_text"])
def test_echoing_endpoint_leaks_the_key_nowhere(sandbox, fault):
    sandbox.state.add_token(KEY)
    seen = []

    def on_exchange(exchange):
        whole = b"".join(exchange.response_chunks()) if exchange.response_chunks else b""
        seen.append((exchange, whole))

    client = DirectoClient(sandbox.url, KEY, on_exchange=on_exchange, exchange_body_limit=40)
    sandbox.state.add_fault(fault, sticky=True)
    caught = []
    for call in (client.check_connection, lambda: client.put_invoices([invoice(901)])):
        with pytest.raises(DirectoError) as err:
            call()
        caught.append(err.value)
    # The endpoint did echo it: the test would notice a leak.
    assert any(KEY in req.form.get("token", "") for req in sandbox.requests)
    assert seen and len(seen) == len(caught)
    for exchange, whole in seen:
        texts = [exchange.error or "", exchange.url, exchange.request_body, repr(exchange.params)]
        texts.append((exchange.response_body or b"").decode("utf-8", "replace"))
        texts.append(whole.decode("utf-8", "replace"))
        assert "Request rejected" in whole.decode()  # the echo was read, and kept
        for text in texts:
            assert not echoed(text), text
    for err in caught:
        for text in (str(err), repr(err), err.desc, " ".join(map(str, err.args))):
            assert not echoed(text), text
        assert REDACTED in str(err) or fault == "echo_text"
