# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Texts written by jobs and scheduled actions reach their reader in the reader's language:
the user who started the job, else the company partner's language (a scheduled action runs
as OdooBot, whose language nobody reads), with Odoo's formats for numbers and dates."""

from odoo import SUPERUSER_ID, Command
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import format_date

from .common import DirectoImportCase
from .test_paid_status import DEMO_INVOICE_TOTAL


@tagged("post_install", "-at_install")
class TestTextsInTheReadersLanguage(DirectoImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("et_EE")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "mail", "account", "directo_connector"], ["et_EE"], overwrite=True
        )
        # The scheduled actions' own user reads English: the texts must not follow it.
        cls.env.ref("base.user_root").lang = "en_US"

    def _as_cron(self, model):
        """``model`` as a scheduled action runs it: OdooBot, no language of a reader."""
        return self.env(user=SUPERUSER_ID, context={"lang": "en_US"})[model]

    def _bodies(self, record):
        return " ".join(str(body) for body in record.message_ids.mapped("body"))

    def test_cron_job_without_a_starting_user_writes_in_the_company_language(self):
        self.company.partner_id.lang = "et_EE"
        run = self.Import._directo_enqueue(
            "client", self.company, notify_user=self.env["res.users"]
        )
        self.assertFalse(run.user_id)
        cron_import = self._as_cron("directo.import")
        for _i in range(5):
            cron_import._cron_process_imports()
        run.invalidate_recordset()
        self.assertEqual(run.state, "ready", run.error)
        bodies = self._bodies(run)
        self.assertIn("Directost loetud kirjeid (kliendid)", bodies)
        self.assertNotIn("read from Directo", bodies)
        # The tracked state changes are worded in Estonian too.
        tracked = run.message_ids.tracking_value_ids.mapped("new_value_char")
        self.assertIn("Ülevaatamiseks valmis", tracked)
        self.assertNotIn("Ready to review", tracked)

    def test_job_started_by_a_user_writes_in_that_users_language(self):
        self.company.partner_id.lang = "en_US"
        estonian = new_test_user(
            self.env,
            login="directo_et_user",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            lang="et_EE",
        )
        run = self.Import.with_user(estonian)._directo_enqueue("client", self.company)
        cron_import = self._as_cron("directo.import")
        for _i in range(5):
            cron_import._cron_process_imports()
        run = run.sudo()
        run.invalidate_recordset()
        self.assertEqual(run.state, "ready", run.error)
        activity = run.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, estonian)
        self.assertIn("eelvaade", activity.summary)
        self.assertIn("Ava eelvaade", str(activity.note))
        self.assertNotIn("Open the preview", self._bodies(run))
        # The import's name follows whoever reads it (not the language it was made in).
        self.assertIn("Kliendid", run.with_context(lang="et_EE").name)
        self.assertIn("Clients", run.with_context(lang="en_US").name)
        self.assertEqual(
            self.Import.with_context(lang="et_EE").search([("name", "ilike", "kliendid")]), run
        )

    def test_paid_status_cron_notes_numbers_and_dates_as_the_company_reads_them(self):
        self.company.partner_id.lang = "et_EE"
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.env["res.partner"]
                .create({"name": "Põhjala Puit OÜ", "is_company": True, "directo_code": "K0001"})
                .id,
                "invoice_date": "2025-09-01",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Konsultatsioon",
                            "quantity": 1,
                            "price_unit": DEMO_INVOICE_TOTAL,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        # What a Type 0/30 answer writes (account.move._directo_outcome_values).
        move._directo_write_states(
            {
                move.id: {
                    "directo_state": "sent",
                    "directo_number": 700001,
                    "directo_document": "draft",
                }
            }
        )
        self._as_cron("directo.receipt")._cron_fetch_paid_status()
        self.assertEqual(move.directo_payment_state, "paid")
        note = move.message_ids.filtered(lambda m: "Directo tasumise olek" in str(m.body))
        self.assertEqual(len(note), 1, move.message_ids.mapped("body"))
        body = str(note.body).replace("&nbsp;", " ").replace("\xa0", " ")
        et = self.env["res.lang"]._lang_get("et_EE")
        amount = move.currency_id.with_context(lang="et_EE").format(DEMO_INVOICE_TOTAL)
        self.assertIn(amount.replace("\xa0", " "), body)
        self.assertIn("496,00", body, "Estonian decimal comma")
        date = format_date(move.with_context(lang="et_EE").env, move.directo_last_payment_date)
        self.assertIn(date, body)
        self.assertEqual(et.date_format, "%d.%m.%Y")
        # The settings' status text after the scheduled run reads Estonian too.
        self.assertIn("Loetud laekumisi", self.company.directo_receipt_sync_message)
        self.assertNotIn("receipt(s) read", self.company.directo_receipt_sync_message)

    def test_exchange_titles_in_the_readers_language(self):
        self.company.action_directo_connect()
        exchange = self.env["directo.exchange"].search(
            [("component", "=", "invoice")], order="id desc", limit=1
        )
        self.assertRegex(exchange.with_context(lang="en_US").display_name, r"^Invoices, Write")
        self.assertRegex(exchange.with_context(lang="et_EE").display_name, r"^Arved: Kirjutamine")
