# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.modules.module import get_manifest
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval
from odoo.tools.sql import column_exists

from odoo.addons.directo_connector.hooks import pre_init_hook


@tagged("post_install", "-at_install")
class TestDirectoExternalCodes(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.Partner = cls.env["res.partner"]
        cls.resource = new_test_user(
            cls.env, login="directo_resource", groups="base.group_user", company_id=cls.company.id
        )
        cls.resource.directo_code = "JAAN"
        cls.client = cls.Partner.create(
            {
                "name": "Directo Client OÜ",
                "is_company": True,
                "directo_code": "K-CODES-1",
                "directo_default_resource_id": cls.resource.id,
            }
        )

    @mute_logger("odoo.sql_db")  # the unique index's refusal, turned into the message
    def test_client_code_unique_per_company(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.Partner.create({"name": "Clash", "is_company": True, "directo_code": "K-CODES-1"})
        # Batch create: the clash inside one create is found too.
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.Partner.create(
                [
                    {"name": "A", "directo_code": "K-CODES-2"},
                    {"name": "B", "directo_code": "K-CODES-2"},
                ]
            )
        # Child contacts carry no client code constraint; another company may reuse a code.
        self.Partner.create(
            {"name": "Person", "parent_id": self.client.id, "directo_code": "K-CODES-1"}
        )
        other = self.env["res.company"].create({"name": "Other Directo Company"})
        self.client.company_id = self.company
        self.Partner.create(
            {
                "name": "Other",
                "is_company": True,
                "directo_code": "K-CODES-1",
                "company_id": other.id,
            }
        )

    @mute_logger("odoo.sql_db")  # the unique index's refusal, turned into the message
    def test_client_code_unique_among_archived_clients(self):
        archived = self.Partner.create(
            {"name": "Archived Client", "is_company": True, "directo_code": "K-ARCH-1"}
        )
        archived.action_archive()
        with (
            self.assertRaisesRegex(ValidationError, r"Archived Client \(archived\)"),
            self.cr.savepoint(),
        ):
            self.Partner.create({"name": "New", "is_company": True, "directo_code": "K-ARCH-1"})
        # Also when a user without access to archived clients creates it.
        user = new_test_user(
            self.env,
            login="directo_code_user",
            groups="base.group_user,base.group_partner_manager",
            company_id=self.company.id,
        )
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.Partner.with_user(user).create(
                {"name": "Mine", "is_company": True, "directo_code": "K-ARCH-1"}
            )

    def test_search_clients_and_products_by_directo_code(self):
        self.assertIn(self.client, self.Partner.search([("directo_code", "=", "K-CODES-1")]))
        found = self.Partner.name_search("K-CODES-1")
        self.assertIn(self.client.id, [pid for pid, _name in found])
        template = self.env["product.template"].create(
            {"name": "Consulting", "directo_code": "TEENUS-XYZ", "type": "service"}
        )
        variant = template.product_variant_id
        self.assertEqual(variant.directo_code, "TEENUS-XYZ", "visible on variants")
        self.assertEqual(
            self.env["product.product"].search([("display_name", "ilike", "TEENUS-XYZ")]), variant
        )
        self.assertEqual(
            self.env["product.template"].search([("display_name", "ilike", "TEENUS-XYZ")]), template
        )
        # Set on the variant, stored on the template.
        variant.directo_code = "TEENUS-ABC"
        self.assertEqual(template.directo_code, "TEENUS-ABC")

    def test_dropdowns_find_by_directo_code(self):
        """What many2one drop-downs call: ``name_search`` with the typed text."""
        Product = self.env["product.product"]
        linked = Product.create(
            {"name": "Terrace board", "default_code": "TB-28", "directo_code": "ART-1001"}
        )
        lookalike = Product.create({"name": "Shelf ART-1001 edition"})
        found = [pid for pid, _name in Product.name_search("ART-1001")]
        self.assertEqual(found[:2], [linked.id, lookalike.id], "the exact code comes first")
        self.assertEqual(Product.name_search("ART-1001", limit=1)[0][0], linked.id)
        self.assertIn(linked.id, [pid for pid, _name in Product.name_search("art-100")])
        self.assertEqual(
            [pid for pid, _name in Product.name_search("ART-1001", operator="=")], [linked.id]
        )
        self.assertIn(linked.id, [pid for pid, _name in Product.name_search("TB-28")])
        restricted = Product.name_search("ART-1001", args=[("id", "!=", linked.id)])
        self.assertNotIn(linked.id, [pid for pid, _name in restricted], "the domain is kept")
        templates = self.env["product.template"].name_search("ART-1001")
        self.assertIn(linked.product_tmpl_id.id, [tid for tid, _name in templates])
        # Clients (base name_search goes through _search_display_name): partial codes too.
        self.assertIn(self.client.id, [pid for pid, _name in self.Partner.name_search("codes-1")])

    def test_billing_settings_on_partner_form(self):
        with Form(self.Partner) as form:
            form.name = "Form Client"
            form.company_type = "company"
            form.directo_code = "K-FORM"
            form.directo_default_resource_id = self.resource
            form.directo_default_resource_is_user = True
        partner = form.record
        self.assertEqual(partner.directo_default_resource_id, self.resource)
        contact = self.Partner.create({"name": "Person", "parent_id": partner.id})
        self.assertEqual(contact.directo_default_resource_id, self.resource)
        self.assertTrue(contact.directo_default_resource_is_user)

    def test_invoice_line_resource_defaults_from_client(self):
        product = self.env["product.product"].create({"name": "Work", "type": "service"})
        other = new_test_user(
            self.env,
            login="directo_other_res",
            groups="base.group_user",
            company_id=self.company.id,
        )
        with Form(self.env["account.move"].with_context(default_move_type="out_invoice")) as move:
            move.partner_id = self.client
            with move.invoice_line_ids.new() as line:
                line.product_id = product
                line.price_unit = 100
            with move.invoice_line_ids.new() as line:
                line.product_id = product
                line.price_unit = 50
                line.directo_resource_id = other
        invoice = move.record
        lines = invoice.invoice_line_ids
        self.assertEqual(lines[0].directo_resource_id, self.resource)
        self.assertEqual(lines[1].directo_resource_id, other, "a chosen resource is kept")

    @staticmethod
    def _form_line_resource(move_form, index=0):
        with move_form.invoice_line_ids.edit(index) as line:
            return line.directo_resource_id

    def test_invoice_line_resource_follows_client_change(self):
        """Changing the client before saving replaces the previous client's default; on a
        saved invoice a resource chosen on purpose is kept."""
        product = self.env["product.product"].create({"name": "Work", "type": "service"})
        mari = new_test_user(
            self.env, login="directo_res_mari", groups="base.group_user", company_id=self.company.id
        )
        chosen = new_test_user(
            self.env, login="directo_res_chosen", groups="base.group_user",
            company_id=self.company.id,
        )  # fmt: skip
        client2 = self.Partner.create(
            {"name": "Second Client", "is_company": True, "directo_default_resource_id": mari.id}
        )
        client3 = self.Partner.create({"name": "Client Without Resource", "is_company": True})
        with Form(self.env["account.move"].with_context(default_move_type="out_invoice")) as move:
            move.partner_id = self.client
            with move.invoice_line_ids.new() as line:
                line.product_id = product
                line.price_unit = 100
            self.assertEqual(self._form_line_resource(move), self.resource)
            move.partner_id = client2
            self.assertEqual(self._form_line_resource(move), mari)
            move.partner_id = client3
            self.assertFalse(self._form_line_resource(move))
            move.partner_id = client2
        invoice = move.record
        self.assertEqual(invoice.invoice_line_ids.directo_resource_id, mari)
        # Saved: a row with the client's default follows the client, a chosen one stays.
        with Form(invoice) as move, move.invoice_line_ids.new() as line:
            line.product_id = product
            line.price_unit = 50
            line.directo_resource_id = chosen
        with Form(invoice) as move:
            move.partner_id = self.client
        self.assertEqual(
            invoice.invoice_line_ids.mapped("directo_resource_id"), self.resource | chosen
        )
        self.assertEqual(invoice.invoice_line_ids[1].directo_resource_id, chosen)

    def test_install_creates_resource_column_without_computing(self):
        """The pre-init hook creates the column (so the ORM computes nothing on existing
        journal items); the ORM still adds the foreign key."""
        manifest = get_manifest("directo_connector")
        self.assertEqual(manifest["pre_init_hook"], "pre_init_hook")
        self.assertTrue(column_exists(self.cr, "account_move_line", "directo_resource_id"))
        self.cr.execute(
            """
            SELECT confrelid::regclass::text, confdeltype
              FROM pg_constraint
             WHERE conrelid = 'account_move_line'::regclass AND contype = 'f'
               AND conname = 'account_move_line_directo_resource_id_fkey'
            """
        )
        self.assertEqual(self.cr.fetchall(), [("res_users", "n")], "ON DELETE SET NULL")
        pre_init_hook(self.env)  # a second run (reinstall) changes nothing
        self.assertTrue(column_exists(self.cr, "account_move_line", "directo_resource_id"))

    def test_tax_and_user_codes(self):
        tax = self.env["account.tax"].search([("company_id", "=", self.company.id)], limit=1)
        with Form(tax) as form:
            form.directo_code = "1"
        self.assertEqual(tax.directo_code, "1")
        action = self.env.ref("directo_connector.res_users_action_directo_resources")
        self.assertIn(self.resource, self.env["res.users"].search(safe_eval(action.domain)))
        self.assertEqual(self.resource.directo_code, "JAAN")
