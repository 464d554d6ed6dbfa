/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// An invoice whose answer from Directo was lost too many times in a row (tests/test_tours.py
// sets it up): found with the list's filter, explained on the form, exported by a person.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("directo_needs_attention", {
    steps: () => [
        {
            content: "open the search options",
            trigger: ".o_control_panel .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "filter: Directo: Needs attention",
            trigger: ".o_filter_menu .o-dropdown-item:contains(Directo: Needs attention)",
            run: "click",
        },
        {
            content: "the invoice, with its badge",
            trigger: ".o_data_row:contains(Põhjala Puit) td[name=directo_state]:contains(Needs attention)",
            run: "click",
        },
        {
            content: "the banner says what was tried and what to do",
            trigger: ".o_form_view .alert-danger:contains(lost 2 times in a row):contains(Export to Directo)",
        },
        {
            content: "screenshot",
            trigger: "body",
            async run() {
                console.log("directo-screenshot:invoice-needs-attention");
                await new Promise((resolve) => setTimeout(resolve, 1200));
            },
        },
        {
            content: "Export to Directo",
            trigger: ".o_form_view button[name=action_directo_export]",
            run: "click",
        },
        {
            content: "Directo answered",
            trigger: ".o_notification:contains(1 invoice(s) sent to Directo)",
        },
        {
            content: "the form reloaded: nothing left to export",
            trigger: ".o_form_view:not(:has(button[name=action_directo_export])):not(:has(.alert-danger))",
        },
        {
            content: "the Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "Sent, and the history shows the lost answers before",
            trigger: "div[name=directo_state] .badge:contains(Sent)",
        },
        {
            content: "two lost answers, then accepted",
            trigger: "div[name=directo_attempt_ids]:has(.o_data_row:contains(No answer)):has(.o_data_row:contains(Accepted))",
        },
    ],
});
