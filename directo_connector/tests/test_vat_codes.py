# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Directo's VAT codes and rates in Odoo, the VAT rate check before sending and the
invoice's salesperson as the last resource fallback (issue 21)."""

from decimal import Decimal
from unittest.mock import patch

from odoo.tests import new_test_user, tagged

from ..xmldirect import DirectoClient
from ..xmldirect.codec import VatCodeEntry
from .test_export import DirectoExportCommon


@tagged("post_install", "-at_install")
class TestDirectoVatCodes(DirectoExportCommon):
    def _read_codes(self):
        action = self.company.action_directo_refresh_registers()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        return (
            self.env["directo.register.code"]
            .sudo()
            .search([("company_id", "=", self.company.id), ("component", "=", "vatcode")])
        )

    def _invoice_22(self, vatcode, price):
        """A 22 % tax mapped to ``vatcode`` and a posted invoice of one row with it."""
        tax22 = self.env["account.tax"].create(
            {"name": "DX 22%", "amount": 22, "type_tax_use": "sale", "directo_code": vatcode}
        )
        line = {"product_id": self.consult.id, "quantity": 1, "price_unit": price}
        return tax22, self._invoice(lines=[dict(line, tax_ids=[(6, 0, tax22.ids)])])

    def test_vat_codes_are_read_with_their_rates(self):
        codes = self._read_codes()
        self.assertEqual(
            {c.code: (c.rate, c.rate_source) for c in codes},
            {"1": (24.0, "item"), "2": (9.0, "item"), "3": (0.0, "item"), "4": (22.0, "item")},
        )
        # The VAT code list was asked for too (the sandbox, like Directo's documentation,
        # tells nothing there): the articles' prices give the rates.
        self.assertTrue([r for r in self.sandbox.requests if r.component == "itemaccountvatcode"])
        article = (
            self.env["directo.register.code"]
            .sudo()
            .search([("component", "=", "item"), ("code", "=", "TEENUS-RAAMAT")])
        )
        self.assertEqual((article.vatcode, article.rate), ("4", 22.0))

    def test_directo_vat_code_list_wins_where_the_key_reads_it(self):
        """itemaccountvatcode's fields are undocumented: where it answers with codes and
        rates, they are taken (and win over the articles' prices)."""
        listed = [VatCodeEntry("1", Decimal("20"), "KM 20%"), VatCodeEntry("9", Decimal("5"))]
        with patch.object(DirectoClient, "iter_vat_code_list", return_value=iter(listed)):
            codes = self._read_codes()
        by_code = {c.code: c for c in codes}
        self.assertEqual(
            (by_code["1"].rate, by_code["1"].rate_source), (20.0, "itemaccountvatcode")
        )
        self.assertEqual(by_code["9"].rate, 5.0)
        self.assertEqual(by_code["9"].display_name, "9 (5 %)")
        self.assertEqual((by_code["4"].rate, by_code["4"].rate_source), (22.0, "item"))

    def test_articles_that_disagree_give_no_rate(self):
        self.sandbox.add_item(code="X-1", name="x", salesprice="10", vatprice="12.20", vatcode="1")
        codes = self._read_codes()
        one = codes.filtered(lambda c: c.code == "1")
        self.assertEqual(one.rate_source, "conflict")

    def test_a_22_percent_tax_mapped_to_the_9_percent_code_is_refused(self):
        self._read_codes()
        tax22, move = self._invoice_22("2", 100)
        puts = len(self._put_requests())
        action = self._export(move)
        self.assertEqual(action["res_model"], "directo.export.wizard")
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        (problem,) = wizard.problem_ids
        self.assertEqual(
            problem.message,
            f"{move.name} row 1 (Consulting hour): tax DX 22% (22 %) is mapped to Directo VAT "
            "code 2, whose rate is 9 %: Directo would book other amounts than Odoo. Give the "
            "tax the Directo VAT code of rate 22 %.",
        )
        self.assertEqual(problem.tax_id, tax22, "the dialog offers to fix the tax's code")
        self.assertEqual(len(self._put_requests()), puts, "nothing was sent")
        self.assertEqual(move.directo_state, "to_send")
        # The right code: sent, and Directo's total is Odoo's.
        tax22.directo_code = "4"
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(
            float(self.sandbox.state.invoice_total(move.directo_number)), move.amount_total
        )

    def test_tax_shows_the_rate_of_its_directo_code(self):
        self._read_codes()
        tax22, _move = self._invoice_22("2", 100)
        self.assertEqual(tax22.directo_vat_rate, "9 %")
        self.assertTrue(tax22.directo_rate_differs)
        tax22.directo_code = "4"
        self.assertEqual(tax22.directo_vat_rate, "22 %")
        self.assertFalse(tax22.directo_rate_differs)
        tax22.directo_code = "77"
        self.assertFalse(tax22.directo_vat_rate)

    def test_codes_without_a_known_rate_are_not_checked(self):
        self._read_codes()
        self.tax24.directo_code = "77"  # Directo's answer will tell
        self.assertEqual(self._problems(self._invoice()), [])

    def test_salesperson_is_the_last_fallback(self):
        kadri = new_test_user(
            self.env, login="dx_kadri", name="Kadri Lepp", groups="base.group_user"
        )
        client = self.env["res.partner"].create(
            {"name": "Uus Klient OÜ", "is_company": True, "directo_code": "K0004"}
        )
        move = self._invoice(partner=client, post=False)
        move.invoice_user_id = self.jaan
        move.action_post()
        self.assertFalse(move.invoice_line_ids.directo_resource_id)
        payload = self._payload(move)
        self.assertEqual(payload.rows[0].object, "JAAN")
        # The client's default resource still comes first.
        client.directo_default_resource_id = self.mari
        self.assertEqual(self._payload(move).rows[0].object, "MARI")
        client.directo_default_resource_id = False
        # A salesperson without code is named, never skipped.
        move.invoice_user_id = kadri
        (problem,) = self._problems(move)
        self.assertIn("salesperson Kadri Lepp of the invoice has no Directo code", problem)
        # Switched off: the row needs a resource.
        self.company.directo_salesperson_fallback = False
        (problem,) = self._problems(move)
        self.assertIn("has no resource", problem)

    def test_salesperson_fallback_is_on_by_default_and_in_the_settings(self):
        company = self.env["res.company"].create({"name": "New Directo Company"})
        self.assertTrue(company.directo_salesperson_fallback)
        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.directo_salesperson_fallback)

    def test_amount_difference_is_flagged(self):
        """Directo's amount of an invoice (the receipts' invoice sum) differs from Odoo's
        total: flagged on the invoice and found by a filter."""
        self._read_codes()
        # A code whose rate Odoo cannot know (no article uses it): not checked before
        # sending, and Directo books 24 % where Odoo has 22 %.
        self.sandbox.state.add_vatcode("77", 24)
        _tax22, move = self._invoice_22("77", 195)
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.sandbox.state.add_receipt(move.directo_number, ts="2026-01-20T10:00:00")
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertEqual(move.amount_total, 237.90)
        self.assertEqual(move.directo_amount_total, 241.80)
        self.assertTrue(move.directo_amount_differs)
        found = self.env["account.move"].search([("directo_amount_differs", "=", True)])
        self.assertEqual(found, move)
        # An invoice Directo agrees with is not flagged.
        good = self._invoice()
        self._export(good)
        self.sandbox.state.add_receipt(good.directo_number, ts="2026-01-21T10:00:00")
        self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertEqual(good.directo_amount_total, good.amount_total)
        self.assertFalse(good.directo_amount_differs)
