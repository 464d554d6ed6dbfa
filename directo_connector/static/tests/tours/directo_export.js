/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Exporting invoices in the browser, against the Directo sandbox started by
// tests/test_tours.py. Every tour ends on what the user sees.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

function screenshot(name) {
    return {
        content: `screenshot ${name}`,
        trigger: "body",
        async run() {
            await new Promise((resolve) => setTimeout(resolve, 400));
            console.log(`directo-screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 1200));
        },
    };
}

// (d) A posted invoice: Export to Directo → the Sent badge, the number as an identifier.
tours.add("directo_export_invoice", {
    steps: () => [
        {
            content: "Export to Directo",
            trigger: ".o_form_view button[name=action_directo_export]",
            run: "click",
        },
        {
            content: "Directo answered",
            trigger: ".o_notification:contains(sent to Directo)",
        },
        {
            content: "the form reloaded: a Directo draft can be re-sent, not exported again",
            trigger: ".o_form_view:not(:has(button[name=action_directo_export])) button[name=action_directo_resend]",
        },
        {
            content: "the Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "the Sent badge",
            trigger: "div[name=directo_state] .badge:contains(Sent)",
        },
        {
            content: "the Directo number without thousands separators",
            trigger: "div[name=directo_number]",
            run() {
                const text = this.anchor.textContent.trim();
                if (text !== "202600001") {
                    throw new Error(`Directo number shown as '${text}'`);
                }
            },
        },
        {
            content: "the history line: accepted by Directo",
            trigger: "div[name=directo_attempt_ids] .o_data_row:contains(Accepted)",
        },
        screenshot("invoice-sent-to-directo"),
    ],
});

// (e) Two invoices from the list, one without a client code: the problems dialog names it,
// "Send the valid invoices" sends the other.
tours.add("directo_export_list_problems", {
    steps: () => [
        {
            content: "select the invoice of the client with a code",
            trigger: ".o_data_row:contains(Põhjala Puit) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "select the invoice of the client without a code",
            trigger: ".o_data_row:contains(Uus Klient) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Export to Directo",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Export to Directo)",
            run: "click",
        },
        {
            content: "the problems dialog names the client and what to fix",
            trigger: ".modal .o_field_widget[name=problem_ids]:contains(Uus Klient OÜ has no Directo client code)",
        },
        screenshot("export-problems-dialog"),
        {
            content: "Send the valid invoices",
            trigger: ".modal button[name=action_send_valid]",
            run: "click",
        },
        {
            content: "Directo answered for the valid one",
            trigger: ".o_notification:contains(1 invoice(s) sent to Directo)",
        },
        {
            content: "the list shows it Sent",
            trigger: ".o_data_row:contains(Põhjala Puit) td[name=directo_state]:contains(Sent)",
        },
        {
            content: "the other one is still to send",
            trigger: ".o_data_row:contains(Uus Klient) td[name=directo_state]:contains(To send)",
        },
    ],
});

// The same flows for a user whose language is Estonian: what they read is Estonian.
tours.add("directo_connect_et", {
    steps: () => [
        {
            content: "kleebi XML Directi võti (tühikutega, nagu kopeeritud)",
            trigger: "div[name=directo_token] input",
            async run(helpers) {
                await helpers.edit("  DEMO-TOKEN \n");
            },
        },
        {
            content: "Connect, üks klõps",
            trigger: "button[name=action_directo_connect]",
            run: "click",
        },
        {
            content: "Ühendatud",
            trigger: "div[name=directo_connection_state] .text-bg-success:contains(Ühendatud)",
        },
        {
            content: "the diagnosis in Estonian",
            trigger: "div[name=directo_connection_message]:contains(Kleebitud võtme ümbert eemaldati tühikud)",
        },
        screenshot("settings-directo-et"),
    ],
});

tours.add("directo_export_invoice_et", {
    steps: () => [
        {
            content: "Ekspordi Directosse",
            trigger: ".o_form_view button[name=action_directo_export]:contains(Ekspordi Directosse)",
            run: "click",
        },
        {
            content: "the notification in Estonian",
            trigger: ".o_notification:contains(Directosse saadeti 1 arve(t))",
        },
        {
            content: "the form reloaded",
            trigger: ".o_form_view:not(:has(button[name=action_directo_export])) button[name=action_directo_resend]",
        },
        {
            content: "the Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "Saadetud",
            trigger: "div[name=directo_state] .badge:contains(Saadetud)",
        },
        {
            content: "the history line: Vastu võetud",
            trigger: "div[name=directo_attempt_ids] .o_data_row:contains(Vastu võetud)",
        },
        screenshot("invoice-sent-to-directo-et"),
    ],
});
