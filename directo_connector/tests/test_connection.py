# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import socket

from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.directo_connector.models import directo_exchange

from .common import SANDBOX_TOKEN, DirectoImportCase, DirectoTransactionCase


def _closed_loopback_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestDirectoConnection(DirectoTransactionCase):
    def _exchanges(self):
        return self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id)], order="id"
        )

    def test_connect_success(self):
        before = len(self._exchanges())
        action = self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertTrue(self.company.directo_connection_checked_at)
        self.assertEqual(action["params"]["type"], "success")
        exchanges = self._exchanges()[before:]
        # Every feed the module uses is checked: the reads, and a put without documents;
        # then Odoo's copy of Directo's codes is read (for the proposed mappings), the
        # VAT code list included.
        self.assertEqual(
            set(zip(exchanges.mapped("component"), exchanges.mapped("operation"), strict=True)),
            {
                ("customer", "get"),
                ("item", "get"),
                ("invoice", "put"),
                ("receipt", "get"),
                ("object", "get"),
                ("contact", "get"),
                ("itemaccountvatcode", "get"),
            },
        )
        self.assertIn("Odoo proposes a code", self.company.directo_connection_message)
        # Every check is recorded as a check that passed (green), with the feed it proved,
        # the empty put included (Directo's "No processable XML data found" is its proof);
        # the reads of Odoo's copy of Directo's codes that follow are plain answered reads.
        self.assertTrue(all(exchanges.mapped("success")))
        checks = exchanges.filtered("check_feed")
        copy_reads = exchanges - checks
        self.assertEqual(set(checks.mapped("result")), {"check"})
        self.assertEqual(set(copy_reads.mapped("result")), {"ok"})
        self.assertEqual(
            set(copy_reads.mapped("component")),
            {"customer", "item", "object", "itemaccountvatcode"},
        )
        self.assertFalse(any(exchanges.mapped("error_message")))
        put = exchanges.filtered(lambda e: e.operation == "put")
        self.assertEqual(put.check_feed, "Invoices in")
        self.assertIn('type="99"', put.response_body)
        self.assertIn("nothing was stored", put.check_note)
        self.assertEqual(
            set(checks.mapped("check_feed")),
            {
                "Customers out",
                "Articles out",
                "Invoices in",
                "Receipts out",
                "Objects out",
                "Contacts out",
            },
        )
        # The exchange's title says what it was, in words.
        self.assertRegex(put.display_name, r"^Invoices, Write \(put\) #\d+$")
        self.assertEqual(set(self.sandbox.invoices()), {700001, 700002})  # nothing stored
        self.assertNotIn("Contacts out", self.company.directo_connection_message)
        for exchange in exchanges:
            self.assertNotIn(SANDBOX_TOKEN, exchange.request_body or "")
            self.assertNotIn(SANDBOX_TOKEN, exchange.request_params or "")
            self.assertNotIn(SANDBOX_TOKEN, exchange.url or "")
            self.assertIn("***", exchange.request_body)

    def test_connect_trims_whitespace_and_reports_it(self):
        self.company.sudo().directo_token = "  %s\n" % SANDBOX_TOKEN
        action = self.company.action_directo_connect()
        self.assertEqual(self.company.sudo().directo_token, SANDBOX_TOKEN)
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertIn("Whitespace", action["params"]["message"])

    def test_connect_trimmed_key_still_rejected(self):
        self.company.sudo().directo_token = " NOT-A-REAL-KEY "
        self.company.action_directo_connect()
        self.assertEqual(self.company.sudo().directo_token, "NOT-A-REAL-KEY")
        self.assertEqual(self.company.directo_connection_state, "failed")
        message = self.company.directo_connection_message
        self.assertIn("Type 5", message)
        self.assertIn("whitespace around it; it was removed", message)
        self.assertIn("different Directo company", message)
        self.assertIn("revoked", message)
        failed = self._exchanges().filtered(lambda e: not e.success)
        self.assertTrue(failed)
        self.assertNotIn("NOT-A-REAL-KEY", failed[-1].request_body)

    def test_connect_wrong_key(self):
        self.company.sudo().directo_token = "WRONG-KEY"
        action = self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "failed")
        self.assertEqual(action["params"]["type"], "danger")
        message = self.company.directo_connection_message
        self.assertIn("Type 5", message)
        self.assertNotIn("whitespace around it", message)
        # Odoo strips whitespace itself: not a cause. The causes stand on lines of their
        # own (the notification keeps line breaks through its CSS class).
        self.assertNotIn("whitespace", message)
        causes = message.split("\n")[1:]
        self.assertEqual([cause[:3] for cause in causes], ["1. ", "2. ", "3. "])
        self.assertIn("different Directo company", causes[0])
        self.assertEqual(action["params"]["message"], message)
        self.assertEqual(action["params"]["className"], "o_directo_notification")
        # The exchange says it in words, the technical value kept beside it.
        exchange = self._exchanges()[-1]
        self.assertEqual(exchange.outcome, "DirectoUnauthorized")
        self.assertEqual(exchange.result, "key_rejected")

    def test_connect_component_not_activated(self):
        self.company.sudo().directo_token = "DEMO-NOREAD"
        self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "failed")
        message = self.company.directo_connection_message
        self.assertIn("not activated", message)
        self.assertIn("the feed direction Customers out is not activated", message)
        self.assertIn("Ask Directo to activate Customers out", message)

    def test_connect_unreachable_host(self):
        port = _closed_loopback_port()
        self.company.directo_url = "http://127.0.0.1:%s/xmlcore/cap_xml_direct/xmlcore.asp" % port
        self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "failed")
        message = self.company.directo_connection_message
        self.assertIn("could not be reached", message)
        self.assertIn("Technical detail", message)
        exchange = self._exchanges()[-1]
        self.assertFalse(exchange.success)
        self.assertTrue(exchange.error_message)

    def test_connect_without_key(self):
        self.company.sudo().directo_token = "   "
        with self.assertRaises(UserError):
            self.company.action_directo_connect()

    def test_plain_http_refused_except_loopback(self):
        with self.assertRaises(ValidationError):
            self.company.directo_url = "http://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp"
        self.company.directo_url = "https://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp"
        self.company.directo_url = "http://localhost:8800/xmlcore/cap_xml_direct/xmlcore.asp"

    def test_non_admin_cannot_read_key(self):
        accountant = new_test_user(
            self.env,
            login="directo_accountant",
            groups="account.group_account_manager",
            company_id=self.company.id,
        )
        company = self.company.with_user(accountant)
        with self.assertRaises(AccessError):
            company.read(["directo_token"])
        self.assertNotIn("directo_token", company.fields_get())
        # Admins can.
        admin = new_test_user(
            self.env, login="directo_admin", groups="base.group_system", company_id=self.company.id
        )
        self.assertEqual(
            self.company.with_user(admin).read(["directo_token"])[0]["directo_token"],
            SANDBOX_TOKEN,
        )

    def test_connect_from_settings(self):
        settings = Form(self.env["res.config.settings"])
        settings.directo_token = " %s " % SANDBOX_TOKEN
        record = settings.save()
        record.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertEqual(self.company.sudo().directo_token, SANDBOX_TOKEN)

    def test_settings_buttons_save_the_whole_page_first(self):
        """The settings buttons run without the "Unsaved changes" dialog (noSaveDialog):
        the web client saves the settings record and calls the button, which applies the
        rest of the page as Save does, then does what it says. The answer refreshes the
        page in place instead of reloading it to the top."""
        view = self.env.ref("directo_connector.res_config_settings_view_form")
        buttons = etree.fromstring(view.arch_db).xpath("//button")
        self.assertTrue(buttons)
        for button in buttons:
            self.assertEqual(button.get("type"), "object", button.get("name"))
            self.assertEqual(button.get("noSaveDialog"), "1", button.get("name"))
            self.assertTrue(hasattr(self.env["res.config.settings"], button.get("name")))
        self.company.sudo().directo_token = False
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("directo_connector.article_product_type", "service")
        # What the web client does on the first click: save the page's record, call the
        # button on it.
        settings = Form(self.env["res.config.settings"])
        settings.directo_token = " %s " % SANDBOX_TOKEN
        settings.directo_article_product_type = "consu"
        record = settings.save()
        action = record.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertEqual(params.get_param("directo_connector.article_product_type"), "consu")
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        for name in ("action_directo_open_exchanges", "action_directo_open_receipts"):
            self.assertEqual(getattr(record, name)()["type"], "ir.actions.act_window")

    def test_exchange_results_in_words(self):
        results = dict(self.env["directo.exchange"]._fields["result"].selection)
        for outcome, result in (
            ("ok", "ok"),
            (None, "ok"),
            ("DirectoTimeout", "timeout"),
            ("DirectoBatchTimeout", "timeout"),
            ("DirectoTransientError", "unreachable"),
            ("DirectoNotActivated", "not_activated"),
            ("DirectoReferenceNotFound", "unknown_code"),
            ("DirectoError", "error"),
            ("SomethingNew", "error"),
        ):
            self.assertEqual(directo_exchange.result_of(outcome), result, outcome)
            self.assertIn(result, results)

    def test_exchange_cleanup(self):
        self.company.action_directo_connect()
        exchanges = self._exchanges()
        self.assertTrue(exchanges)
        self.env.cr.execute(
            "UPDATE directo_exchange SET create_date = now() - interval '100 days' WHERE id IN %s",
            [tuple(exchanges.ids)],
        )
        self.company.action_directo_connect()
        recent = self._exchanges() - exchanges
        removed = self.env["directo.exchange"]._cron_cleanup_exchanges()
        self.assertGreaterEqual(removed, len(exchanges))
        self.assertFalse(exchanges.exists())
        self.assertEqual(recent.exists(), recent)

    def test_buttons_refuse_non_admins(self):
        """Connect and Fetch paid status are public methods: a non-admin calling them over
        RPC gets an access error before anything is sent to Directo."""
        accountant = new_test_user(
            self.env,
            login="directo_accountant_rpc",
            groups="account.group_account_manager",
            company_id=self.company.id,
        )
        requests_before = len(self.sandbox.requests)
        company = self.company.with_user(accountant)
        with self.assertRaises(AccessError):
            company.action_directo_connect()
        with self.assertRaises(AccessError):
            company.action_directo_fetch_paid_status()
        self.assertEqual(len(self.sandbox.requests), requests_before)


