# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime as dt

from odoo.tests import Form, tagged

from .common import DirectoImportCase

K0004_CODES = ["104", "105", "109"]
#: Demo data's latest change of an open contact person (111, of the closed client K0009).
DEMO_LATEST_TS = dt.datetime(2025, 9, 12, 9, 15)


@tagged("post_install", "-at_install")
class TestDirectoContactImport(DirectoImportCase):
    """Contact persons (what=contact) read with the clients, and the daily client refresh."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.directo_client_watermark = False  # as if clients were never read

    def _contacts(self, code):
        return self.Partner.with_context(active_test=False).search(
            [("parent_id.directo_code", "=", code)], order="directo_contact_code, id"
        )

    def _add_all(self):
        run = self._read()
        run.client_line_ids.action_directo_add()
        return run

    def _refresh(self):
        self.Import._cron_refresh_clients()
        run = self.Import.search(
            [("company_id", "=", self.company.id), ("mode", "=", "refresh")], limit=1
        )
        self.assertTrue(run, "the scheduled action queued a refresh")
        self._run_cron()
        run.invalidate_recordset()
        return run.sudo()

    def _component_requests(self):
        return [(r.component, r.operation) for r in self.sandbox.requests]

    # ------------------------------------------------------------------ full import

    def test_contacts_read_in_one_request_and_counted_per_client(self):
        run = self._read()
        self.assertEqual(
            self._component_requests(),
            [("customer", "get"), ("contact", "get")],
            "one request per component, not one per client",
        )
        contact_request = self.sandbox.requests[-1]
        self.assertEqual(contact_request.form["closed"], "0")
        self.assertNotIn("customercode", contact_request.form)
        self.assertEqual(run.contact_read_count, 9, "open persons of the 8 open clients")
        lines = self._by_code(run)
        self.assertEqual(
            [row.code for row in lines["K0004"].contact_ids], K0004_CODES, "three contacts"
        )
        self.assertEqual(lines["K0004"].contact_new_count, 3)
        self.assertEqual(lines["K0004"].contact_summary, "3 new")
        self.assertFalse(lines["K0003"].contact_summary)
        self.assertEqual(lines["K0002"].contact_ids.mapped("code"), ["103"], "110 is closed")
        self.assertFalse(lines["K0003"].contact_ids)
        self.assertEqual(lines["K0004"].primary_contact_code, "104")
        self.assertIn("9 contact persons read", self._messages(run))

    def test_contacts_created_as_children_with_their_code(self):
        self._add_all()
        tarkvara = self._clients("K0004")
        children = self._contacts("K0004")
        # Kadri Lepp is both the client's own contact and a contact person: one contact.
        self.assertRecordValues(
            children,
            [
                {"name": "Kadri Lepp", "directo_contact_code": "104", "type": "contact",
                 "email": "kadri@tarkvara.ee", "phone": "+372 600 1234", "mobile": False},
                {"name": "Andres Pärn", "directo_contact_code": "105", "type": "contact",
                 "email": "andres@tarkvara.ee", "phone": False, "mobile": False},
                {"name": "Liis Org", "directo_contact_code": "109", "type": "other",
                 "email": "liis@tarkvara.ee", "phone": False, "mobile": "+372 5000 0109"},
            ],
        )  # fmt: skip
        self.assertEqual(children.parent_id, tarkvara)
        # Liis has an address of her own; the others share the company's.
        self.assertRecordValues(
            children,
            [
                {"street": "Narva mnt 7", "city": "Tallinn", "zip": "10117"},
                {"street": "Narva mnt 7", "city": "Tallinn", "zip": "10117"},
                {"street": "Pikk 3", "city": "Tartu", "zip": "51004"},
            ],
        )
        self.assertEqual(tarkvara.email, "raamatupidamine@tarkvara.ee")
        # The closed contact person and the one of a closed client are nowhere.
        Partner = self.Partner.with_context(active_test=False)
        self.assertFalse(Partner.search([("directo_contact_code", "in", ["110", "111"])]))
        self.assertEqual(self._contacts("K0002").mapped("directo_contact_code"), ["103"])
        # A client whose own contact is not a contact person: that contact, as before.
        self.assertRecordValues(
            self._contacts("K0006"),
            [{"name": "Liis Mänd", "directo_contact_code": False,
              "email": "mesi@viljandimesi.ee"}],
        )  # fmt: skip

    def test_second_import_duplicates_nothing(self):
        self._add_all()
        coded = [("directo_contact_code", "!=", False), ("parent_id.directo_code", "=like", "K%")]
        self.assertEqual(self.Partner.search_count(coded), 9)
        second = self._read()
        self.assertEqual(set(second.client_line_ids.mapped("match_state")), {"linked"})
        line = self._by_code(second)["K0004"]
        self.assertEqual((line.contact_new_count, line.contact_linked_count), (0, 3))
        second.client_line_ids.action_directo_add()
        self.assertEqual(self.Partner.search_count(coded), 9)
        self.assertEqual(len(self._contacts("K0004")), 3)

    def test_contact_made_before_contact_persons_is_linked_not_doubled(self):
        """A client imported before contact persons were read has a child made from its own
        contact: the same-named contact person gets that child (and its code)."""
        client = self.Partner.create(
            {
                "name": "Põhjala Puit OÜ",
                "is_company": True,
                "directo_code": "K0001",
                "child_ids": [
                    (0, 0, {"name": "Mari Tamm", "email": "arved@pohjalapuit.ee"}),
                ],
            }
        )
        mari = client.child_ids
        run = self._read()
        line = self._by_code(run)["K0001"]
        self.assertEqual(line.match_state, "changed")
        self.assertEqual((line.contact_new_count, line.contact_changed_count), (1, 1))
        row = line.contact_ids.filtered(lambda r: r.code == "101")
        self.assertEqual(row.partner_id, mari)
        self.assertIn("Directo contact code", row.changes)
        self.assertIn("New contact person", line.changes)
        line.action_directo_add()
        self.assertEqual(self._contacts("K0001").mapped("directo_contact_code"), ["101", "102"])
        self.assertEqual(mari.directo_contact_code, "101")
        self.assertEqual(mari.email, "mari@pohjalapuit.ee")
        self.assertEqual(client.email, "arved@pohjalapuit.ee")

    def test_two_clients_one_vat_contacts_stay_with_their_client(self):
        existing = self.Partner.create(
            {
                "name": "Twin",
                "is_company": True,
                "vat": "EE999",
                "child_ids": [(0, 0, {"name": "Mari"})],
            }
        )
        mari = existing.child_ids
        self.sandbox.state.add_customer(code="T1", name="Twin One", vatregno="EE999")
        self.sandbox.state.add_customer(code="T2", name="Twin Two", vatregno="EE999")
        self.sandbox.state.add_contact(code="201", customercode="T2", name="Mari")
        run = self._read()
        lines = self._by_code(run)
        self.assertEqual(lines["T2"].contact_ids.partner_id, mari, "probably the same as Twin")
        (lines["T1"] | lines["T2"]).action_directo_add()
        # T1 got Twin; T2 is a new client, whose Mari is a new contact, not Twin's.
        self.assertEqual(existing.directo_code, "T1")
        self.assertEqual(mari.parent_id, existing)
        self.assertFalse(mari.directo_contact_code)
        self.assertEqual(self._contacts("T2").mapped("name"), ["Mari"])
        self.assertNotEqual(self._contacts("T2"), mari)

    def test_changed_contact_shown_and_updated_when_picked(self):
        self._add_all()
        andres = self._contacts("K0004").filtered(lambda c: c.directo_contact_code == "105")
        self.sandbox.state.update_contact("105", email="andres.parn@tarkvara.ee", mobile="+372 7")
        run = self._read()
        lines = self._by_code(run)
        line = lines["K0004"]
        self.assertEqual(line.match_state, "changed")
        self.assertEqual((line.contact_changed_count, line.contact_linked_count), (1, 2))
        self.assertEqual(line.contact_summary, "2 already there, 1 changed")
        self.assertIn("andres.parn@tarkvara.ee", line.changes)
        self.assertIn("Andres Pärn", line.changes)
        # Not picked: untouched.
        (run.client_line_ids - line).action_directo_add()
        self.assertEqual(andres.email, "andres@tarkvara.ee")
        line.action_directo_add()
        self.assertEqual(andres.email, "andres.parn@tarkvara.ee")
        self.assertEqual(andres.mobile, "+372 7")
        self.assertEqual(len(self._contacts("K0004")), 3)

    def test_closed_contact_archived_only_when_picked(self):
        self._add_all()
        andres = self._contacts("K0004").filtered(lambda c: c.directo_contact_code == "105")
        self.sandbox.state.update_contact("105", closed="1")
        run = self._read()
        line = self._by_code(run)["K0004"]
        self.assertEqual(line.match_state, "changed")
        self.assertEqual(line.contact_closed_count, 1)
        closed = line.contact_ids.filtered("closed")
        self.assertEqual(closed.partner_id, andres)
        self.assertEqual(closed.match_state, "closed")
        (run.client_line_ids - line).action_directo_add()
        self.assertTrue(andres.active, "not picked: not archived")
        action = line.action_directo_add()
        self.assertIn("1 contacts closed in Directo were archived", action["params"]["message"])
        self.assertFalse(andres.active)
        self.assertEqual(len(self._contacts("K0004").filtered("active")), 2)

    def test_key_without_contact_component(self):
        self.company.sudo().directo_token = "DEMO-NOCONTACT"
        action = self.company.action_directo_connect()
        self.assertEqual(self.company.directo_connection_state, "connected")
        self.assertEqual(action["params"]["type"], "warning")
        message = self.company.directo_connection_message
        self.assertIn("the feed direction Contacts out is not activated", message)
        self.assertIn("import contact persons", message)
        self._run_cron()  # the client import Connect queued
        run = self.Import.search(
            [("company_id", "=", self.company.id), ("kind", "=", "client")], limit=1
        )
        self.assertEqual(run.state, "ready", run.error)
        self.assertIn("the feed direction Contacts out is not activated", run.contact_note)
        self.assertIn("Contact persons were not read", self._messages(run))
        self.assertEqual(len(run.client_line_ids), 8)
        self.assertFalse(run.client_line_ids.contact_ids)
        run.client_line_ids.action_directo_add()
        # The client's own contact, as before contact persons existed.
        self.assertRecordValues(
            self._contacts("K0001"),
            [{"name": "Mari Tamm", "email": "arved@pohjalapuit.ee", "directo_contact_code": False}],
        )
        self.assertEqual(len(self._clients("K0004")), 1)

    # ------------------------------------------------------------------ refresh

    def test_refresh_reads_only_what_changed_and_previews_it(self):
        self.company.directo_client_refresh = "daily"
        self._add_all()
        self.assertEqual(self.company.directo_client_watermark, DEMO_LATEST_TS)
        parnu = self._clients("K0005")
        juri = self._contacts("K0001").filtered(lambda c: c.directo_contact_code == "102")
        self.sandbox.state.update_customer("K0005", name="Pärnu Ehitus ja Remont AS")
        # Directo empties Jüri's e-mail and gives him a phone: the e-mail stays in Odoo.
        self.sandbox.state.update_contact("102", email="", phone="+372 5555 0102")
        self.sandbox.state.add_customer(code="K0011", name="Uus Klient OÜ", regno="10000011")
        self.sandbox.state.requests.clear()
        run = self._refresh()
        self.assertEqual(run.state, "ready", run.error)
        self.assertEqual(run.ts_from, dt.date(2025, 9, 11), "one day before the watermark")
        self.assertEqual(self._component_requests(), [("customer", "get"), ("contact", "get")])
        for request in self.sandbox.requests:
            self.assertEqual(request.form["ts"], "11.09.2025")
        self.assertNotIn("closed", self.sandbox.requests[-1].form, "closed persons too")
        lines = self._by_code(run)
        # K0001 did not change itself, its contact person did; 110 (closed, never created)
        # and 111 (of a closed client) bring nothing.
        self.assertEqual(set(lines), {"K0001", "K0005", "K0011"})
        self.assertEqual(lines["K0005"].match_state, "changed")
        # K0005's own contact is its contact person Toomas Saar, not read again: his own
        # e-mail is not replaced by the client's.
        self.assertEqual(lines["K0005"].primary_contact_code, "106")
        self.assertEqual(
            lines["K0005"].changes, "Name: Pärnu Ehitus AS → Pärnu Ehitus ja Remont AS"
        )
        self.assertEqual(lines["K0011"].match_state, "new")
        self.assertEqual(lines["K0001"].match_state, "changed")
        self.assertEqual(lines["K0001"].contact_changed_count, 1)
        self.assertNotIn("E-mail", lines["K0001"].changes)
        self.assertEqual(parnu.name, "Pärnu Ehitus AS", "the preview changes nothing")
        self.assertTrue(run.activity_ids, "the user is told there is something to review")
        (lines["K0001"] | lines["K0005"]).action_directo_add()
        self.assertEqual(parnu.name, "Pärnu Ehitus ja Remont AS")
        self.assertEqual(parnu.email, "arved@parnuehitus.ee")
        self.assertEqual(parnu.child_ids.email, "toomas@ehitus.ee")
        self.assertEqual(juri.phone, "+372 5555 0102")
        self.assertEqual(juri.email, "juri@pohjalapuit.ee")
        self.assertEqual(self._clients("K0001").name, "Põhjala Puit OÜ")
        self.assertGreater(self.company.directo_client_watermark, DEMO_LATEST_TS)
        # The full import's preview is not replaced by a refresh.
        first = self.Import.search([("mode", "=", "full")], limit=1)
        self.assertEqual(first.state, "ready")

    def test_refresh_applies_changes_to_linked_clients_directly(self):
        self.company.write(
            {"directo_client_refresh": "daily", "directo_client_refresh_apply": True}
        )
        self._add_all()
        self.sandbox.state.update_customer("K0005", name="Pärnu Ehitus ja Remont AS")
        self.sandbox.state.update_contact("105", closed="1")
        self.sandbox.state.add_contact(code="120", customercode="K0002", name="Uus Inimene")
        self.sandbox.state.add_customer(code="K0011", name="Uus Klient OÜ")
        run = self._refresh()
        self.assertEqual(self._clients("K0005").name, "Pärnu Ehitus ja Remont AS")
        self.assertEqual(self._contacts("K0002").mapped("directo_contact_code"), ["103", "120"])
        self.assertEqual(run.applied_count, 2)
        lines = self._by_code(run)
        self.assertTrue(lines["K0005"].added)
        # A contact closed in Directo is archived only when someone picks it; new clients
        # are picked too.
        andres = self._contacts("K0004").filtered(lambda c: c.directo_contact_code == "105")
        self.assertTrue(andres.active)
        self.assertFalse(lines["K0004"].added)
        self.assertEqual(lines["K0004"].contact_closed_count, 1)
        self.assertFalse(self._clients("K0011"))
        self.assertIn("Updated directly", self._messages(run))

    def test_refresh_with_nothing_changed_bothers_nobody(self):
        self.company.directo_client_refresh = "daily"
        self._add_all()
        self.company.directo_client_watermark = dt.datetime.now()
        run = self._refresh()
        self.assertEqual(run.state, "ready")
        self.assertFalse(run.client_line_ids)
        self.assertFalse(run.activity_ids)

    def test_refresh_watermark_survives_a_failed_read(self):
        self.company.directo_client_refresh = "daily"
        self._add_all()
        self.sandbox.state.update_customer("K0005", name="Pärnu Ehitus ja Remont AS")
        self.sandbox.state.add_fault("http500", component="contact")
        failed = self._refresh()
        self.assertEqual(failed.state, "failed")
        self.assertIn("HTTP 500", failed.error)
        self.assertEqual(self.company.directo_client_watermark, DEMO_LATEST_TS)
        exchanges = self.env["directo.exchange"].search(
            [("company_id", "=", self.company.id), ("component", "=", "contact")], limit=1
        )
        self.assertFalse(exchanges.success, "the failed read is logged")
        # The next run reads the same period again.
        again = self._refresh()
        self.assertEqual(again.state, "ready", again.error)
        self.assertEqual(again.ts_from, dt.date(2025, 9, 11))
        self.assertEqual(self._by_code(again)["K0005"].match_state, "changed")

    def test_refresh_settings(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.directo_client_refresh, "off")
        settings.directo_client_refresh = "daily"
        settings.directo_client_refresh_apply = True
        settings.save().execute()
        self.assertEqual(self.company.directo_client_refresh, "daily")
        self.assertTrue(self.company.directo_client_refresh_apply)
        cron = self.env.ref("directo_connector.ir_cron_directo_client_refresh")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))

    def test_refresh_only_for_companies_that_asked(self):
        self.company.directo_client_refresh = "off"
        self.Import._cron_refresh_clients()
        self.assertFalse(self.Import.search([("mode", "=", "refresh")]))
