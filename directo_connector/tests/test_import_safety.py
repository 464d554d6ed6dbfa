# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The client import touches only clients: a company's own partner and a user's partner
are never matched, linked or written (import, Add Selected, the daily refresh); a
*Probably the same* client shows its differences and gets them only when chosen."""

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import DirectoImportCase

#: What the sandbox's demo client K0001 (Põhjala Puit OÜ) holds.
K0001_REGNO = "12345678"
K0001_VAT = "EE101234567"
WATCHED = ("name", "vat", "company_registry", "street", "city", "zip", "phone", "email")


@tagged("post_install", "-at_install")
class TestDirectoImportSafety(DirectoImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.directo_client_watermark = False
        # A second company whose own partner has K0001's registration code (as Odoo's
        # Estonian demo company "EE Company" had), and a user whose partner has its VAT
        # number: neither is a Directo client.
        cls.other_company = cls.env["res.company"].create(
            {"name": "EE Company", "company_registry": K0001_REGNO, "street": "Our Street 1"}
        )
        cls.company_partner = cls.other_company.partner_id
        cls.company_partner.write({"company_id": False, "phone": "+372 000"})
        cls.user = new_test_user(cls.env, login="directo_vat_user", name="Mari Kasutaja")
        cls.user_partner = cls.user.partner_id
        cls.user_partner.write({"vat": K0001_VAT, "is_company": True, "company_id": False})

    def _snapshot(self, partner):
        partner.invalidate_recordset()
        return {field: partner[field] for field in (*WATCHED, "directo_code", "child_ids")}

    def test_company_and_user_partners_untouched_by_import_add_and_refresh(self):
        before = {p: self._snapshot(p) for p in (self.company_partner, self.user_partner)}
        run = self._read()
        line = self._by_code(run)["K0001"]
        self.assertEqual(line.match_state, "new", "a company's or user's partner is no match")
        self.assertFalse(line.partner_id)
        run.client_line_ids.action_directo_add()
        client = self._clients("K0001")
        self.assertEqual(len(client), 1)
        self.assertNotIn(client, self.company_partner | self.user_partner)
        self.assertEqual(client.name, "Põhjala Puit OÜ")
        # The daily refresh after a change in Directo.
        self.company.directo_client_refresh = "daily"
        self.company.directo_client_refresh_apply = True
        self.sandbox.state.update_customer("K0001", name="Põhjala Puit ja Palk OÜ")
        self.Import._cron_refresh_clients()
        self._run_cron()
        self.assertEqual(client.name, "Põhjala Puit ja Palk OÜ", "the client was refreshed")
        for partner, snapshot in before.items():
            self.assertEqual(self._snapshot(partner), snapshot, partner.name)

    def test_company_partner_holding_the_code_is_never_written(self):
        """Even a company's partner given the client's code by hand is left as it is."""
        self.company_partner.directo_code = "K0001"
        before = self._snapshot(self.company_partner)
        run = self._read()
        line = self._by_code(run)["K0001"]
        self.assertEqual(line.match_state, "linked")
        self.assertFalse(line.changes)
        self.assertFalse(line.contact_ids, "its contact persons are not offered either")
        self.assertIn("never changed", line.match_reason)
        line.action_directo_add()
        self.assertEqual(self._snapshot(self.company_partner), before)

    def test_probable_shows_differences_and_applies_them_only_when_chosen(self):
        existing = self.Partner.create(
            {
                "name": "Saare Kala",
                "is_company": True,
                "vat": "EE109876543",
                "street": "Vana tn 1",
                "email": "x@y.ee",
            }
        )
        run = self._read()
        line = self._by_code(run)["K0002"]
        self.assertEqual(line.match_state, "probable")
        self.assertEqual(line.partner_id, existing)
        for expected in (
            "Name: Saare Kala → Saare Kala AS",
            "Street: Vana tn 1 → Sadama 12",
            "Registration code: – → 87654321",
            "E-mail: x@y.ee → info@saarekala.ee",
        ):
            self.assertIn(expected, line.changes)
        self.assertEqual(existing.name, "Saare Kala", "the preview writes nothing")
        action = line.action_directo_add()
        message = action["params"]["message"]
        self.assertIn("0 linked, 1 updated", message)
        self.assertIn("Fields written from Directo:", message)
        for label in ("Name", "Street", "Registration code", "E-mail"):
            self.assertIn(label, message)
        self.assertEqual(existing.name, "Saare Kala AS")
        self.assertEqual(existing.directo_code, "K0002")

    def test_probable_linked_keeping_odoo_values(self):
        existing = self.Partner.create(
            {"name": "Saare Kala", "is_company": True, "vat": "EE109876543", "email": "x@y.ee"}
        )
        run = self._read()
        lines = self._by_code(run)
        with self.assertRaises(UserError):
            lines["K0001"].action_directo_link_keep()  # new, not "Probably the same"
        action = lines["K0002"].action_directo_link_keep()
        message = action["params"]["message"]
        self.assertIn("0 created, 1 linked, 0 updated", message)
        self.assertNotIn("Fields written", message)
        self.assertEqual(existing.directo_code, "K0002")
        self.assertEqual(
            (existing.name, existing.email, existing.company_registry),
            ("Saare Kala", "x@y.ee", False),
        )
        self.assertFalse(existing.child_ids, "no contact person written either")
        self.assertTrue(lines["K0002"].added)
        # The next read shows what Directo has that Odoo does not, as *Changed*.
        second = self._by_code(self._read())["K0002"]
        self.assertEqual(second.match_state, "changed")
        self.assertIn("Name: Saare Kala → Saare Kala AS", second.changes)

    def test_code_in_another_case_is_the_same_client(self):
        """Directo ignores the case of client codes: an Odoo client with code k0002 is the
        Directo client K0002 (linked, not created again, which the code index refuses)."""
        client = self.Partner.create(
            {"name": "Saare Kala AS", "is_company": True, "directo_code": "k0002"}
        )
        run = self._read()
        line = self._by_code(run)["K0002"]
        self.assertIn(line.match_state, ("linked", "changed"))
        self.assertEqual(line.partner_id, client)
        line.action_directo_add()
        self.assertEqual(
            self.Partner.search_count([("directo_code", "=ilike", "k0002")]), 1, "no duplicate"
        )
        self.assertEqual(client.company_registry, "87654321")
