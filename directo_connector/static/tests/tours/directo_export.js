/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Exporting invoices in the browser, against the Directo sandbox started by
// tests/test_tours.py. Every tour ends on what the user sees.
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/** A screenshot (with DIRECTO_SCREENSHOTS set), notifications closed so they hide nothing. */
function screenshot(name, closeNotifications = false) {
    return {
        content: `screenshot ${name}`,
        trigger: "body",
        async run() {
            for (const toast of closeNotifications ? document.querySelectorAll(".o_notification") : []) {
                toast.querySelector(".o_notification_close")?.click();
            }
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

// (h) A fresh company: Connect, confirm the proposed mappings on one screen, export the
// first invoice (22 % tax, the invoice's salesperson as the rows' resource).
tours.add("directo_first_export", {
    steps: () => [
        {
            content: "paste the XML Direct key",
            trigger: "div[name=directo_token] input",
            run: "edit DEMO-TOKEN",
        },
        {
            content: "Connect",
            trigger: "button[name=action_directo_connect]",
            run: "click",
        },
        {
            content: "Connected, and Odoo proposes mappings",
            trigger: "div[name=directo_connection_message]:contains(Odoo proposes a code)",
        },
        {
            content: "Review mappings",
            trigger: "button[name=action_directo_open_mappings]",
            run: "click",
        },
        {
            content: "the 22 % tax gets Directo's 22 % VAT code",
            trigger: ".modal .o_data_row:contains(22% G) td[name=code_id]:contains(4 (22 %))",
        },
        {
            content: "the administrator gets Directo's object ADMIN",
            trigger: ".modal .o_data_row:contains(Administrator) td[name=code_id]:contains(ADMIN)",
        },
        screenshot("directo-proposed-mappings", true),
        {
            content: "Confirm all",
            trigger: ".modal button[name=action_confirm_all]",
            run: "click",
        },
        {
            content: "saved",
            trigger: ".o_notification:contains(Directo code(s) saved)",
        },
        {
            content: "to the invoices",
            trigger: "body:not(:has(.modal))",
            run() {
                window.location.assign("/odoo/action-account.action_move_out_invoice_type");
            },
        },
        {
            content: "open the first invoice",
            trigger: ".o_data_row:contains(Põhjala Puit) td[name=name]",
            run: "click",
        },
        {
            content: "Export to Directo",
            trigger: ".o_form_view button[name=action_directo_export]",
            run: "click",
        },
        {
            content: "sent, without any other configuration",
            trigger: ".o_notification:contains(1 invoice(s) sent to Directo)",
        },
        {
            content: "the form reloaded: Directo has it",
            trigger: ".o_form_view button[name=action_directo_resend]",
        },
    ],
});

// (i) The problems dialog fixes a missing VAT code and creates a missing client in place,
// then sends.
tours.add("directo_dialog_fixes", {
    steps: () => [
        {
            content: "Export to Directo",
            trigger: ".o_form_view button[name=action_directo_export]",
            run: "click",
        },
        {
            content: "the dialog: the tax has no Directo VAT code",
            trigger: ".modal .o_data_row:contains(has no Directo VAT Code)",
        },
        {
            content: "its code field",
            trigger: ".modal .o_data_row:contains(has no Directo VAT Code) td[name=fix_code_id]",
            run: "click",
        },
        {
            content: "Directo's list: type 2",
            trigger: ".modal .o_data_row:contains(has no Directo VAT Code) div[name=fix_code_id] input",
            run: "edit 2",
        },
        {
            content: "pick 2 (9 %)",
            trigger: ".o-autocomplete--dropdown-menu a:contains(2 (9 %))",
            run: "click",
        },
        {
            content: "the code is picked",
            trigger: ".modal .modal-title",
            run: "click",
        },
        {
            content: "the row shows it",
            trigger: ".modal .o_data_row:contains(has no Directo VAT Code) td[name=fix_code_id]:contains(2 (9 %))",
        },
        screenshot("export-problems-dialog-fixes", true),
        {
            content: "the client: switch on creating clients in Directo and create it",
            trigger: ".modal button[name=action_allow_create_clients]",
            run: "click",
        },
        {
            content: "Create in Directo",
            trigger: ".modal button[name=action_create]:contains(Create in Directo)",
            run: "click",
        },
        {
            content: "back in the dialog: everything fixed",
            trigger: ".modal .alert-info:contains(All 1 selected invoice(s) are ready to send to Directo)",
        },
        {
            content: "Send",
            trigger: ".modal button[name=action_send_valid]:visible",
            run: "click",
        },
        {
            content: "sent",
            trigger: ".o_notification:contains(1 invoice(s) sent to Directo)",
        },
    ],
});
