# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.directo_connector.models import directo_import_line_mixin

from .common import DirectoImportCase

OPEN_CLIENTS = {"K0001", "K0002", "K0003", "K0004", "K0005", "K0006", "K0007", "K0008"}
OPEN_ARTICLES = {
    "ART-1001", "ART-2040", "ART-3300", "TEENUS-PAIGALDUS", "TEENUS-KONSULT", "TEENUS-RAAMAT",
    "TEENUS-EU",
}  # fmt: skip


@tagged("post_install", "-at_install")
class TestDirectoImport(DirectoImportCase):
    # ------------------------------------------------------------------ start

    def test_connect_starts_client_import_in_background(self):
        before = len(self._triggers())
        self.company.action_directo_connect()
        run = self.Import.search([("company_id", "=", self.company.id), ("kind", "=", "client")])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.client_line_ids, "nothing is read inside the request")
        self.assertGreater(len(self._triggers()), before, "the scheduled action is triggered now")
        # Connect again before the job ran: still one pending read.
        self.company.action_directo_connect()
        self.assertEqual(
            self.Import.search_count(
                [("company_id", "=", self.company.id), ("state", "=", "queued")]
            ),
            1,
        )
        self._run_cron()
        self.assertEqual(run.state, "ready")
        self.assertEqual(set(run.client_line_ids.mapped("code")), OPEN_CLIENTS)

    def test_import_clients_button_from_settings(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_directo_import_clients()
        self.assertEqual(action["tag"], "display_notification")
        run = self.Import.search([("company_id", "=", self.company.id), ("state", "=", "queued")])
        self.assertEqual(run.kind, "client")
        self.assertEqual(run.user_id, self.env.user)

    def test_read_tells_the_user(self):
        run = self._read()
        activity = run.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.user)
        self.assertIn("preview ready", activity.summary)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("directo_connector.mail_activity_type_import_ready"),
        )
        self.assertIn("8 clients read", self._messages(run))
        action = run.action_open_preview()
        self.assertEqual(action["res_model"], "directo.client.import.line")
        self.assertEqual(action["domain"], [("import_id", "=", run.id)])

    def test_failed_read_is_reported(self):
        self.company.sudo().directo_token = "WRONG-KEY"
        run = self.Import._directo_enqueue("client", self.company)
        self._run_cron()
        self.assertEqual(run.state, "failed")
        self.assertIn("Type 5", run.error)
        exchange = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "customer")], limit=1
        )
        self.assertFalse(exchange.success, "the failed read stays in the exchange log")
        self.assertIn("rejected the key", self._messages(run))
        with self.assertRaises(UserError):
            run.action_open_preview()

    # ------------------------------------------------------------------ preview

    def test_preview_states_closed_clients_never_appear(self):
        linked = self.Partner.create(
            {
                "name": "Nordic Timber Oy",
                "is_company": True,
                "directo_code": "K0003",
                "company_registry": "2345678-9",
                "vat": "FI23456789",
                "street": "Satamakatu 3",
                "city": "Helsinki",
                "zip": "00160",
                "country_id": self.env.ref("base.fi").id,
                "email": "ap@nordictimber.fi",
            }
        )
        probable = self.Partner.create(
            {"name": "Saare Kala", "is_company": True, "vat": "EE 109876543"}
        )
        by_regno = self.Partner.create(
            {"name": "Viljandi Mesi", "is_company": True, "company_registry": "16543210"}
        )
        changed = self.Partner.create(
            {"name": "Tallinna Tarkvara (old name)", "is_company": True, "directo_code": "K0004"}
        )
        run = self._read()
        lines = self._by_code(run)
        self.assertEqual(set(lines), OPEN_CLIENTS, "closed K0009/K0010 are not offered")
        self.assertEqual(run.read_count, 8)
        self.assertEqual(lines["K0003"].match_state, "linked")
        self.assertEqual(lines["K0003"].partner_id, linked)
        self.assertEqual(lines["K0002"].match_state, "probable")
        self.assertEqual(lines["K0002"].partner_id, probable)
        self.assertIn("VAT", lines["K0002"].match_reason)
        self.assertEqual(lines["K0006"].match_state, "probable")
        self.assertEqual(lines["K0006"].partner_id, by_regno)
        self.assertEqual(lines["K0004"].match_state, "changed")
        self.assertEqual(lines["K0004"].partner_id, changed)
        self.assertIn("Tallinna Tarkvara OÜ", lines["K0004"].changes)
        self.assertEqual(lines["K0001"].match_state, "new")
        self.assertEqual(lines["K0001"].address, "Metsa tn 5, 50103 Tartu, EE")
        self.assertEqual(lines["K0001"].contact, "Mari Tamm")
        self.assertEqual(
            (run.new_count, run.linked_count, run.probable_count, run.changed_count), (4, 1, 2, 1)
        )

    def test_add_selected_creates_clients_and_contacts(self):
        run = self._read()
        lines = self._by_code(run)
        lines["K0001"].action_directo_add()
        partner = self._clients("K0001")
        self.assertEqual(len(partner), 1)
        self.assertRecordValues(
            partner,
            [
                {
                    "name": "Põhjala Puit OÜ",
                    "is_company": True,
                    "company_registry": "12345678",
                    "vat": "EE101234567",
                    "street": "Metsa tn 5",
                    "city": "Tartu",
                    "zip": "50103",
                    "country_id": self.env.ref("base.ee").id,
                    "company_id": self.company.id,
                }
            ],
        )
        # Its two contact persons; Mari Tamm is also the client's own contact: one contact,
        # with her own e-mail; the client's (invoice) e-mail goes on the company.
        self.assertRecordValues(
            partner.child_ids.sorted("directo_contact_code"),
            [
                {
                    "name": "Mari Tamm",
                    "directo_contact_code": "101",
                    "email": "mari@pohjalapuit.ee",
                    "phone": "+372 5123 4567",
                },
                {
                    "name": "Jüri Kask",
                    "directo_contact_code": "102",
                    "email": "juri@pohjalapuit.ee",
                    "phone": False,
                },
            ],
        )
        self.assertEqual(partner.email, "arved@pohjalapuit.ee")
        self.assertTrue(lines["K0001"].added)
        self.assertEqual(lines["K0001"].partner_id, partner)
        # Not picked: not created.
        self.assertFalse(self._clients("K0002"))
        # A client without contact person: e-mail on the company, no nameless child.
        lines["K0003"].action_directo_add()
        nordic = self._clients("K0003")
        self.assertEqual(nordic.email, "ap@nordictimber.fi")
        self.assertFalse(nordic.child_ids)

    def test_import_twice_creates_nothing_twice(self):
        run = self._read()
        run.client_line_ids.action_directo_add()
        self.assertEqual(len(self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))])), 8)
        contacts = self.Partner.search([("parent_id.directo_code", "in", list(OPEN_CLIENTS))])
        # 9 open contact persons of open clients + K0006's own contact (not a contact person);
        # K0003 has none.
        self.assertEqual(len(contacts), 10)
        # Adding the same lines again (double click) does nothing.
        with self.assertRaises(UserError):
            run.client_line_ids.action_directo_add()
        second = self._read()
        self.assertEqual(run.state, "replaced")
        self.assertFalse(run.client_line_ids, "the older read's lines are dropped")
        self.assertEqual(set(second.client_line_ids.mapped("match_state")), {"linked"})
        second.client_line_ids.action_directo_add()
        self.assertEqual(len(self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))])), 8)
        self.assertEqual(
            len(self.Partner.search([("parent_id.directo_code", "in", list(OPEN_CLIENTS))])), 10
        )

    def test_probable_match_is_linked_not_duplicated(self):
        existing = self.Partner.create(
            {"name": "Saare Kala", "is_company": True, "vat": "EE109876543", "email": "x@y.ee"}
        )
        run = self._read()
        line = self._by_code(run)["K0002"]
        self.assertEqual(line.match_state, "probable")
        line.action_directo_add()
        self.assertEqual(self._clients("K0002"), existing)
        self.assertEqual(existing.name, "Saare Kala AS")
        self.assertEqual(existing.company_registry, "87654321")
        self.assertEqual(existing.child_ids.mapped("name"), ["Peeter Kask"])
        self.assertFalse(
            self.Partner.search_count([("name", "=", "Saare Kala AS"), ("id", "!=", existing.id)])
        )

    def test_changed_values_updated_only_when_picked(self):
        first = self._read()
        first.client_line_ids.action_directo_add()
        partner = self._clients("K0005")
        self.sandbox.state.update_customer(
            "K0005", name="Pärnu Ehitus ja Remont AS", phone="+372 1"
        )
        second = self._read()
        lines = self._by_code(second)
        self.assertEqual(lines["K0005"].match_state, "changed")
        self.assertIn("Pärnu Ehitus ja Remont AS", lines["K0005"].changes)
        self.assertIn("+372 1", lines["K0005"].changes)
        self.assertEqual(lines["K0001"].match_state, "linked")
        # Other lines picked, not K0005: nothing changes on it.
        (second.client_line_ids - lines["K0005"]).action_directo_add()
        self.assertEqual(partner.name, "Pärnu Ehitus AS")
        lines["K0005"].action_directo_add()
        self.assertEqual(partner.name, "Pärnu Ehitus ja Remont AS")
        # Toomas Saar, the client's own contact, keeps his own phone; the client's new phone
        # goes on the company.
        self.assertEqual(partner.phone, "+372 1")
        self.assertEqual(partner.child_ids.phone, "+372 444 5555")
        self.assertEqual(len(self._clients("K0005")), 1)

    def test_two_directo_clients_one_vat_link_once(self):
        existing = self.Partner.create({"name": "Twin", "is_company": True, "vat": "EE999"})
        self.sandbox.state.add_customer(code="T1", name="Twin One", vatregno="EE999")
        self.sandbox.state.add_customer(code="T2", name="Twin Two", vatregno="EE999")
        run = self._read()
        lines = self._by_code(run)
        (lines["T1"] | lines["T2"]).action_directo_add()
        self.assertEqual(existing.directo_code, "T1")
        self.assertEqual(self._clients("T2").name, "Twin Two")

    def test_big_selection_is_added_in_background(self):
        run = self._read()
        with patch.object(directo_import_line_mixin, "FOREGROUND_LIMIT", 3):
            action = run.client_line_ids.action_directo_add()
        self.assertIn("background", action["params"]["message"])
        self.assertEqual(run.state, "adding")
        self.assertEqual(run.queued_count, 8)
        self.assertFalse(self._clients("K0001"), "nothing is added inside the request")
        self._run_cron()
        run.invalidate_recordset()
        self.assertEqual(run.state, "ready")
        self.assertEqual(run.added_count, 8)
        self.assertEqual(len(self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))])), 8)
        self.assertIn("adding finished", self._messages(run))

    @mute_logger("odoo.sql_db", "odoo.addons.directo_connector.models.directo_import")
    def test_failing_background_step_fails_its_run_only(self):
        """A step that cannot be added (Directo lists client K0001 twice: the client code
        check refuses the second) ends that run as failed; the job goes on with the others."""
        run = self._read()
        self._by_code(run)["K0001"].copy()  # the same client code listed twice
        with patch.object(directo_import_line_mixin, "FOREGROUND_LIMIT", 3):
            run.client_line_ids.action_directo_add()
        self.assertEqual(run.state, "adding")
        articles = self.Import._directo_enqueue("article", self.company)
        self.assertGreater(articles.id, run.id, "the failing run is picked first")
        self._run_cron()
        run.invalidate_recordset()
        self.assertEqual(run.state, "failed")
        self.assertIn("K0001", run.error)
        self.assertIn("already used", run.error)
        self.assertIn("None of the 9 clients of this step", run.error)
        self.assertEqual(run.queued_count, 0, "nothing is left waiting")
        self.assertEqual(run.added_count, 0)
        self.assertFalse(
            self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))]),
            "the failed step is rolled back as a whole",
        )
        self.assertIn("Adding clients from Directo stopped", self._messages(run))
        self.assertEqual(articles.state, "ready", "the next import was processed")
        self.assertEqual(set(articles.article_line_ids.mapped("code")), OPEN_ARTICLES)
        # A new read of the clients replaces the failed one and can be added.
        again = self._read()
        self.assertEqual(run.state, "replaced")
        again.client_line_ids.action_directo_add()
        self.assertEqual(len(self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))])), 8)

    def test_imported_clients_are_customers(self):
        """Invoicing > Customers > Customers filters on customers (customer_rank > 0):
        created and linked clients are listed there."""
        existing = self.Partner.create(
            {"name": "Saare Kala", "is_company": True, "vat": "EE109876543"}
        )
        self.assertEqual(existing.customer_rank, 0)
        run = self._read()
        run.client_line_ids.action_directo_add()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.res_partner_action_customer"
        )
        self.assertIn("search_default_customer", action["context"])
        customers = self.Partner.search([("customer_rank", ">", 0)])
        clients = self.Partner.search([("directo_code", "in", list(OPEN_CLIENTS))])
        self.assertEqual(len(clients), 8)
        self.assertEqual(clients - customers, self.Partner, "every client is a customer")
        self.assertIn(existing, clients, "the linked client too")

    def test_client_email_on_the_company_and_its_contact(self):
        """The e-mail and phone are the Directo client's: the company (the invoice
        address) gets them, the primary contact person too."""
        run = self._read()
        lines = self._by_code(run)
        (lines["K0001"] | lines["K0006"]).action_directo_add()
        partner = self._clients("K0001")
        self.assertEqual(partner.email, "arved@pohjalapuit.ee")
        self.assertEqual(partner.phone, "+372 5123 4567")
        # K0006's own contact is none of its contact persons: she gets the client's e-mail.
        # (K0001's, Mari Tamm, is a contact person with an e-mail of her own: see
        # test_add_selected_creates_clients_and_contacts.)
        self.assertEqual(self._clients("K0006").child_ids.email, "mesi@viljandimesi.ee")
        # A company linked before, without e-mail, is offered Directo's (Changed).
        partner.email = False
        second = self._read()
        line = self._by_code(second)["K0001"]
        self.assertEqual(line.match_state, "changed")
        self.assertIn("arved@pohjalapuit.ee", line.changes)

    def test_counters_match_the_preview_after_adding(self):
        """Each counter equals the lines its button shows; added lines are Already linked,
        and the preview-ready activity is done once rows are added."""
        run = self._read()
        self.assertEqual(run.activity_ids.summary, "Directo clients preview ready")
        new = run.client_line_ids.filtered(lambda line: line.match_state == "new")
        new[:2].action_directo_add()
        run.invalidate_recordset()
        self.assertFalse(run.activity_ids, "the preview-ready activity is done")
        done = run.message_ids.filtered(lambda message: message.mail_activity_type_id)
        self.assertIn("2 created", str(done[:1].body), "marked done with what was added")
        Line = self.env["directo.client.import.line"]
        for state in ("new", "probable", "changed", "linked"):
            action = run.action_open_preview(state)
            self.assertNotIn("search_default_not_added", action["context"])
            shown = Line.search_count(action["domain"] + [("match_state", "=", state)])
            self.assertEqual(shown, run["%s_count" % state], state)
        self.assertEqual(run.new_count, len(new) - 2)
        self.assertEqual(run.added_count, 2)
        self.assertEqual(
            run.new_count + run.probable_count + run.changed_count + run.linked_count,
            run.read_count,
        )
        # Open Preview: what is left to add.
        self.assertEqual(run.action_open_preview()["context"]["search_default_not_added"], 1)

    def test_menu_opens_the_import_and_ready_notification_links_the_preview(self):
        action = self.Import.action_directo_import_clients()
        run = self.Import.search([("company_id", "=", self.company.id), ("state", "=", "queued")])
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["next"]["res_model"], "directo.import")
        self.assertEqual(action["params"]["next"]["res_id"], run.id)
        self.env["bus.bus"].search([]).unlink()
        self._run_cron()
        sent = self.env["bus.bus"].search([]).mapped("message")
        payloads = [
            json.loads(message)["payload"]
            for message in sent
            if json.loads(message)["type"] == "directo_connector.notification"
        ]
        self.assertEqual(len(payloads), 1)
        button = payloads[0]["button"]
        self.assertEqual(
            (button["model"], button["res_id"], button["method"]),
            ("directo.import", run.id, "action_open_preview"),
        )
        self.assertEqual(button["name"], "Open Preview")
        # The button runs that method: it opens the preview of this import.
        preview = getattr(run, button["method"])()
        self.assertEqual(preview["domain"], [("import_id", "=", run.id)])

    # ------------------------------------------------------------------ articles

    def test_articles_created_and_linked(self):
        by_reference = self.env["product.product"].create(
            {"name": "Kruvid (ours)", "default_code": "ART-2040"}
        )
        renamed = self.env["product.template"].create(
            {"name": "Konsultatsioon (old)", "directo_code": "TEENUS-KONSULT", "type": "service"}
        )
        run = self._read("article")
        lines = self._by_code(run)
        self.assertEqual(set(lines), OPEN_ARTICLES, "closed ART-9000 is not offered")
        self.assertEqual(lines["ART-2040"].match_state, "probable")
        self.assertEqual(lines["ART-2040"].product_tmpl_id, by_reference.product_tmpl_id)
        self.assertEqual(lines["TEENUS-KONSULT"].match_state, "changed")
        self.assertEqual(lines["ART-1001"].match_state, "new")
        run.article_line_ids.action_directo_add()
        Template = self.env["product.template"]
        created = Template.search([("directo_code", "=", "ART-1001")])
        self.assertRecordValues(
            created,
            [{"name": "Terrassilaud 28x120 mänd", "type": "service", "default_code": "ART-1001"}],
        )
        self.assertEqual(by_reference.directo_code, "ART-2040")
        self.assertEqual(by_reference.name, "Kruvid (ours)", "linking keeps the Odoo name")
        self.assertEqual(renamed.name, "Konsultatsioon (tund)")
        self.assertEqual(Template.search_count([("directo_code", "in", list(OPEN_ARTICLES))]), 7)
        # Twice: nothing new. The product linked by reference kept its Odoo name, so the
        # next read shows Directo's other name as a change.
        second = self._read("article")
        states = {line.code: line.match_state for line in second.article_line_ids}
        self.assertEqual(states.pop("ART-2040"), "changed")
        self.assertEqual(set(states.values()), {"linked"})
        second.article_line_ids.action_directo_add()
        self.assertEqual(Template.search_count([("directo_code", "in", list(OPEN_ARTICLES))]), 7)

    def test_article_product_type_is_configurable(self):
        settings = Form(self.env["res.config.settings"])
        settings.directo_article_product_type = "consu"
        settings.save().action_directo_import_articles()
        self._run_cron()
        run = self.Import.search([("kind", "=", "article"), ("state", "=", "ready")])
        self.assertEqual(run.article_product_type, "consu")
        self._by_code(run)["TEENUS-EU"].action_directo_add()
        product = self.env["product.template"].search([("directo_code", "=", "TEENUS-EU")])
        self.assertEqual(product.type, "consu")

    # ------------------------------------------------------------------ access

    def test_invoicing_users_can_import(self):
        run = self._read(user=self.invoicing_user)
        self.assertEqual(run.user_id, self.invoicing_user)
        self.assertEqual(run.activity_ids.user_id, self.invoicing_user)
        lines = run.client_line_ids.with_user(self.invoicing_user)
        lines.filtered(lambda line: line.code == "K0001").action_directo_add()
        partner = self._clients("K0001")
        self.assertEqual(partner.create_uid, self.invoicing_user)
        articles = self._read("article", user=self.invoicing_user)
        articles.article_line_ids.with_user(self.invoicing_user).action_directo_add()
        self.assertTrue(self.env["product.template"].search([("directo_code", "=", "ART-1001")]))

    def test_users_without_invoicing_rights_cannot_import(self):
        with self.assertRaises(AccessError):
            self.Import.with_user(self.plain_user)._directo_enqueue("client", self.company)
        with self.assertRaises(AccessError):
            self.Import.with_user(self.plain_user).action_directo_import_articles()
        run = self._read()
        with self.assertRaises(AccessError):
            run.client_line_ids.with_user(self.plain_user).action_directo_add()
        self.assertFalse(self._clients("K0001"))

    def test_only_admins_configure(self):
        # Settings (connection, import type) are administrators' only.
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.invoicing_user).create({})
        # Users' codes (Resources) and taxes' VAT codes: not for invoicing users.
        with self.assertRaises(AccessError):
            self.plain_user.with_user(self.invoicing_user).directo_code = "X"
        tax = self.env["account.tax"].search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(AccessError):
            tax.with_user(self.invoicing_user).directo_code = "1"
        admin = new_test_user(
            self.env, login="directo_admin2", groups="base.group_system", company_id=self.company.id
        )
        self.plain_user.with_user(admin).directo_code = "JAAN"
        self.assertEqual(self.plain_user.directo_code, "JAAN")
