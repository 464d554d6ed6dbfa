# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Running in production: staging copies, the key's destination, client-code uniqueness
in PostgreSQL, bounded and non-XML answers, activities found by type."""

import tracemalloc

from psycopg2 import errors

from odoo import api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import neutralize_database
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.sql import index_exists

from odoo.addons.directo_connector.models.res_partner import DIRECTO_CODE_INDEX

from .common import SANDBOX_TOKEN, DirectoTransactionCase
from .test_export import DirectoExportCommon

ALLOWED_HOSTS = "directo_connector.allowed_hosts"
EXPORT_TYPE = "directo_connector.mail_activity_type_export_failed"


@tagged("post_install", "-at_install")
class TestDirectoNeutralize(DirectoExportCommon):
    """Odoo's own neutralization (``odoo-bin neutralize``, staging copies) silences Directo."""

    def test_neutralized_copy_makes_no_call_until_an_admin_connects(self):
        company = self.company
        # The production database being copied: invoices in Directo, one waiting.
        self._export(self._invoice())
        company.write({"directo_auto_export": True})
        waiting = self._invoice()
        self.assertEqual(waiting.directo_state, "to_send")
        self.env["directo.import"]._directo_enqueue("client", company)
        self.sandbox.reset()
        self.env.flush_all()  # what the copy holds: committed data

        neutralize_database(self.env.cr)
        self.env.invalidate_all()

        self.assertFalse(company.sudo().directo_token)
        self.assertEqual(company.directo_connection_state, "not_connected")
        self.assertFalse(company.directo_auto_export)
        # Every scheduled action of the addon runs (an admin may switch crons back on).
        self.env["account.move"]._cron_directo_export()
        self.env["directo.receipt"]._cron_fetch_paid_status()
        self.env["directo.import"]._cron_process_imports()
        self.assertEqual(self.sandbox.requests, [])

        # Someone pastes the production key and switches auto-export on, but nobody
        # connects: still no call, and the user is told why.
        company.sudo().write({"directo_token": SANDBOX_TOKEN, "directo_auto_export": True})
        self.env["account.move"]._cron_directo_export()
        self.env["directo.receipt"]._cron_fetch_paid_status()
        self._export(waiting)
        with self.assertRaisesRegex(UserError, "not connected to Directo"):
            company.action_directo_fetch_paid_status()
        with self.assertRaisesRegex(UserError, "not connected to Directo"):
            self.env["directo.import"]._directo_enqueue("article", company)
        self.assertEqual(self.sandbox.requests, [])
        self.assertEqual(waiting.directo_state, "failed")
        self.assertFalse(waiting.directo_document)
        self.assertIn("not connected to Directo", waiting.directo_error)
        self.assertIn("neutralized", waiting.directo_error)

        # An administrator connects: Directo is used again.
        company.action_directo_connect()
        self.assertEqual(company.directo_connection_state, "connected")
        self._export(waiting)
        self.assertEqual(waiting.directo_state, "sent")
        # (Connect's feed check puts an empty <invoices/>: only one put carried invoices.)
        carrying = [r for r in self._put_requests() if "<invoice " in r.form["xmldata"]]
        self.assertEqual(len(carrying), 1)


