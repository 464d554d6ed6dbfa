# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import DirectoImportCase


@tagged("post_install", "-at_install")
class TestArticleData(DirectoImportCase):
    """Imported articles bring Directo's sales price, unit and VAT code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_24 = cls.env["account.tax"].create(
            {
                "name": "KM 24% (Directo 1)",
                "amount": 24,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "directo_code": "1",
            }
        )
        cls.tax_9 = cls.env["account.tax"].create(
            {
                "name": "KM 9% (Directo 2)",
                "amount": 9,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
                "directo_code": "2",
            }
        )
        # A purchase tax with the same code is never a product's sales tax.
        cls.env["account.tax"].create(
            {
                "name": "Ost 24%",
                "amount": 24,
                "type_tax_use": "purchase",
                "company_id": cls.company.id,
                "directo_code": "1",
                "sequence": 0,
            }
        )

    def test_new_products_get_price_unit_and_tax(self):
        run = self._read("article")
        lines = self._by_code(run)
        hour = self.env.ref("uom.product_uom_hour")
        unit = self.env.ref("uom.product_uom_unit")
        meter = self.env.ref("uom.product_uom_meter")
        # The preview shows what the products will get.
        self.assertRecordValues(
            lines["TEENUS-PAIGALDUS"],
            [{"sales_price": 45.0, "unit": "h", "uom_id": hour.id, "vat_code": "1",
              "tax_id": self.tax_24.id}],
        )  # fmt: skip
        self.assertEqual(lines["ART-3300"].tax_id, self.tax_9)
        self.assertEqual(lines["ART-1001"].uom_id, meter, "jm (jooksev meeter) is a metre")
        # A unit Odoo does not know ("kuu") and a VAT code no tax carries ("3").
        self.assertEqual(lines["TEENUS-RAAMAT"].uom_id, unit)
        self.assertFalse(lines["TEENUS-EU"].tax_id)
        run.article_line_ids.action_directo_add()
        Template = self.env["product.template"]
        install = Template.search([("directo_code", "=", "TEENUS-PAIGALDUS")])
        self.assertRecordValues(
            install,
            [{"list_price": 45.0, "uom_id": hour.id, "uom_po_id": hour.id}],
        )
        self.assertEqual(install.taxes_id, self.tax_24)
        self.assertEqual(Template.search([("directo_code", "=", "ART-3300")]).taxes_id, self.tax_9)
        self.assertEqual(Template.search([("directo_code", "=", "ART-1001")]).list_price, 3.2)
        # No tax carries Directo's code 3: Odoo's default sales tax, as for any product.
        eu = Template.search([("directo_code", "=", "TEENUS-EU")])
        self.assertEqual(eu.taxes_id, self.company.account_sale_tax_id)
        self.assertEqual(eu.list_price, 80.0)

    def test_reimport_shows_and_applies_the_differences(self):
        self._read("article").article_line_ids.action_directo_add()
        product = self.env["product.template"].search([("directo_code", "=", "TEENUS-KONSULT")])
        # Directo changes the price and the VAT code; Odoo's unit was changed to days
        # (the same kind of unit as Directo's hours).
        self.sandbox.state.add_item(
            code="TEENUS-KONSULT",
            name="Konsultatsioon (tund)",
            unit="h",
            salesprice="95.50",
            vatcode="2",
        )
        product.uom_id = product.uom_po_id = self.env.ref("uom.product_uom_day")
        second = self._read("article")
        line = self._by_code(second)["TEENUS-KONSULT"]
        self.assertEqual(line.match_state, "changed")
        self.assertEqual(
            line.changes.splitlines(),
            [
                "Sales Price: 80.00 → 95.50",
                "Unit: Days → Hours",
                "Sales Tax: KM 24% (Directo 1) → KM 9% (Directo 2)",
            ],
        )
        others = second.article_line_ids - line
        self.assertEqual(set(others.mapped("match_state")), {"linked"})
        line.action_directo_add()
        self.assertRecordValues(
            product,
            [{"list_price": 95.5, "uom_id": self.env.ref("uom.product_uom_hour").id}],
        )
        self.assertEqual(product.taxes_id, self.tax_9)
        third = self._by_code(self._read("article"))["TEENUS-KONSULT"]
        self.assertEqual(third.match_state, "linked", third.changes)

    def test_unit_of_another_kind_is_not_offered(self):
        """Hours cannot replace kilograms: the product keeps its unit, no difference."""
        kg = self.env.ref("uom.product_uom_kgm")
        product = self.env["product.template"].create(
            {
                "name": "Paigaldustöö (tund)",
                "directo_code": "TEENUS-PAIGALDUS",
                "list_price": 45.0,
                "uom_id": kg.id,
                "uom_po_id": kg.id,
                "taxes_id": [(6, 0, self.tax_24.ids)],
            }
        )
        line = self._by_code(self._read("article"))["TEENUS-PAIGALDUS"]
        self.assertEqual(line.match_state, "linked", line.changes)
        self.assertEqual(product.uom_id, kg)