@tagged("post_install", "-at_install")
class TestConnectIsClean(DirectoImportCase):
    """Connect clicked again and again: one client import, one activity."""

    def _client_imports(self):
        return self.Import.search([("company_id", "=", self.company.id), ("kind", "=", "client")])

    def test_connect_does_not_queue_a_second_client_import(self):
        self.company.action_directo_connect()
        self.company.action_directo_connect()
        self.assertEqual(len(self._client_imports()), 1, "waiting: Connect queues no other")
        self._run_cron()
        run = self._client_imports()
        self.assertEqual(run.state, "ready")
        activity_type = self.env.ref("directo_connector.mail_activity_type_import_ready")
        self.assertEqual(
            len(run.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)), 1
        )
        # The preview waits to be reviewed: Connect again reads nothing new.
        self.company.action_directo_connect()
        self.company.action_directo_connect()
        self.assertEqual(self._client_imports(), run)
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertFalse(self.Import.search_count([("state", "=", "queued")]))
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "directo.import"), ("activity_type_id", "=", activity_type.id)]
        )
        self.assertEqual(len(activities), 1)
        # Once the preview has been acted on, a later Connect reads the clients again.
        run._directo_close_preview_activity("done")
        self.company.action_directo_connect()
        self.assertEqual(len(self._client_imports()), 2)

    def test_connect_records_green_checks_not_errors(self):
        before = self.env["directo.exchange"].search([], order="id desc", limit=1).id or 0
        self.company.action_directo_connect()
        exchanges = self.env["directo.exchange"].search([("id", ">", before)])
        # Six checks, then the six reads of Odoo's copy of Directo's codes (clients and
        # articles open and closed, objects, the VAT code list).
        self.assertEqual(len(exchanges.filtered("check_feed")), 6)
        self.assertEqual(len(exchanges), 12)
        self.assertFalse(exchanges.filtered(lambda e: not e.success))
        failed = self.env["directo.exchange"].search_count(
            [("id", ">", before), ("success", "=", False)]
        )
        self.assertEqual(failed, 0, "the Exchanges' Failed filter shows nothing after Connect")
