# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Directo's refusals name the record to fix, and unknown codes are caught before sending.

Against the sandbox, whose refusals can carry the code, only the kind, an Estonian
sentence or a generic "Error on import" (Directo's real wording is undocumented).
"""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from ..models.account_move import EXPORT_ACTIVITY_TYPE
from .test_export import DirectoExportCommon


@tagged("post_install", "-at_install")
class TestRefusalDiagnosis(DirectoExportCommon):
    def _forget_copy(self):
        self.env["directo.register"].sudo().search([]).unlink()

    def _registers(self):
        return self.env["directo.register"].sudo().search([("company_id", "=", self.company.id)])

    @staticmethod
    def _register_reads(reads):
        """The reads of clients, articles and objects (the VAT code list has no ts)."""
        return [r for r in reads if r.component != "itemaccountvatcode"]

    def _gets(self):
        return [r for r in self.sandbox.requests if r.operation == "get"]

    def _age_copy(self, delta):
        self._registers().write({"refreshed_at": fields.Datetime.now() - delta})

    def _line(self, **extra):
        return dict(
            {
                "product_id": self.consult.id,
                "quantity": 1,
                "price_unit": 80,
                "directo_resource_id": self.katrin.id,
            },
            **extra,
        )

    # ------------------------------------------------------------------ refusals

    def test_each_refusal_names_the_record_and_field_whatever_directo_says(self):
        client_name = self.client.display_name
        cases = [
            # (record, field value, expected sentence (row = the invoice's row 1 label))
            (
                self.consult,
                "SRV-X",
                "Directo does not know article code SRV-X of product Consulting hour "
                "({row}): fix the product's Directo Article Code or import the articles "
                "from Directo.",
            ),
            (
                self.consult,
                "ART-9000",
                "Article ART-9000 of product Consulting hour ({row}) is closed in Directo",
            ),
            (
                self.client,
                "K0009",
                f"Client {client_name} (code K0009) is closed in Directo: reopen it in "
                "Directo or give the client the code of an open Directo client.",
            ),
            (
                self.katrin,
                "KADRI",
                f"Directo has no object KADRI: user {self.katrin.name} ({{row}} resource). "
                "Fix the user's Directo Code (Invoicing > Directo > Resources)",
            ),
            (
                self.katrin,
                "VANA",
                f"Object VANA is closed in Directo: user {self.katrin.name} ({{row}} resource).",
            ),
            (
                self.jaan,
                "SELLER",
                f"Directo has no object SELLER for the salesman: user {self.jaan.name} "
                f"(salesperson of client {client_name}).",
            ),
            (self.tax24, "77", "VAT code 77 of tax DX 24% ({row})"),
        ]
        for style in ("code", "kind", "estonian", "generic"):
            for record, bad_code, expected in cases:
                with self.subTest(style=style, code=bad_code):
                    self.sandbox.set_refusal_style(style)
                    # No copy of Directo's registers yet: the refusal alone finds the code.
                    self._forget_copy()
                    good_code = record.directo_code
                    record.directo_code = bad_code
                    move = self._invoice(lines=[self._line()])
                    puts_before = len(self._put_requests())
                    self._export(move)
                    record.directo_code = good_code
                    self.assertEqual(len(self._put_requests()), puts_before + 1)
                    self.assertEqual(move.directo_state, "failed")
                    error = move.directo_error
                    self.assertIn(expected.format(row=f"{move.name} row 1"), error)
                    if record == self.tax24:
                        # No VAT register to read: named when Directo names it, else the
                        # remaining suspect once every other code is known.
                        self.assertIn(
                            "Directo's description names VAT code 77"
                            if style == "code"
                            else "the remaining suspects are its VAT codes",
                            error,
                        )
                        self.assertIn(
                            "Directo VAT Code (Invoicing > Configuration > Accounting > Taxes)",
                            error,
                        )
                    # Directo's own Type and Desc, verbatim, beside the explanation.
                    attempt = move.directo_attempt_ids[:1]
                    self.assertIn(
                        f"(Directo Type {attempt.type_code}: {attempt.description})", error
                    )
                    self.assertEqual(attempt.type_code, 9 if style == "generic" else 31)
                    if style != "code":
                        self.assertNotIn(bad_code, attempt.description)
                    self.assertEqual(attempt.message, error)
                    notes = move.message_ids.filtered(lambda m: "Directo refused" in (m.body or ""))
                    self.assertEqual(len(notes), 1)
                    activity = move.activity_ids.filtered(
                        lambda a: a.activity_type_id == self.env.ref(EXPORT_ACTIVITY_TYPE)
                    )
                    self.assertIn("Directo refused", str(activity.note))
                    self.assertFalse(move.directo_document)

    def test_look_ups_cost_the_same_for_one_or_many_invoices(self):
        # A VAT code: the copy cannot catch it, so every invoice is refused by Directo.
        self.tax24.directo_code = "77"

        def export(count):
            self._forget_copy()
            moves = self.env["account.move"]
            for _i in range(count):
                moves |= self._invoice(lines=[self._line(), self._line(product_id=self.boards.id)])
            gets, puts = len(self._gets()), len(self._put_requests())
            self._export(moves)
            self.assertEqual(set(moves.mapped("directo_state")), {"failed"})
            for move in moves:
                self.assertIn("VAT code 77 of tax DX 24%", move.directo_error)
            return len(self._gets()) - gets, len(self._put_requests()) - puts

        one = export(1)
        several = export(6)
        # Clients open + closed, articles open + closed, objects, the VAT code list: one
        # read each.
        self.assertEqual(one, (6, 1))
        self.assertEqual(several, one)
        # Once the copy exists, an export a minute later reads only the changes (ts).
        self._age_copy(timedelta(minutes=5))
        gets = len(self._gets())
        self._export(self._invoice(lines=[self._line()]))
        delta_reads = self._register_reads(self._gets()[gets:])
        self.assertEqual(len(delta_reads), 5)
        self.assertTrue(all(r.form.get("ts") or r.query.get("ts") for r in delta_reads))

    def test_outcome_is_committed_before_any_look_up(self):
        """The write-ahead/apply structure stays: the look-ups come after the outcome."""
        self.tax24.directo_code = "77"
        self._forget_copy()
        export = self.env["directo.invoice.export"]
        order = []
        apply, diagnose = type(export)._apply, type(export)._diagnose

        def spy_apply(this, *args):
            order.append(("apply", len(self._gets())))
            return apply(this, *args)

        def spy_diagnose(this, *args):
            order.append(("diagnose", len(self._gets())))
            return diagnose(this, *args)

        move = self._invoice(lines=[self._line()])
        with (
            patch.object(type(export), "_apply", spy_apply),
            patch.object(type(export), "_diagnose", spy_diagnose),
        ):
            self._export(move)
        self.assertEqual([step for step, _gets in order], ["apply", "diagnose"])
        self.assertEqual(order[0][1], order[1][1], "no look-up before the outcome is applied")
        self.assertEqual(len(self._gets()), order[1][1] + 6)

    # ------------------------------------------------------------------ before sending

    def test_pre_send_check_catches_unknown_and_closed_codes_without_any_put(self):
        action = self.company.action_directo_refresh_registers()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertIn("minute(s) ago", action["params"]["message"])
        requests_before = len(self.sandbox.requests)
        self.consult.directo_code = "SRV-X"
        self.client2.directo_code = "K0009"
        self.katrin.directo_code = "VANA"
        good = self._invoice(
            lines=[self._line(product_id=self.boards.id, directo_resource_id=self.jaan.id)]
        )
        bad = self._invoice(lines=[self._line(), self._line(product_id=self.boards.id)])
        closed_client = self._invoice(
            partner=self.client2,
            lines=[self._line(product_id=self.boards.id, directo_resource_id=self.jaan.id)],
        )
        action = self._export(good | bad | closed_client)
        self.assertEqual(action["res_model"], "directo.export.wizard")
        # Nothing was sent, nothing read: the copy is fresh.
        self.assertEqual(len(self.sandbox.requests), requests_before)
        wizard = self.env["directo.export.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.valid_move_ids, good)
        by_move = {}
        for line in wizard.problem_ids:
            by_move.setdefault(line.move_id, []).append(line)
        bad_text = "\n".join(line.message for line in by_move[bad])
        self.assertIn(
            f"Directo does not know article code SRV-X of product Consulting hour ({bad.name} "
            "row 1): fix the product's Directo Article Code",
            bad_text,
        )
        self.assertIn(f"Object VANA is closed in Directo: user {self.katrin.name}", bad_text)
        # Both rows carry the closed object: each row problem points at its row.
        self.assertEqual(
            {line.line_id for line in by_move[bad]}, set(bad.invoice_line_ids), bad_text
        )
        (client_problem,) = by_move[closed_client]
        self.assertIn(
            f"Client {self.client2.display_name} (code K0009) is closed in Directo",
            client_problem.message,
        )
        self.assertIn("minute(s) ago", wizard.register_note)
        self.assertIn(self.company.name, wizard.register_note)
        wizard.with_user(self.accountant).action_send_valid()
        self.assertEqual(good.directo_state, "sent")
        self.assertEqual(bad.directo_state, "to_send")
        self.assertEqual(len(self._put_requests()), 1)

    def test_pre_send_check_reads_the_changes_before_refusing(self):
        self.company.action_directo_refresh_registers()
        self._age_copy(timedelta(minutes=10))
        # Created in Directo after the copy was made.
        self.sandbox.add_item(code="NEW-1", name="New service")
        self.consult.directo_code = "NEW-1"
        move = self._invoice(lines=[self._line()])
        gets = len(self._gets())
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        item_reads = [r for r in self._gets()[gets:] if r.component == "item"]
        self.assertTrue(item_reads and all(r.form.get("ts") for r in item_reads))

    def test_stale_or_missing_copy_never_blocks_the_export(self):
        self.company.action_directo_refresh_registers()
        self.consult.directo_code = "SRV-X"
        # Two days old, and Directo cannot be read now: the copy is not relied on.
        self._age_copy(timedelta(days=2))
        self.sandbox.add_fault("http500", sticky=True, operation="get")
        move = self._invoice(lines=[self._line()])
        action = self._export(move)
        self.assertNotEqual(action.get("res_model"), "directo.export.wizard")
        self.assertEqual(len(self._put_requests()), 1)
        self.assertEqual(move.directo_state, "failed")
        # Directo's refusal names the code: that is said, with the product.
        self.assertIn("article code SRV-X of product Consulting hour", move.directo_error)
        # A missing copy: the same.
        self.sandbox.clear_faults()
        self._forget_copy()
        self.assertEqual(self._problems(self._invoice(lines=[self._line()])), [])

    def test_scheduled_action_and_button_keep_the_copy(self):
        Import = self.env["directo.import"].sudo()
        Import._cron_process_imports()  # nothing to import: the copy is read in full
        registers = self._registers()
        self.assertEqual(
            set(registers.mapped("component")), {"customer", "item", "object", "vatcode"}
        )
        self.assertTrue(all(registers.mapped("loaded")))
        codes = self.env["directo.register.code"].sudo()
        konsult = codes.search([("component", "=", "item"), ("code", "=", "TEENUS-KONSULT")])
        self.assertFalse(konsult.closed)
        self.assertTrue(codes.search([("code", "=", "K0009")]).closed)
        self.assertTrue(codes.search([("code", "=", "VANA")]).closed)
        # An hour later: only the changes are read; a closed article is seen as closed.
        self.sandbox.close("item", "TEENUS-KONSULT")
        self._age_copy(timedelta(hours=1))
        gets = len(self._gets())
        Import._cron_process_imports()
        reads = self._gets()[gets:]
        self.assertEqual(len(reads), 6)
        self.assertTrue(all(r.form.get("ts") for r in self._register_reads(reads)))
        self.assertTrue(konsult.closed)
        # Run again at once: nothing is read (the copy is fresh).
        Import._cron_process_imports()
        self.assertEqual(len(self._gets()), gets + 6)
        # The settings say how fresh the copy is; their button reads everything: a code
        # Directo no longer has is dropped.
        settings = self.env["res.config.settings"].create({})
        self.assertIn("minute(s) ago", settings.directo_register_note)
        with self.sandbox.state.lock:
            del self.sandbox.state.company("demo").items["ART-2040"]
        action = settings.action_directo_refresh_registers()
        self.assertEqual(action["params"]["type"], "success")
        self.assertFalse(codes.search([("code", "=", "ART-2040")]))
        self.assertTrue(codes.search([("code", "=", "TEENUS-KONSULT")]).closed)

    # ------------------------------------------------------------------ feeds

    def _key_without(self, feed):
        everything = {"customer:get", "item:get", "invoice:put", "receipt:get", "object:get"}
        self.sandbox.add_token("PARTIAL-KEY", allow=everything - {feed})
        self.company.sudo().directo_token = "PARTIAL-KEY"

    def test_connect_names_each_feed_not_activated(self):
        cases = [
            ("invoice:put", "Invoices in", "connected"),
            ("receipt:get", "Receipts out", "connected"),
            ("object:get", "Objects out", "connected"),
            ("item:get", "Articles out", "failed"),
            ("customer:get", "Customers out", "failed"),
        ]
        for feed, name, state in cases:
            with self.subTest(feed=feed):
                self._key_without(feed)
                action = self.company.action_directo_connect()
                self.assertEqual(self.company.directo_connection_state, state)
                message = self.company.directo_connection_message
                self.assertIn(f"the feed direction {name} is not activated", message)
                self.assertIn(f"Ask Directo to activate {name}", message)
                self.assertEqual(
                    action["params"]["type"], "warning" if state == "connected" else "danger"
                )
                others = {"Invoices in", "Receipts out", "Objects out", "Articles out"} - {name}
                for other in others:
                    self.assertNotIn(f"feed direction {other}", message)

    def test_feeds_not_activated_later_are_named(self):
        # Invoices in: the export says which feed to ask for.
        self._key_without("invoice:put")
        move = self._invoice(lines=[self._line()])
        self._export(move)
        self.assertEqual(move.directo_state, "failed")
        self.assertIn("the feed direction Invoices in is not activated", move.directo_error)
        # Receipts out: the paid status says so.
        self.company.sudo().directo_token = "DEMO-TOKEN"
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self._key_without("receipt:get")
        stats = self.env["directo.receipt"]._directo_fetch_paid_status(self.company)
        self.assertIn("the feed direction Receipts out is not activated", stats["message"])
        # Objects out: the copy of the objects cannot be read; a refusal says what was
        # not checked and why.
        self._key_without("object:get")
        self.tax24.directo_code = "77"
        self._forget_copy()
        refused = self._invoice(lines=[self._line()])
        self._export(refused)
        objects = self._registers().filtered(lambda r: r.component == "object")
        self.assertIn("the feed direction Objects out is not activated", objects.error)
        self.assertIn(
            f"Odoo could not check object code KATRIN of user {self.katrin.name}",
            refused.directo_error,
        )
        self.assertIn("Objects out", refused.directo_error)
        self.assertIn("VAT code 77", refused.directo_error)
        # Customers out: the client import says so.
        self._key_without("customer:get")
        run = self.env["directo.import"]._directo_enqueue("client", self.company)
        self.env["directo.import"]._cron_process_imports()
        self.assertEqual(run.state, "failed")
        self.assertIn("the feed direction Customers out is not activated", run.error)

    def test_copy_is_company_bound(self):
        self.company.action_directo_refresh_registers()
        other = self.env["res.company"].create({"name": "Other Directo Company"})
        user = self.accountant
        user.write({"company_ids": [Command.link(other.id)]})
        codes = self.env["directo.register.code"].with_user(user)
        self.assertTrue(codes.search_count([]))
        self.assertFalse(
            codes.with_context(allowed_company_ids=[other.id]).search_count([]),
            "another company's users do not see this company's copy",
        )