@tagged("post_install", "-at_install")
class TestDirectoEndpointRights(DirectoTransactionCase):
    """Only Settings administrators choose where the key is posted, and only to Directo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rights_admin = new_test_user(
            cls.env,
            login="dx_access_rights_admin",
            groups="base.group_erp_manager,account.group_account_manager",
            company_id=cls.company.id,
        )

    def test_access_rights_admin_cannot_read_or_change_the_endpoint(self):
        company = self.company.with_user(self.rights_admin)
        company.write({"directo_auto_confirm": True})  # may write the company...
        with self.assertRaisesRegex(AccessError, "Directo Endpoint"):
            company.write({"directo_url": "https://login.directo.ee/elsewhere.asp"})
        with self.assertRaises(AccessError):
            company.read(["directo_url"])
        self.assertNotIn("directo_url", company.fields_get())
        with self.assertRaisesRegex(AccessError, "Directo Endpoint"):
            self.env["res.company"].with_user(self.rights_admin).create(
                {"name": "DX Elsewhere", "directo_url": "http://127.0.0.1:1/x"}
            )
        self.assertEqual(self.company.directo_url, self.sandbox.url)
        # ...and its calls still use the stored endpoint.
        self.assertEqual(company._directo_client().url, self.sandbox.url)

    def test_foreign_host_refused_with_the_field_named(self):
        with self.assertRaises(ValidationError) as caught:
            self.company.directo_url = "https://directo.example.com/xmlcore.asp"
        message = str(caught.exception)
        self.assertIn("Directo Endpoint of %s" % self.company.name, message)
        self.assertIn("directo.example.com is not a Directo host", message)
        self.assertIn(ALLOWED_HOSTS, message)
        self.company.directo_url = "https://login.directo.ee/xmlcore/cap_xml_direct/xmlcore.asp"

    def test_allowed_hosts_parameter(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(ALLOWED_HOSTS, "proxy.example.com, *.corp.example")
        self.company.directo_url = "https://proxy.example.com/xmlcore.asp"
        self.assertEqual(
            self.company._directo_client().url, "https://proxy.example.com/xmlcore.asp"
        )
        self.company.directo_url = "https://directo.gw.corp.example/xmlcore.asp"
        # The host leaves the list: the stored URL is no longer used, the admin is told why.
        params.set_param(ALLOWED_HOSTS, "proxy.example.com")
        with self.assertRaisesRegex(UserError, "directo.gw.corp.example is not a Directo host"):
            self.company._directo_client()
        self.assertEqual(self.sandbox.requests, [])


@tagged("post_install", "-at_install")
class TestDirectoClientCodeIndex(TransactionCase):
    """PostgreSQL refuses a second client with the same code, even when the Python check
    cannot see the first one (another transaction).

    Nothing is written in the test's own transaction except in the SQL test: the
    committing cursors below would wait for its row locks forever.
    """

    def setUp(self):
        super().setUp()
        self.committed = []
        self.addCleanup(self._remove_committed)

    def _remove_committed(self):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["res.partner"].browse(self.committed).exists().unlink()

    def _commit_partner(self, vals):
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partner = env["res.partner"].create(vals)
            self.committed.append(partner.id)
            return partner.id

    def _race(self, first, second):
        """``second`` runs in a transaction that started before ``first`` committed."""
        registry = self.env.registry
        with registry.cursor() as cr2:
            cr2.execute("SELECT 1")  # its snapshot predates the other client
            self._commit_partner(first)
            env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
            with self.assertRaises(ValidationError) as caught, mute_logger("odoo.sql_db"):
                second(env2)
            cr2.rollback()
        # The database refused it, not the Python check (which cannot see the other row).
        self.assertIsInstance(caught.exception.__cause__, errors.UniqueViolation)
        return str(caught.exception)

    def test_two_transactions_create_the_same_code(self):
        company = self.env.company
        first = {"name": "DX Race Alpha", "directo_code": "DX-RACE-1", "company_id": company.id}
        message = self._race(
            first,
            lambda env: env["res.partner"].create(
                {"name": "DX Race Beta", "directo_code": "DX-RACE-1", "company_id": company.id}
            ),
        )
        self.assertEqual(
            message,
            "Directo client code DX-RACE-1 of DX Race Beta is already used by DX Race Alpha. "
            "Each client code links one client.",
        )

    def test_clients_without_company_share_one_key(self):
        message = self._race(
            {"name": "DX Shared Alpha", "directo_code": "DX-RACE-2"},
            lambda env: env["res.partner"].create(
                [{"name": "DX Shared Beta", "directo_code": "DX-RACE-2", "is_company": True}]
            ),
        )
        self.assertIn("already used by DX Shared Alpha", message)

    def test_two_transactions_write_the_same_code(self):
        beta = self._commit_partner({"name": "DX Write Beta", "is_company": True})
        message = self._race(
            {"name": "DX Write Alpha", "directo_code": "DX-RACE-3"},
            lambda env: env["res.partner"].browse(beta).write({"directo_code": "DX-RACE-3"}),
        )
        self.assertIn("DX-RACE-3 of DX Write Beta is already used by DX Write Alpha", message)

    def test_database_refuses_a_duplicate_written_behind_the_orm(self):
        Partner = self.env["res.partner"]
        alpha = Partner.create({"name": "DX SQL Alpha", "directo_code": "DX-SQL"})
        beta = Partner.create({"name": "DX SQL Beta"})
        contact = Partner.create({"name": "DX SQL Contact", "parent_id": alpha.id})
        other = self.env["res.company"].create({"name": "DX Other Company"})
        elsewhere = Partner.create({"name": "DX SQL Elsewhere", "company_id": other.id})
        self.env.flush_all()
        set_code = "UPDATE res_partner SET directo_code = 'DX-SQL' WHERE id = %s"
        with (
            self.assertRaises(errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(flush=False),
        ):
            self.env.cr.execute(set_code, [beta.id])
        # Contacts carry their company's code, another company has its own codes.
        self.env.cr.execute(set_code, [contact.id])
        self.env.cr.execute(set_code, [elsewhere.id])

    def test_a_code_in_another_case_is_the_same_code(self):
        """Directo ignores the case of codes: so does PostgreSQL's index."""
        company = self.env.company
        message = self._race(
            {"name": "DX Case Alpha", "directo_code": "DX-case-1", "company_id": company.id},
            lambda env: env["res.partner"].create(
                {"name": "DX Case Beta", "directo_code": "dx-CASE-1", "company_id": company.id}
            ),
        )
        self.assertIn("already used by DX Case Alpha", message)

    def test_database_refuses_a_code_in_another_case_behind_the_orm(self):
        Partner = self.env["res.partner"]
        Partner.create({"name": "DX SQL Case Alpha", "directo_code": "DX-SQL-CASE"})
        beta = Partner.create({"name": "DX SQL Case Beta"})
        self.env.flush_all()
        with (
            self.assertRaises(errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(flush=False),
        ):
            self.env.cr.execute(
                "UPDATE res_partner SET directo_code = 'dx-sql-case' WHERE id = %s", [beta.id]
            )

    def test_shared_client_and_company_client_cannot_share_a_code(self):
        Partner = self.env["res.partner"]
        company = self.env.company
        Partner.create({"name": "DX Mine", "directo_code": "DX-SHARE", "company_id": company.id})
        with self.assertRaisesRegex(ValidationError, "already used by DX Mine"):
            Partner.create({"name": "DX Shared", "directo_code": "dx-share"})
        shared = Partner.create({"name": "DX Shared 2", "directo_code": "DX-SHARE-2"})
        with self.assertRaisesRegex(ValidationError, "already used by DX Shared 2"):
            Partner.create(
                {"name": "DX Mine 2", "directo_code": "Dx-Share-2", "company_id": company.id}
            )
        self.assertTrue(shared.exists())

    def test_update_with_duplicate_codes_stops_and_lists_them(self):
        Partner = self.env["res.partner"]
        alpha = Partner.create({"name": "DX Dup Alpha", "directo_code": "DX-DUP"})
        beta = Partner.create({"name": "DX Dup Beta", "company_id": self.env.company.id})
        self.env.flush_all()
        with self.env.cr.savepoint(flush=False):  # DDL included: rolled back after
            self.env.cr.execute("DROP INDEX %s" % DIRECTO_CODE_INDEX)
            self.env.cr.execute(
                "UPDATE res_partner SET directo_code = 'dx-dup' WHERE id = %s", [beta.id]
            )
            with self.assertRaises(UserError) as caught:
                Partner._directo_create_code_index()
            message = str(caught.exception)
            self.assertIn("DX Dup Alpha (id %s)" % alpha.id, message)
            self.assertIn("DX Dup Beta (id %s)" % beta.id, message)
            self.assertFalse(index_exists(self.env.cr, DIRECTO_CODE_INDEX))
            self.env.cr.execute(
                "UPDATE res_partner SET directo_code = NULL WHERE id = %s", [beta.id]
            )
            Partner._directo_create_code_index()
            self.assertTrue(index_exists(self.env.cr, DIRECTO_CODE_INDEX))


@tagged("post_install", "-at_install")
class TestDirectoAnswers(DirectoExportCommon):
    """What Directo (or a proxy in front of it) answers that is not a normal answer."""

    def test_maintenance_page_on_connect_is_unavailable_not_unsafe(self):
        self.sandbox.add_fault("html_page")
        self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "failed")
        message = self.company.directo_connection_message
        self.assertIn("not with XML Direct", message)
        self.assertIn("Service temporarily unavailable", message)
        self.assertNotIn("DTD", message)
        exchange = self.env["directo.exchange"].search([], limit=1)
        self.assertEqual(exchange.outcome, "DirectoUnavailable")
        self.assertIn("not XML Direct", exchange.error_message)
        self.company.action_directo_connect()  # Directo is back
        self.assertEqual(self.company.directo_connection_state, "connected")

    def test_empty_put_answer_is_retried_by_the_scheduled_action(self):
        self.company.directo_auto_export = True
        move = self._invoice()
        self.sandbox.add_fault("empty", component="invoice", operation="put")
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(move.directo_state, "unknown")  # transient: retried
        self.assertIn("not XML Direct", move.directo_error)
        exchange = move.directo_attempt_ids.exchange_id
        self.assertEqual(exchange.outcome, "DirectoUnavailable")
        self.assertIn("empty answer", exchange.error_message)
        # Retried once its next try is due (5 minutes later), as an update.
        self.assertTrue(move.directo_retry_at)
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(move.directo_state, "unknown")
        self.env.cr.execute(
            "UPDATE account_move SET directo_retry_at = now() - interval '1 second' WHERE id = %s",
            [move.id],
        )
        move.invalidate_recordset()
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(self._put_requests()[-1].query.get("xd_update"), "1")

    def test_oversized_put_answer_is_transient_and_memory_bounded(self):
        cap = 256 * 1024
        self.env["ir.config_parameter"].sudo().set_param(
            "directo_connector.max_answer_bytes", str(cap)
        )
        move = self._invoice()
        self.sandbox.add_fault("huge", component="invoice", size=60 * 1024 * 1024)
        tracemalloc.start()
        try:
            self._export(move)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # 60 MB were offered; the export held a fraction of it (Odoo's own work included).
        self.assertLess(peak, 16 * 1024 * 1024)
        self.assertEqual(move.directo_state, "unknown")
        self.assertIn("not XML Direct", move.directo_error)
        exchange = move.directo_attempt_ids.exchange_id
        self.assertEqual(exchange.outcome, "DirectoAnswerTooLarge")
        self.assertIn("more than %s bytes" % cap, exchange.error_message)
        self.assertLessEqual(exchange.response_size, cap + 64 * 1024)
        self._export(move)
        self.assertEqual(move.directo_state, "sent")


