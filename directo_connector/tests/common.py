# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import os
import sys
import unittest
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlparse

from odoo import Command
from odoo.tests import HttpCase, common, new_test_user
from odoo.tests.common import ChromeBrowser

from odoo.addons.bus.websocket import WebsocketConnectionHandler

try:
    from directo_sandbox import DirectoSandbox
except ImportError:
    # Run from a checkout by odoo-bin (not from the repository root): the sandbox is the
    # package beside the addon. An installed addon needs `pip install ./directo_sandbox`.
    sys.path.append(str(Path(__file__).resolve().parents[2]))
    from directo_sandbox import DirectoSandbox

SANDBOX_TOKEN = "DEMO-TOKEN"


class DirectoSandboxMixin:
    """Starts a Directo sandbox (a real HTTP server on 127.0.0.1) for the test class."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's guard compares the timeout with a number; our client sends the
        # (connect, read) tuple requests documents, so loopback calls bypass it.
        if urlparse(r.url).hostname in ("127.0.0.1", "localhost"):
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    @classmethod
    def _start_directo_sandbox(cls):
        cls.sandbox = DirectoSandbox(port=0, demo=True)
        cls.sandbox.start()
        cls.addClassCleanup(cls.sandbox.stop)

    @classmethod
    def _configure_company(cls, company, token=SANDBOX_TOKEN):
        company.sudo().write(
            {
                "directo_url": cls.sandbox.url,
                "directo_token": token,
                "directo_invoice_export": True,
                # As after Connect: calls are refused while a company is not connected.
                "directo_connection_state": "connected",
            }
        )


class DirectoTransactionCase(DirectoSandboxMixin, common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_directo_sandbox()
        cls.company = cls.env.company
        cls._configure_company(cls.company)

    def setUp(self):
        super().setUp()
        self.sandbox.reset()


class DirectoImportCase(DirectoTransactionCase):
    """Client / article import tests: users, the import job and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Import = cls.env["directo.import"]
        cls.Partner = cls.env["res.partner"]
        cls.cron = cls.env.ref("directo_connector.ir_cron_directo_import")
        cls.invoicing_user = new_test_user(
            cls.env,
            login="directo_invoicing",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.plain_user = new_test_user(
            cls.env, login="directo_plain", groups="base.group_user", company_id=cls.company.id
        )

    # ------------------------------------------------------------------ helpers

    def _triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])

    def _run_cron(self):
        """What the scheduled action does: called until no work remains (as the cron
        framework does while progress reports remaining work)."""
        for _i in range(20):
            if not self.Import.search_count([("state", "in", ("queued", "reading", "adding"))]):
                return
            self.Import._cron_process_imports()
        self.fail("the import job did not finish")

    def _read(self, kind="client", user=None):
        env_import = self.Import.with_user(user) if user else self.Import
        run = env_import._directo_enqueue(kind, self.company)
        self._run_cron()
        run.invalidate_recordset()
        self.assertEqual(run.state, "ready", run.error)
        return run.sudo()

    def _messages(self, run):
        return " ".join(str(body) for body in run.message_ids.mapped("body"))

    def _lines(self, run):
        field = "client_line_ids" if run.kind == "client" else "article_line_ids"
        return run[field]

    def _by_code(self, run):
        return {line.code: line for line in self._lines(run)}

    def _clients(self, code):
        return self.Partner.with_context(active_test=False).search(
            [("directo_code", "=", code), ("parent_id", "=", False)]
        )


# Browser tours (test_tours.py, test_reconciliation_tour.py). Screenshots: with
# DIRECTO_SCREENSHOTS=<folder> in the environment, every tour step that logs
# ``directo-screenshot:<name>`` saves the page as ``<folder>/<name>.png``.

SCREENSHOT_SIGNAL = "directo-screenshot:"
_handle_console = ChromeBrowser._handle_console


def _handle_console_with_screenshots(browser, type, args=None, **kw):  # pylint: disable=redefined-builtin
    """Chrome's console hook: ``directo-screenshot:<name>`` saves a screenshot."""
    folder = os.environ.get("DIRECTO_SCREENSHOTS")
    if folder and type == "log" and args:
        message = str(browser._from_remoteobject(args[0]))
        if message.startswith(SCREENSHOT_SIGNAL):
            path = Path(folder) / ("%s.png" % message[len(SCREENSHOT_SIGNAL) :])

            def save(future, path=path):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(base64.b64decode(future.result()["data"]))

            browser._websocket_send(
                "Page.captureScreenshot", params={"format": "png"}, with_future=True
            ).add_done_callback(save)
    return _handle_console(browser, type, args=args, **kw)


class DirectoTourCase(DirectoSandboxMixin, HttpCase):
    """A browser test against the sandbox (screenshots on request, no silent skip)."""

    browser_size = "1400x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._start_directo_sandbox()
        cls.company = cls.env.company
        cls.startClassPatcher(
            patch.object(ChromeBrowser, "_handle_console", _handle_console_with_screenshots)
        )
        # Odoo's own test runner refuses the bus's websocket while a test runs (pytest-odoo
        # does not): the tours wait for the notifications sent by the scheduled action, so
        # allow it as Odoo's bus tests do (bus.tests.common.WebsocketCase).
        cls.startClassPatcher(
            patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True)
        )

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        self._configure_company(self.company)

    def _admin_in_estonian(self):
        self.env["res.lang"]._activate_lang("et_EE")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "account", "directo_connector"], ["et_EE"], overwrite=True
        )
        self.env.ref("base.user_admin").lang = "et_EE"

    def start_tour(self, *args, **kwargs):
        # Odoo skips a tour when it finds no chromium; the test command (run_tests.sh sets
        # DIRECTO_REQUIRE_BROWSER=1) must not pass without having clicked anything.
        try:
            return super().start_tour(*args, **kwargs)
        except unittest.SkipTest as skip:
            if os.environ.get("DIRECTO_REQUIRE_BROWSER") == "1":
                self.fail("The browser tour could not run: %s" % skip)
            raise


def posted_invoice(partner, amount, date, move_type="out_invoice", currency=None, number=None):
    """A posted invoice of one untaxed row; with ``number``: marked as sent to Directo under
    that number, as a Type 0/30 answer writes it (only the export may write these fields)."""
    env = partner.env
    move = env["account.move"].create(
        {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": date,
            "currency_id": (currency or env.company.currency_id).id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Konsultatsioon",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    move.action_post()
    if number:
        move._directo_write_states(
            {
                move.id: {
                    "directo_state": "sent",
                    "directo_number": number,
                    "directo_document": "draft",
                }
            }
        )
    return move
