# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mappings proposed and confirmed in one place; fixes inside the problems dialog."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .test_export import DirectoExportCommon


@tagged("post_install", "-at_install")
class TestDirectoMappings(DirectoExportCommon):
    def setUp(self):
        super().setUp()
        self.company.action_directo_refresh_registers()
        self.Mapping = self.env["directo.mapping.wizard"]

    def _screen(self):
        action = self.Mapping._open_for(self.company)
        return self.Mapping.browse(action["res_id"])

    def test_taxes_and_users_are_proposed_only_when_unambiguous(self):
        Tax = self.env["account.tax"]
        tax22 = Tax.create({"name": "DX 22%", "amount": 22, "type_tax_use": "sale"})
        tax13 = Tax.create({"name": "DX 13%", "amount": 13, "type_tax_use": "sale"})
        jaan = new_test_user(self.env, login="dx_jaan_tamm", name="Jaan Tamm", email="jt@x.ee")
        admin = self.env.ref("base.user_admin")
        admin.write({"directo_code": False, "email": "admin@example.com"})
        wizard = self._screen()
        by_record = {(line.tax_id or line.user_id): line for line in wizard.line_ids}
        self.assertEqual(by_record[tax22].code_id.code, "4")
        self.assertEqual(by_record[tax22].reason, "Same rate: 22 %")
        self.assertEqual(by_record[self.tax_nocode].code_id.code, "2")  # 9 %
        self.assertFalse(by_record[tax13].code_id, "Directo has no 13 % code")
        self.assertFalse(by_record[tax13].apply)
        self.assertEqual(by_record[jaan].code_id.code, "JAAN")
        self.assertEqual(by_record[jaan].reason, "Same name")
        self.assertEqual(by_record[admin].code_id.code, "ADMIN")
        self.assertNotIn(self.tax24, by_record, "mapped already")
        # The user picks another code for one line and unticks another: Confirm all
        # writes every line that has a code.
        by_record[tax13].write(
            {
                "code_id": self.env["directo.register.code"]
                .search([("component", "=", "vatcode"), ("code", "=", "3")])
                .id,
                "apply": True,  # what picking a code does on the screen
            }
        )
        by_record[admin].apply = False
        wizard.action_confirm()
        self.assertEqual(tax22.directo_code, "4")
        self.assertEqual(tax13.directo_code, "3")
        self.assertEqual(jaan.directo_code, "JAAN")
        self.assertFalse(admin.directo_code, "unticked: left alone")
        self.assertIn("Odoo proposes a code", self.Mapping._directo_proposal_note(self.company))

    def test_settings_show_the_proposals(self):
        settings = self.env["res.config.settings"].create({})
        self.assertIn("Odoo proposes a code", settings.directo_mapping_note)
        action = settings.action_directo_open_mappings()
        self.assertEqual(action["res_model"], "directo.mapping.wizard")

    def test_dialog_fixes_a_missing_vat_code_in_place_then_sends(self):
        move = self._invoice(
            lines=[
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 100,
                    "tax_ids": [Command.set(self.tax_nocode.ids)],
                }
            ]
        )
        action = self._export(move)
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        (line,) = wizard.problem_ids
        self.assertEqual(line.tax_id, self.tax_nocode)
        self.assertEqual(line.fix_component, "vatcode")
        self.assertIn("Pick it here", line.message)
        line.fix_code_id = self.env["directo.register.code"].search(
            [("component", "=", "vatcode"), ("code", "=", "2")]
        )
        self.assertEqual(line.fix_code_id.display_name, "2 (9 %)")
        result = wizard.with_user(self.accountant).sudo(False).action_send_valid()
        self.assertEqual(result["params"]["type"], "success", result["params"]["message"])
        self.assertEqual(self.tax_nocode.directo_code, "2")
        self.assertEqual(move.directo_state, "sent")

    def _nocode_client_invoice(self):
        return self._invoice(
            partner=self.nocode_client,
            lines=[
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 100,
                    "directo_resource_id": self.katrin.id,
                }
            ],
        )

    def test_dialog_offers_open_and_the_mappings(self):
        move = self._nocode_client_invoice()
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        (line,) = wizard.problem_ids
        self.assertEqual(line.fix_component, "customer")
        opened = line.action_open_record()
        self.assertEqual(
            (opened["res_model"], opened["res_id"]), ("res.partner", line.partner_id.id)
        )
        mappings = wizard.action_open_mappings()
        screen = self.Mapping.browse(mappings["res_id"])
        self.assertEqual(screen.export_wizard_id, wizard)
        back = screen.action_confirm_all()
        self.assertEqual(back["res_model"], "directo.export.wizard")

    def test_admin_switches_on_creating_clients_from_the_dialog(self):
        self.company.directo_customer_export = False
        move = self._nocode_client_invoice()
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        self.assertEqual(wizard.client_off_ids, self.nocode_client)
        self.assertFalse(wizard.client_ids)
        action = wizard.action_allow_create_clients()
        self.assertTrue(self.company.directo_customer_export)
        self.assertEqual(action["res_model"], "directo.customer.wizard")
        created = self.env["directo.customer.wizard"].browse(action["res_id"]).action_create()
        self.assertTrue(self.nocode_client.directo_code)
        self.assertEqual(created["res_model"], "directo.export.wizard", "back to the dialog")
        self.assertEqual(
            self.sandbox.customer(self.nocode_client.directo_code)["name"], "Client without code"
        )

    def test_dialog_offers_directo_list_for_an_unknown_article_code(self):
        self.consult.directo_code = "SRV-X"  # Directo has no such article
        move = self._invoice(
            lines=[
                {
                    "product_id": self.consult.id,
                    "quantity": 1,
                    "price_unit": 80,
                    "directo_resource_id": self.katrin.id,
                }
            ]
        )
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        (line,) = wizard.problem_ids
        self.assertIn("Directo does not know article code SRV-X", line.message)
        self.assertEqual((line.product_id, line.fix_component), (self.consult, "item"))
        line.fix_code_id = self.env["directo.register.code"].search(
            [("component", "=", "item"), ("code", "=", "TEENUS-KONSULT")]
        )
        wizard.with_user(self.accountant).action_send_valid()
        self.assertEqual(self.consult.directo_code, "TEENUS-KONSULT")
        self.assertEqual(move.directo_state, "sent")

    def test_send_without_anything_valid_keeps_the_dialog(self):
        move = self._nocode_client_invoice()
        wizard = self.env["directo.export.wizard"].browse(self._export(move)["res_id"])
        action = wizard.with_user(self.accountant).action_send_valid()
        again = self.env["directo.export.wizard"].browse(action["res_id"])
        self.assertIn("Nothing can be sent yet", again.notice)
        self.assertEqual(again.problem_ids.partner_id, self.nocode_client)
        self.assertFalse(self._put_requests())