@tagged("post_install", "-at_install")
class TestDirectoActivities(DirectoExportCommon):
    """The export reminder is the addon's own activity type, whatever its text says."""

    def test_activity_found_and_closed_in_estonian(self):
        self.env["res.lang"]._activate_lang("et_EE")
        self.accountant.lang = "et_EE"
        export_type = self.env.ref(EXPORT_TYPE)
        export_type.with_context(lang="et_EE").name = "Directo eksport ebaõnnestus"
        self.consult.directo_code = "ART-9999"
        move = self._invoice()
        # Someone's own reminder that merely reads like the addon's: never touched.
        own = move.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Directo export failed",
            user_id=self.accountant.id,
        )
        self._export(move)
        activity = move.activity_ids.filtered(lambda a: a.activity_type_id == export_type)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.accountant)
        self.assertEqual(
            activity.with_context(lang=self.accountant.lang).display_name,
            "Directo eksport ebaõnnestus",
        )
        # The accountant retitles it in Estonian: still the same reminder for the addon.
        activity.summary = "Kontrolli artikli koodi"
        self._export(move)
        self.assertEqual(
            move.activity_ids.filtered(lambda a: a.activity_type_id == export_type), activity
        )
        self.consult.directo_code = "TEENUS-KONSULT"
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertFalse(activity.exists() and activity.active)
        self.assertEqual(move.activity_ids, own)
