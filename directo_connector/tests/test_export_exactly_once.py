# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exactly-once under production conditions (issue: several workers, RPC users).

Each test plays what a second worker, a failing follow-up, a forging RPC client or a
missing data record does, and checks that an invoice is carried by one live request at a
time, that Directo's answer is recorded whatever happens after it, that no user can write
the export's state, and that lost answers end with a person, not in an endless loop.
"""

import datetime as dt
import json
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.account_move import EXPORT_STATE_FIELDS
from .test_export import DirectoCommittedCase, DirectoExportCommon

EXPORT_LOGGER = "odoo.addons.directo_connector.models.directo_invoice_export"
SQL_LOGGER = "odoo.sql_db"
INTERVALS = "directo_connector.retry_intervals"


def _serialization_failure(cr):
    """A real serialization failure from PostgreSQL (SQLSTATE 40001), as a concurrent
    update of the same row raises it under REPEATABLE READ."""
    cr.execute(
        "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' USING ERRCODE = 'serialization_failure';"
        " END $$"
    )


class _CommittedExport(DirectoCommittedCase):
    def _read_moves(self):
        with self.env.registry.cursor() as cr:
            env = self._env(cr)
            moves = env["account.move"].browse(self.ids["moves"])
            return [
                {
                    "state": m.directo_state,
                    "attempts": m.directo_attempt_ids.sorted("id").mapped("state"),
                    "activities": len(m.activity_ids),
                    "error": m.directo_error or "",
                }
                for m in moves
            ]

    def _numbers(self, request):
        return request.form["xmldata"].count("<invoice ")


@tagged("post_install", "-at_install")
class TestClaimBeforeSending(_CommittedExport):
    invoice_count = 3

    def test_later_chunk_is_not_taken_by_a_second_worker(self):
        """One export, three requests (batch size 1). While its first request waits for
        Directo, a second worker exports the same invoices: every one of them is claimed
        already, so the second worker sends nothing, and each invoice travels once."""
        known = set(self.sandbox.invoices())
        Export = type(self.env["directo.invoice.export"])
        put = Export._put
        second = []

        def second_worker_meanwhile(export, client, chunk, logged):
            if not second:
                with self.env.registry.cursor() as cr2:
                    env2 = self._env(cr2)
                    moves = env2["account.move"].browse(self.ids["moves"])
                    second.append(env2["directo.invoice.export"]._send(moves, quiet=True))
                    second.append(set(second[0].busy.ids))
            return put(export, client, chunk, logged)

        with (
            self.env.registry.cursor() as cr1,
            patch.object(Export, "_put", second_worker_meanwhile),
            patch.object(Export, "_batch_size", lambda export: 1),
        ):
            moves = self._env(cr1)["account.move"].browse(self.ids["moves"])
            report = moves._directo_hand_over()
        self.assertIn("3 invoice(s) sent", report["params"]["message"])
        self.assertFalse(second[0].sent)
        self.assertEqual(second[1], set(self.ids["moves"]))
        puts = self._puts()
        self.assertEqual(len(puts), 3)
        self.assertEqual([self._numbers(r) for r in puts], [1, 1, 1])
        self.assertEqual(len(set(self.sandbox.invoices()) - known), 3)
        for move in self._read_moves():
            self.assertEqual(move["state"], "sent")
            self.assertEqual(move["attempts"], ["sent"])

    def test_expired_lease_only_is_taken_over(self):
        """A live pending attempt of another request is never overridden; one whose lease
        ran out is marked 'No answer' and the invoice sent again as an update."""
        registry = self.env.registry
        with registry.cursor() as cr:
            env = self._env(cr)
            move = env["account.move"].browse(self.ids["move"])
            env["directo.export.attempt"].sudo().create(
                {"move_id": move.id, "number": "1", "state": "pending"}
            )
        with registry.cursor() as cr:
            env = self._env(cr)
            move = env["account.move"].browse(self.ids["move"])
            report = env["directo.invoice.export"]._send(move)
            self.assertEqual(report.busy, move)
            self.assertEqual(move.directo_attempt_ids.mapped("state"), ["pending"])
            cr.execute(
                "UPDATE directo_export_attempt SET write_date = write_date - interval '1 day'"
                " WHERE move_id = %s",
                [move.id],
            )
            report = env["directo.invoice.export"]._send(move)
            self.assertEqual(report.sent, move)
            self.assertEqual(
                move.directo_attempt_ids.sorted("id").mapped("state"), ["unknown", "sent"]
            )
        self.assertEqual(len(self._puts()), 1)


@tagged("post_install", "-at_install")
class TestAnswerFirst(_CommittedExport):
    @mute_logger(EXPORT_LOGGER, SQL_LOGGER)
    def test_answer_kept_when_the_activity_hits_a_serialization_failure(self):
        """Scheduling the activity (which notifies users and writes partners) fails with
        a serialization failure every time: Directo's answer is recorded all the same."""
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        AccountMove = type(self.env["account.move"])

        def conflicting(moves, user):
            _serialization_failure(moves.env.cr)

        with (
            self.env.registry.cursor() as cr,
            patch.object(AccountMove, "_directo_schedule_activities", conflicting),
        ):
            move = self._env(cr)["account.move"].browse(self.ids["move"])
            move._directo_hand_over()
        (move,) = self._read_moves()
        self.assertEqual(move["state"], "unknown")
        self.assertEqual(move["attempts"], ["unknown"])
        self.assertIn("sent again automatically", move["error"])
        self.assertEqual(move["activities"], 0)

    @mute_logger(EXPORT_LOGGER, SQL_LOGGER)
    def test_recording_retried_after_a_serialization_failure(self):
        """The first try to record the answer conflicts with another transaction: it is
        retried in a fresh transaction, and the invoice ends Sent (not left Sending)."""
        Export = type(self.env["directo.invoice.export"])
        write_attempts = Export._write_attempts
        calls = []

        def conflict_once(export, attempts):
            calls.append(1)
            if len(calls) == 1:
                _serialization_failure(export.env.cr)
            return write_attempts(export, attempts)

        with (
            self.env.registry.cursor() as cr,
            patch.object(Export, "_write_attempts", conflict_once),
        ):
            move = self._env(cr)["account.move"].browse(self.ids["move"])
            move._directo_hand_over()
        self.assertEqual(len(calls), 2)
        (move,) = self._read_moves()
        self.assertEqual(move["state"], "sent")
        self.assertEqual(move["attempts"], ["sent"])
        self.assertEqual(len(self._puts()), 1)

    @mute_logger(EXPORT_LOGGER, SQL_LOGGER)
    def test_note_failure_changes_nothing_recorded(self):
        """Any error after the answer is recorded (here the chatter note) is logged and
        rolled back on its own; the outcome stays."""
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        Export = type(self.env["directo.invoice.export"])

        def broken(export, notes):
            raise ValueError("mail server plugin crashed")

        with self.env.registry.cursor() as cr, patch.object(Export, "_log_notes", broken):
            move = self._env(cr)["account.move"].browse(self.ids["move"])
            move._directo_hand_over()
        (move,) = self._read_moves()
        self.assertEqual(move["state"], "unknown")
        self.assertEqual(move["activities"], 1)


