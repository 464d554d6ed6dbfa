# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Clients created in Directo from Odoo ("Customers in"), against the Directo sandbox."""

from pathlib import Path

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.directo_connector.xmldirect.codec import DOCUMENTED_CUSTOMER_ATTRIBUTES

from .test_export import DATA, DirectoExportCommon, _canonical

# Directo's own input schema for customers, when the shared references are beside the
# checkout (the Odoo-free tests check DOCUMENTED_CUSTOMER_ATTRIBUTES against it too).
CUSTOMER_XSD = (
    Path(__file__).resolve().parents[3] / "shared" / "directo" / "xsd" / "xml_IN_kliendid.xsd"
)


@tagged("post_install", "-at_install")
class TestCustomersIn(DirectoExportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "directo_customer_export": True,
                "directo_customer_code_source": "sequence",
                "directo_customer_sync": "off",
            }
        )
        cls.clerk = new_test_user(
            cls.env,
            login="dx_clerk",
            groups="account.group_account_invoice,base.group_partner_manager",
            company_id=cls.company.id,
        )
        ee = cls.env.ref("base.ee")
        cls.newco = cls.env["res.partner"].create(
            {
                "name": "Metsaveere & Pojad OÜ",
                "is_company": True,
                "company_registry": "14567890",
                "vat": "EE102345678",
                "street": "Metsa tee 7",
                "street2": "Hoone B",
                "city": "Tartu",
                "zip": "50105",
                "country_id": ee.id,
                "email": "arved@metsaveere.ee",
                "phone": "+372 5550 1234",
                "ref": "METSA",
                "company_id": cls.company.id,
                "directo_default_resource_id": cls.katrin.id,
            }
        )

    # ------------------------------------------------------------------ helpers

    def _customer_puts(self):
        return [
            r for r in self.sandbox.requests if r.component == "customer" and r.operation == "put"
        ]

    def _assert_customer_xml(self, expected_file, index=-1):
        sent = self._customer_puts()[index].form["xmldata"]
        expected = (DATA / expected_file).read_text(encoding="utf-8")
        self.assertEqual(_canonical(sent), _canonical(expected), sent)
        self._assert_documented(sent)

    def _assert_documented(self, xml_text):
        """Only attribute names of Directo's input schema (unknown ones are dropped)."""
        root = etree.fromstring(xml_text.encode("utf-8"))
        for customer in root.iter("customer"):
            self.assertLessEqual(set(customer.attrib), DOCUMENTED_CUSTOMER_ATTRIBUTES)
        if CUSTOMER_XSD.exists():
            schema = etree.XMLSchema(etree.parse(str(CUSTOMER_XSD)))
            self.assertTrue(schema.validate(root), schema.error_log)

    def _wizard(self, partners, user=None):
        action = partners.with_user(user or self.clerk).action_directo_create()
        self.assertEqual(action["res_model"], "directo.customer.wizard")
        return (
            self.env["directo.customer.wizard"]
            .with_user(user or self.clerk)
            .browse(action["res_id"])
        )

    def _create(self, partners, user=None, codes=None):
        wizard = self._wizard(partners, user)
        for line in wizard.line_ids:
            if codes and line.partner_id in codes:
                line.code = codes[line.partner_id]
        return wizard, wizard.action_create()

    def _client(self, name, **values):
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, "company_id": self.company.id, **values}
        )

    def _messages(self, partner):
        return self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    # ------------------------------------------------------------------ creating

    def test_create_one_client_from_the_form(self):
        self.assertTrue(self.newco.directo_creatable)
        wizard, action = self._create(self.newco)
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("was created in Directo as client K00001", action["params"]["message"])
        self.assertEqual(self.newco.directo_code, "K00001")
        self.assertFalse(self.newco.directo_code_pending)
        self.assertFalse(self.newco.directo_creatable)
        self.assertEqual(wizard.line_ids.state, "created")
        (put,) = self._customer_puts()
        self.assertEqual(put.query, {"put": "1", "what": "customer"})
        self._assert_customer_xml("customer_create.xml")
        stored = self.sandbox.customer("K00001")
        self.assertEqual(
            (stored["name"], stored["regno"], stored["address2"], stored["input"]),
            ("Metsaveere & Pojad OÜ", "14567890", "Tartu", {"type": "0"}),
        )
        self.assertEqual(stored["unknown_attributes"], [])
        # Every exchange is kept; the chatter says what happened.
        (exchange,) = wizard.sudo().exchange_ids
        self.assertEqual((exchange.component, exchange.operation), ("customer", "put"))
        self.assertIn('code="K00001"', exchange.request_body)
        self.assertIn('docid="K00001"', exchange.response_body)
        self.assertIn("K00001", self.newco.message_ids[0].body)
        self.assertEqual(self.company.directo_customer_sequence_id.prefix, "K")

    def test_created_client_can_be_invoiced(self):
        self._create(self.newco)
        move = self._invoice(partner=self.newco)
        action = self._export(move)
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(self.sandbox.invoice(move.directo_number)["customercode"], "K00001")

    def test_fifty_clients_from_the_list_in_one_request(self):
        clients = self.env["res.partner"]
        for i in range(50):
            clients |= self._client(f"Klient {i:02d} OÜ", email=f"k{i}@example.ee")
        # A contact person stands for its company.
        person = self.env["res.partner"].create({"name": "Mari", "parent_id": clients[0].id})
        action = self.env.ref("directo_connector.action_res_partner_directo_create")
        result = (
            action.with_user(self.clerk)
            .with_context(active_model="res.partner", active_ids=(clients | person).ids)
            .run()
        )
        wizard = self.env["directo.customer.wizard"].browse(result["res_id"])
        self.assertEqual(len(wizard.line_ids), 50)
        result = wizard.with_user(self.clerk).action_create()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(len(self._customer_puts()), 1)
        self.assertEqual(clients.mapped("directo_code"), [f"K{i:05d}" for i in range(1, 51)])
        sent = self._customer_puts()[0].form["xmldata"]
        self.assertEqual(sent.count("<customer "), 50)
        self._assert_documented(sent)
        self.assertEqual(self.sandbox.customer("K00050")["name"], "Klient 49 OÜ")

    def test_query_count_does_not_grow_per_client(self):
        export = self.env["directo.customer.export"]

        def run(n, prefix):
            clients = self.env["res.partner"]
            for i in range(n):
                clients |= self._client(f"{prefix} {i}")
            self.env.invalidate_all()
            clients = self.env["res.partner"].browse(clients.ids)
            before = self.env.cr.sql_log_count
            entries = export._create(export._prepare(clients))
            self.env.flush_all()
            self.assertEqual({entry.state for entry in entries}, {"created"})
            return self.env.cr.sql_log_count - before

        small = run(3, "Small")
        big = run(30, "Big")
        self.assertLessEqual(big, small + 3, (small, big))

    def test_sequence_skips_codes_used_in_odoo(self):
        self._client("Has K00001", directo_code="K00001")
        archived = self._client("Archived K00002", directo_code="K00002")
        archived.active = False
        self._create(self.newco)
        self.assertEqual(self.newco.directo_code, "K00003")

    def test_generated_code_taken_in_directo_takes_the_next(self):
        # A client closed in Directo keeps its code (and is not imported to Odoo).
        self.sandbox.add_customer(code="K00001", name="Closed client", closed="1")
        self.sandbox.add_customer(code="K00002", name="Other client")
        _wizard, action = self._create(self.newco)
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self.newco.directo_code, "K00003")
        self.assertIn("K00001, K00002 were already used in Directo", action["params"]["message"])
        self.assertEqual(len(self._customer_puts()), 3)
        self.assertEqual(self.sandbox.customer("K00001")["name"], "Closed client")

    def test_generated_codes_all_taken_in_directo(self):
        for number in range(1, 5):
            self.sandbox.add_customer(code=f"K{number:05d}", name=f"Taken {number}")
        wizard, action = self._create(self.newco)
        self.assertEqual(action["res_model"], "directo.customer.wizard")
        self.assertEqual(wizard.line_ids.state, "taken")
        self.assertIn("K00001, K00002, K00003, K00004", wizard.line_ids.message)
        self.assertIn("Set the next number of sequence", wizard.line_ids.message)
        self.assertFalse(self.newco.directo_code or self.newco.directo_code_pending)

    def test_code_from_reference(self):
        self.company.directo_customer_code_source = "ref"
        wizard = self._wizard(self.newco)
        self.assertEqual(wizard.line_ids.code, "METSA")
        self.assertFalse(wizard.line_ids.code_editable)
        wizard.action_create()
        self.assertEqual(self.newco.directo_code, "METSA")
        self.assertTrue(self.sandbox.customer("METSA"))

    def test_reference_missing_or_used_in_odoo_is_refused_before_sending(self):
        self.company.directo_customer_code_source = "ref"
        no_ref = self._client("No Reference AS")
        holder = self._client("Holder", directo_code="METSA")
        wizard, _action = self._create(no_ref | self.newco)
        by_partner = {line.partner_id: line for line in wizard.line_ids}
        self.assertEqual(by_partner[no_ref].state, "problem")
        self.assertIn("No Reference AS has no Directo client code", by_partner[no_ref].message)
        self.assertIn("its Reference is empty", by_partner[no_ref].message)
        self.assertEqual(by_partner[self.newco].state, "problem")
        self.assertIn(
            f"METSA (for {self.newco.name}) is already used in Odoo by {holder.name}",
            by_partner[self.newco].message,
        )
        self.assertEqual(self._customer_puts(), [])

    def test_typed_code_taken_in_directo_leaves_the_client_unchanged(self):
        self.company.directo_customer_code_source = "manual"
        wizard = self._wizard(self.newco)
        self.assertTrue(wizard.line_ids.code_editable)
        self.assertFalse(wizard.line_ids.code)
        self.assertEqual(wizard.line_ids.state, "draft")
        self.newco.invalidate_recordset()
        written, messages = self.newco.write_date, self._messages(self.newco)
        wizard.line_ids.code = "K0003"  # Nordic Timber in Directo, not in Odoo
        action = wizard.action_create()
        self.assertEqual(action["res_model"], "directo.customer.wizard")
        self.assertEqual(wizard.line_ids.state, "taken")
        self.assertIn("Directo already has a client with code K0003", wizard.line_ids.message)
        self.assertIn("nothing changed in Odoo", wizard.line_ids.message)
        self.newco.invalidate_recordset()
        self.assertFalse(self.newco.directo_code)
        self.assertFalse(self.newco.directo_code_pending)
        self.assertEqual(self.newco.write_date, written)
        self.assertEqual(self._messages(self.newco), messages)
        self.assertEqual(self.sandbox.customer("K0003")["name"], "Nordic Timber Oy")
        # Fixed in the same dialog: Try Again sends it with the new code.
        self.assertEqual(wizard.retry_count, 1)
        wizard.line_ids.code = "MV-9"
        action = wizard.action_create()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.newco.directo_code, "MV-9")
        self.assertEqual(wizard.line_ids.state, "created")
        self.assertEqual(len(wizard.sudo().exchange_ids), 2)

    def test_typed_code_checks(self):
        self.company.directo_customer_code_source = "manual"
        other = self._client("Second OÜ")
        wizard, _action = self._create(
            self.newco | other, codes={self.newco: "SAME", other: "same"}
        )
        self.assertEqual(set(wizard.line_ids.mapped("state")), {"problem"})
        self.assertIn("each client needs its own", wizard.line_ids[0].message)
        wizard, _action = self._create(self.newco, codes={self.newco: "X" * 33})
        self.assertIn("33 characters; Directo takes at most 32", wizard.line_ids.message)
        wizard, _action = self._create(self.newco, codes={self.newco: "K0002"})
        self.assertIn("already used in Odoo by Saare Kala AS", wizard.line_ids.message)
        wizard, _action = self._create(self.newco, codes={self.newco: "  "})
        self.assertIn("the code typed for it is empty", wizard.line_ids.message)
        self.assertEqual(self._customer_puts(), [])
        _wizard, action = self._create(self.newco, codes={self.newco: " MV-1 "})
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self.newco.directo_code, "MV-1")

    def test_too_long_value_names_the_field(self):
        self.newco.company_registry = "1" * 51
        wizard, _action = self._create(self.newco)
        self.assertEqual(wizard.line_ids.state, "problem")
        self.assertIn(
            "Company ID has 51 characters; Directo takes at most 50", wizard.line_ids.message
        )
        self.assertEqual(self._customer_puts(), [])

    def test_key_without_customers_in(self):
        self.company.sudo().directo_token = "DEMO-READONLY"
        self.newco.invalidate_recordset()
        written = self.newco.write_date
        wizard, _action = self._create(self.newco)
        self.assertEqual(wizard.line_ids.state, "refused")
        self.assertIn("the feed direction Customers in is not activated", wizard.line_ids.message)
        self.assertIn("Ask Directo to activate Customers in", wizard.line_ids.message)
        self.newco.invalidate_recordset()
        self.assertFalse(self.newco.directo_code or self.newco.directo_code_pending)
        self.assertEqual(self.newco.write_date, written)
        (exchange,) = wizard.sudo().exchange_ids
        self.assertFalse(exchange.success)

    def test_lost_answer_keeps_the_code_and_links_on_the_next_try(self):
        self.env["ir.config_parameter"].sudo().set_param("directo_connector.read_timeout", "0.5")
        self.sandbox.add_fault("process_then_timeout", seconds=3, component="customer")
        wizard, _action = self._create(self.newco)
        self.assertEqual(wizard.line_ids.state, "unknown")
        self.assertIn("did not answer in time", wizard.line_ids.message)
        self.assertFalse(self.newco.directo_code)
        self.assertEqual(self.newco.directo_code_pending, "K00001")
        self.assertTrue(self.sandbox.customer("K00001"))  # Directo did create it
        # The code is reserved: nobody else gets it.
        other = self._client("Another OÜ")
        self._create(other)
        self.assertEqual(other.directo_code, "K00002")
        wizard = self._wizard(self.newco)
        self.assertEqual(wizard.line_ids.code, "K00001")
        action = wizard.action_create()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(
            "created by an earlier request whose answer was lost", action["params"]["message"]
        )
        self.assertEqual(self.newco.directo_code, "K00001")
        self.assertFalse(self.newco.directo_code_pending)
        self.assertEqual(
            sorted(
                code
                for code in self.sandbox.state.company().customers
                if code[:2] == "K0" and len(code) == 6
            ),
            ["K00001", "K00002"],
        )

    def test_code_pending_since_the_dialog_opened_is_used_again(self):
        """Another user's request (answer lost) gave the client a pending code after this
        dialog opened: that code is sent, not a new one, and the client is linked."""
        wizard = self._wizard(self.newco)
        self.sandbox.add_customer(code="K00007", name=self.newco.name, regno="14567890")
        self.env.cr.execute(
            "UPDATE res_partner SET directo_code_pending = 'K00007' WHERE id = %s",
            [self.newco.id],
        )
        action = wizard.action_create()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self.newco.directo_code, "K00007")
        self.assertIn("linked", action["params"]["message"])
        self.assertFalse(self.company.directo_customer_sequence_id)  # no code drawn

    def test_client_given_a_code_since_the_dialog_opened_is_not_sent(self):
        wizard = self._wizard(self.newco)
        self.env.cr.execute(
            "UPDATE res_partner SET directo_code = 'K0099' WHERE id = %s", [self.newco.id]
        )
        wizard.action_create()
        self.assertEqual(wizard.line_ids.state, "problem")
        self.assertIn("already has Directo client code K0099", wizard.line_ids.message)
        self.assertEqual(self._customer_puts(), [])

    def test_pending_code_held_by_another_client_in_directo_is_not_linked(self):
        self.newco.directo_code_pending = "K00001"
        self.sandbox.add_customer(code="K00001", name="Somebody else")
        wizard, _action = self._create(self.newco)
        self.assertEqual(wizard.line_ids.state, "taken")
        self.assertFalse(self.newco.directo_code)
        self.assertFalse(self.newco.directo_code_pending)

    # ------------------------------------------------------------------ switched off, access

    def test_switched_off_sends_nothing(self):
        self.company.directo_customer_export = False
        self.assertFalse(self.newco.directo_creatable)
        with self.assertRaisesRegex(UserError, "Creating clients in Directo is switched off"):
            self.newco.with_user(self.clerk).action_directo_create()
        action = self.env.ref("directo_connector.action_res_partner_directo_create")
        with self.assertRaises(UserError):
            action.with_user(self.clerk).with_context(
                active_model="res.partner", active_ids=self.newco.ids
            ).run()
        # No partial updates either, whatever "keep in step" says.
        self.company.directo_customer_sync = "auto"
        self.client.name = "Renamed while off"
        self.assertFalse(self.client.directo_update_pending)
        with self.assertRaises(UserError):
            self.client.with_user(self.clerk).action_directo_update()
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertEqual(self._customer_puts(), [])
        self.assertFalse([r for r in self.sandbox.requests if r.component == "customer"])

    def test_switched_off_in_the_export_dialog(self):
        self.company.directo_customer_export = False
        move = self._invoice(partner=self.newco)
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        self.assertFalse(wizard.client_ids)
        self.assertNotIn("Create in Directo", wizard.problem_ids.message)

    def test_user_without_invoicing_rights_is_refused(self):
        user = new_test_user(
            self.env, login="dx_plain", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaisesRegex(AccessError, "'Invoicing'"):
            self.newco.with_user(user).action_directo_create()
        readonly_clerk = new_test_user(
            self.env,
            login="dx_nowrite",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        with self.assertRaisesRegex(AccessError, "may not change clients"):
            self.newco.with_user(readonly_clerk).action_directo_create()
        self.assertEqual(self._customer_puts(), [])

    # ------------------------------------------------------------------ problems dialog

    def test_problems_dialog_create_in_directo_then_send(self):
        move = self._invoice(partner=self.newco)
        other = self._invoice()  # a client Directo already knows
        action = self._export(move | other)
        wizard = (
            self.env["directo.export.wizard"].with_user(self.accountant).browse(action["res_id"])
        )
        (line,) = wizard.problem_ids
        self.assertIn("has no Directo client code", line.message)
        self.assertIn("Create in Directo", line.message)
        self.assertEqual(wizard.client_ids, self.newco)
        self.assertEqual(wizard.valid_move_ids, other)
        action = wizard.with_user(self.clerk).action_create_clients()
        create = self.env["directo.customer.wizard"].with_user(self.clerk).browse(action["res_id"])
        self.assertEqual(create.export_wizard_id, wizard)
        self.assertEqual(create.line_ids.partner_id, self.newco)
        action = create.action_create()
        # Back in the same dialog, checked again: nothing left to fix.
        self.assertEqual(action["res_model"], "directo.export.wizard")
        again = (
            self.env["directo.export.wizard"].with_user(self.accountant).browse(action["res_id"])
        )
        self.assertFalse(again.problem_ids)
        self.assertEqual(again.valid_move_ids, move | other)
        self.assertIn("K00001", again.notice)
        self.assertIn("All 2 selected invoice(s) are ready", again.summary)
        result = again.action_send_valid()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(other.directo_state, "sent")
        self.assertEqual(self.sandbox.invoice(move.directo_number)["customercode"], "K00001")

    def test_problems_dialog_refused_client_goes_back_with_the_problem(self):
        self.sandbox.state.add_token(
            "NO-CUSTOMERS-IN", allow={"customer:get", "item:get", "invoice:put"}
        )
        self.company.sudo().directo_token = "NO-CUSTOMERS-IN"
        move = self._invoice(partner=self.newco)
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        create = self.env["directo.customer.wizard"].browse(
            wizard.with_user(self.clerk).action_create_clients()["res_id"]
        )
        action = create.with_user(self.clerk).action_create()
        self.assertEqual(action["res_model"], "directo.customer.wizard")
        self.assertIn("Customers in", create.line_ids.message)
        back = create.with_user(self.clerk).action_back_to_export()
        again = self.env["directo.export.wizard"].browse(back["res_id"])
        self.assertEqual(again.client_ids, self.newco)
        self.assertFalse(again.valid_move_ids)

    # ------------------------------------------------------------------ keeping in step

    def test_partial_update_offered_then_sent(self):
        self.company.directo_customer_sync = "offer"
        self.client.write({"name": "Põhjala Puit AS", "email": "arved@pohjala.ee"})
        self.client.phone = "+372 5123 9999"
        self.assertTrue(self.client.directo_update_pending)
        self.assertEqual(self._customer_puts(), [])  # offered, not sent
        action = self.client.with_user(self.clerk).action_directo_update()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        (put,) = self._customer_puts()
        self.assertEqual(put.query, {"put": "1", "what": "customer", "xd_customer_update": "1"})
        self._assert_customer_xml("customer_update.xml")
        stored = self.sandbox.customer("K0001")
        self.assertEqual(
            (stored["name"], stored["email"], stored["phone"]),
            ("Põhjala Puit AS", "arved@pohjala.ee", "+372 5123 9999"),
        )
        # Nothing else of Directo's record changed.
        self.assertEqual((stored["regno"], stored["address1"]), ("12345678", "Metsa tn 5"))
        self.assertFalse(self.client.directo_update_pending)

    def test_other_changes_and_values_from_directo_are_not_offered(self):
        self.company.directo_customer_sync = "offer"
        self.client.write({"street": "Uus 1", "name": self.client.name})
        self.assertFalse(self.client.directo_update_pending)
        self.client.with_context(directo_from_directo=True).email = "from@directo.ee"
        self.assertFalse(self.client.directo_update_pending)
        self.newco.email = "no@code.ee"  # not linked to Directo
        self.assertFalse(self.newco.directo_update_pending)
        self.company.directo_customer_sync = "off"
        self.client.email = "off@x.ee"
        self.assertFalse(self.client.directo_update_pending)

    def test_partial_update_in_the_background(self):
        self.company.directo_customer_sync = "auto"
        cron = self.env.ref("directo_connector.ir_cron_directo_customer_update")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self.client2.email = "info@saarekala.ee.new"
        self.assertTrue(self.client2.directo_update_pending)
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertEqual(self.sandbox.customer("K0002")["email"], "info@saarekala.ee.new")
        self.assertFalse(self.client2.directo_update_pending)
        self.assertEqual(self._customer_puts()[-1].query.get("xd_customer_update"), "1")

    def test_partial_update_refused_is_shown_and_not_retried(self):
        self.company.directo_customer_sync = "auto"
        gone = self._client("Gone from Directo", directo_code="K9999")
        gone.phone = "+372 1"
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertTrue(gone.directo_update_pending)
        self.assertIn("Directo has no client with code K9999", gone.directo_update_error)
        self.assertIn("K9999", gone.message_ids[0].body)
        puts = len(self._customer_puts())
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertEqual(len(self._customer_puts()), puts, "a refused update is not retried")
        gone.phone = "+372 2"  # a new change: tried again
        self.assertFalse(gone.directo_update_error)
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertEqual(len(self._customer_puts()), puts + 1)

    def test_partial_update_lost_answer_is_sent_again(self):
        self.company.directo_customer_sync = "auto"
        self.sandbox.add_fault("http500", component="customer", operation="put")
        self.client.email = "retry@pohjala.ee"
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertTrue(self.client.directo_update_pending)
        self.assertFalse(self.client.directo_update_error)
        self.env["directo.customer.export"]._cron_update_clients()
        self.assertFalse(self.client.directo_update_pending)
        self.assertEqual(self.sandbox.customer("K0001")["email"], "retry@pohjala.ee")

    def test_update_needs_a_directo_code(self):
        with self.assertRaisesRegex(UserError, "have no Directo client code"):
            self.newco.with_user(self.clerk).action_directo_update()
