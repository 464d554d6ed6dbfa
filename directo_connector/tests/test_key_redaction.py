# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The XML Direct key reaches no user-visible text: an endpoint that echoes the request
(as some gateways' error pages do) sends it back raw, URL-encoded and XML-escaped; it
must be in no error, diagnosis, chatter message, activity, connection message, exchange
or attachment."""

import re
from html import escape
from urllib.parse import quote, quote_plus

from odoo.tests import tagged

from .common import SANDBOX_TOKEN
from .test_export import DirectoExportCommon

#: A key with the characters URL-encoding and XML-escaping change.
KEY = "Ky+Ab/Cd=Ef&Gh+Zz9"
ECHO = "Request rejected"


def _forms(key):
    lower_hex = re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(key))
    return {key, quote(key), quote(key, safe=""), quote_plus(key), lower_hex, escape(key)}


@tagged("post_install", "-at_install")
class TestDirectoKeyRedaction(DirectoExportCommon):
    def setUp(self):
        super().setUp()
        self.sandbox.state.add_token(KEY)
        self._configure_company(self.company, token=KEY)
        self.addCleanup(self._configure_company, self.company, SANDBOX_TOKEN)

    def assertNoKey(self, texts):
        for text in texts:
            text = str(text or "")
            for form in _forms(KEY) | {"Ky+Ab", "Ky%2BAb", "Ky%2bAb"}:
                self.assertNotIn(form, text)

    def _exchange_texts(self):
        exchanges = self.env["directo.exchange"].search([("company_id", "=", self.company.id)])
        texts = []
        for exchange in exchanges:
            texts += [
                exchange.url,
                exchange.request_params,
                exchange.request_body,
                exchange.response_body,
                exchange.error_message,
            ]
            if exchange.response_attachment_id:
                texts.append(exchange.response_attachment_id.raw.decode())
        return texts

    def _record_texts(self, record):
        texts = [m.body for m in record.message_ids] + [m.subject for m in record.message_ids]
        for activity in record.activity_ids:
            texts += [activity.summary, activity.note]
        return texts

    def test_echoing_endpoint_leaks_the_key_nowhere(self):
        # The invoice export: its error, its attempts, its chatter and activities.
        move = self._invoice()
        self.sandbox.state.add_fault("echo", sticky=True)
        self._export(move)
        self.env["account.move"]._cron_directo_export()
        texts = [move.directo_error, move.directo_payment_error]
        texts += move.directo_attempt_ids.mapped("message") + self._record_texts(move)
        self.assertIn(ECHO, "\n".join(str(t) for t in texts), "the invoice shows the echo")
        # Connect: the connection message the settings show to every internal user.
        self.company.action_directo_connect()
        texts.append(self.company.directo_connection_message)
        # A client import: its error, its chatter and the user's activity.
        run = self.env["directo.import"]._directo_enqueue("client", self.company)
        self.env["directo.import"]._cron_process_imports()
        texts += [run.error, *self._record_texts(run)]
        self.assertIn(ECHO, run.error, "the import shows the echo")
        self.sandbox.state.clear_faults()
        self.sandbox.state.add_fault("echo_text", sticky=True)
        self.company.action_directo_connect()
        texts.append(self.company.directo_connection_message)
        texts += self._exchange_texts()
        # The echoes did reach Odoo: what the endpoint said is kept (without the key).
        self.assertIn(ECHO, "\n".join(str(t) for t in texts))
        self.assertIn(ECHO, self.company.directo_connection_message)
        self.assertTrue(
            any(form in request.form.get("token", "") for request in self.sandbox.requests)
            for form in [KEY]
        )
        self.assertNoKey(texts)