@tagged("post_install", "-at_install")
class TestStateOnlyTheExportWrites(DirectoExportCommon):
    def test_forging_refused_for_an_invoicing_user(self):
        unsent = self._invoice()
        sent = self._invoice()
        self._export(sent)
        self.assertEqual(sent.directo_number, 202600002)
        forgeries = [
            (unsent, {"directo_state": "sent"}),
            (sent, {"directo_number": 999}),
            (sent, {"directo_number": unsent.directo_number or 1, "directo_document": "draft"}),
            (unsent, {"directo_document": "draft"}),
            (sent, {"directo_error": False, "directo_state": "to_send"}),
            (sent, {"directo_payment_state": "paid"}),
            (sent, {"directo_attempt_ids": [(5, 0, 0)]}),
        ]
        for move, vals in forgeries:
            for context in ({}, {"directo_export_write": True}):
                with (
                    self.subTest(vals=vals, context=context),
                    self.assertRaisesRegex(UserError, "only be set by the export"),
                ):
                    move.with_user(self.accountant).with_context(**context).write(vals)
        with self.assertRaisesRegex(UserError, "only be set by the export"):
            self.env["account.move"].with_user(self.accountant).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.client.id,
                    "directo_state": "sent",
                    "directo_number": 5,
                }
            )
        self.assertEqual(sent.directo_number, 202600002)
        self.assertEqual(sent.directo_state, "sent")
        self.assertEqual(unsent.directo_state, "to_send")
        self.assertTrue({"directo_state", "directo_number"} <= EXPORT_STATE_FIELDS)

    def test_attempts_cannot_be_made_or_changed_by_users(self):
        move = self._invoice()
        self._export(move)
        Attempt = self.env["directo.export.attempt"]
        admin = self.env.ref("base.user_admin")
        for user in (self.accountant, admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Attempt.with_user(user).create(
                    {"move_id": move.id, "number": "1", "state": "pending"}
                )
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                move.directo_attempt_ids.with_user(user).write({"state": "unknown"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                move.directo_attempt_ids.with_user(user).unlink()
        self.assertEqual(move.directo_attempt_ids.state, "sent")

    def test_reset_guard_cannot_be_bypassed(self):
        self.company.directo_auto_confirm = True
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_document, "confirmed")
        as_user = move.with_user(self.accountant)
        with self.assertRaisesRegex(UserError, "only be set by the export"):
            as_user.write({"directo_document": "draft"})
        for attempt in (
            as_user.button_draft,
            as_user.button_cancel,
            lambda: as_user.write({"state": "draft"}),
            lambda: as_user.write({"state": "cancel"}),
        ):
            with self.assertRaisesRegex(UserError, "confirmed in Directo"):
                attempt()
        self.assertEqual(move.state, "posted")


@tagged("post_install", "-at_install")
class TestForgingOverJsonRpc(HttpCase):
    """The same refusals through Odoo's external API, as a client program calls it."""

    def test_state_write_over_jsonrpc_refused(self):
        env = self.env
        user = env["res.users"].create(
            {
                "name": "RPC invoicing user",
                "login": "dx_rpc",
                "password": "dx_rpc_pass_1",
                "groups_id": [(6, 0, [env.ref("account.group_account_invoice").id])],
            }
        )
        partner = env["res.partner"].create({"name": "RPC client"})
        move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner.id})

        def call(method, args):
            payload = {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [
                        env.cr.dbname,
                        user.id,
                        "dx_rpc_pass_1",
                        "account.move",
                        method,
                        args,
                        {"context": {"directo_export_write": True}},
                    ],
                },
            }
            response = self.url_open(
                "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}
            )
            return response.json()

        with mute_logger("odoo.http"):
            answer = call("write", [[move.id], {"directo_state": "sent", "directo_number": 7}])
        self.assertIn("error", answer)
        self.assertIn("only be set by the export", answer["error"]["data"]["message"])
        move.invalidate_recordset()
        self.assertFalse(move.directo_state)
        self.assertFalse(move.directo_number)


