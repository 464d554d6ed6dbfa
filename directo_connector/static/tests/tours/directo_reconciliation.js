/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// Reconciliation with Directo, against the sandbox started by
// tests/test_reconciliation_tour.py: Reconcile now from the menu, the differing client in
// the list, its invoices one click away.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** Saves a screenshot as <name>.png when DIRECTO_SCREENSHOTS is set (tests/test_tours.py). */
function screenshot(name, trigger) {
    return {
        content: `screenshot ${name}`,
        trigger,
        async run() {
            console.log(`directo-screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 1200));
        },
    };
}

/** The way in: Invoicing, then Directo → Reconciliation. */
const fromTheMenu = [
    ...stepUtils.goToAppSteps("account.menu_finance", "Invoicing"),
    {
        content: "open the Directo menu",
        trigger: '.o_menu_sections [data-menu-xmlid="directo_connector.menu_directo_root"]',
        run: "click",
    },
    {
        content: "open Reconciliation",
        trigger: '.dropdown-menu [data-menu-xmlid="directo_connector.menu_directo_reconciliation"]',
        run: "click",
    },
];

/** From the list of runs on: the steps in the words of the user's language. */
function reconciliationSteps(words, shots) {
    return [
        {
            content: "nothing reconciled yet: Reconcile now",
            trigger: "button[name=action_reconcile_now]",
            run: "click",
        },
        {
            content: "the run: 2 clients differ",
            trigger: ".o_form_view button[name=action_open_lines] .o_stat_value:contains(2)",
        },
        {
            content: "the differing client is among the run's lines",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:contains(Saare Kala AS)",
        },
        screenshot("reconciliation-run", ".o_field_widget[name=line_ids] .o_data_row"),
        {
            content: "open the lines (list, pivot, graph)",
            trigger: ".o_form_view button[name=action_open_lines]",
            run: "click",
        },
        {
            content: "filtered on Differs",
            trigger: `.o_searchview .o_facet_value:contains(${words.differs})`,
        },
        {
            content: "the differing client, its difference explained",
            trigger: `.o_list_view .o_data_row:contains(Saare Kala AS) td[name=explanation]:contains(${words.toSend})`,
        },
        screenshot("reconciliation-lines", ".o_list_view .o_data_row:contains(Saare Kala AS)"),
        {
            content: "its invoices: one click",
            trigger: ".o_list_view .o_data_row:contains(Saare Kala AS) button[name=action_open_invoices]",
            run: "click",
        },
        {
            content: "the invoice of the client, waiting to be sent to Directo",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Saare Kala AS)",
        },
        {
            content: "its Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "its Directo status",
            trigger: `.o_form_view .o_field_widget[name=directo_state]:contains(${words.toSend})`,
        },
    ].filter((step) => shots || !step.content.startsWith("screenshot"));
}

const tours = registry.category("web_tour.tours");
tours.add("directo_reconciliation", {
    steps: () => [
        ...fromTheMenu,
        ...reconciliationSteps({ differs: "Differs", toSend: "To send" }, true),
    ],
});
// The same for a user whose language is Estonian, from the list of runs (the menu is the
// English tour's).
tours.add("directo_reconciliation_et", {
    steps: () => reconciliationSteps({ differs: "Erineb", toSend: "Saatmata" }, false),
});