@tagged("post_install", "-at_install")
class TestMissingDataRecords(DirectoExportCommon):
    def test_deleted_activity_type_never_breaks_an_export(self):
        self.env.ref("directo_connector.mail_activity_type_export_failed").unlink()
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        move = self._invoice()
        self._export(move)
        self.assertEqual(move.directo_state, "unknown")
        # The reminder falls back to Odoo's To-Do type.
        self.assertEqual(
            move.activity_ids.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        self.assertEqual(move.directo_attempt_ids.sorted("id").mapped("state"), ["unknown", "sent"])


@tagged("post_install", "-at_install")
class TestRetryBackoff(DirectoExportCommon):
    def _lose_answer(self, move):
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        self.env["account.move"]._cron_directo_export()

    def _due(self, move):
        """Let the clock reach the next try."""
        self.env.cr.execute(
            "UPDATE account_move SET directo_retry_at = now() - interval '1 second' WHERE id = %s",
            [move.id],
        )
        move.invalidate_recordset()

    def test_growing_intervals_then_needs_attention(self):
        self.company.directo_retry_limit = 3
        move = self._invoice()
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        move._directo_hand_over()  # as the scheduled export: one reminder, one assignee
        self.assertEqual(move.directo_state, "unknown")
        waited = move.directo_retry_at - fields.Datetime.now()
        self.assertAlmostEqual(waited.total_seconds(), 300, delta=60)

        # Not due yet: the scheduled export leaves it alone.
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(len(self._put_requests()), 1)

        self._due(move)
        self._lose_answer(move)
        self.assertEqual(move.directo_state, "unknown")
        waited = move.directo_retry_at - fields.Datetime.now()
        self.assertAlmostEqual(waited.total_seconds(), 900, delta=60)
        self.assertEqual(len(self._put_requests()), 2)

        self._due(move)
        self._lose_answer(move)
        self.assertEqual(move.directo_state, "attention")
        self.assertFalse(move.directo_retry_at)
        self.assertIn("lost 3 times in a row", move.directo_error)
        self.assertIn("Export to Directo", move.directo_error)
        attention = self.env["account.move"].search(
            [("directo_state", "=", "attention"), ("id", "=", move.id)]
        )
        self.assertEqual(attention, move)
        activity = move.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("lost 3 times in a row", str(activity.note))

        # The job stops; a person exports it again: an update of the same number.
        self._due(move)
        self.env["account.move"]._cron_directo_export()
        self.assertEqual(len(self._put_requests()), 3)
        self._export(move)
        self.assertEqual(move.directo_state, "sent")
        puts = self._put_requests()
        self.assertEqual(len(puts), 4)
        self.assertEqual(puts[-1].query.get("xd_update"), "1")
        self.assertFalse(move.activity_ids)

    def test_intervals_from_the_system_parameter(self):
        self.env["ir.config_parameter"].set_param(INTERVALS, "2,4")
        move = self._invoice()
        self.sandbox.add_fault("http500", component="invoice", operation="put")
        self._export(move)
        waited = move.directo_retry_at - fields.Datetime.now()
        self.assertLess(abs(waited - dt.timedelta(seconds=2)), dt.timedelta(seconds=30))
