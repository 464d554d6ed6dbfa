/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The first hour of a new administrator, against the Directo sandbox started by
// tests/test_tours.py. Every tour ends on what the user sees.
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const tours = registry.category("web_tour.tours");

/**
 * A step that saves a screenshot as <name>.png (when DIRECTO_SCREENSHOTS is set).
 * Notifications are closed first, except those matching ``keep``, so they hide nothing.
 */
function screenshot(name, trigger = "body", keep = null) {
    return {
        content: `screenshot ${name}`,
        trigger,
        async run() {
            for (const toast of document.querySelectorAll(".o_notification")) {
                if (!keep || !toast.matches(keep)) {
                    toast.querySelector(".o_notification_close")?.click();
                }
            }
            const pointers = [...document.querySelectorAll(".o_tour_pointer")];
            pointers.forEach((pointer) => (pointer.style.visibility = "hidden"));
            // Let running animations (notifications, dropdowns) settle, then wait for the
            // screenshot taken on this console line.
            await new Promise((resolve) => setTimeout(resolve, 400));
            console.log(`directo-screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 1200));
            pointers.forEach((pointer) => (pointer.style.visibility = ""));
        },
    };
}

/** What the scheduled action does in the background: run it now ("Run Manually"). */
function runScheduledAction(xmlid) {
    return {
        content: `the scheduled action ${xmlid} runs (in the background, triggered at once)`,
        trigger: "body",
        async run() {
            const [, cronId] = await rpc("/web/dataset/call_kw/ir.model.data/check_object_reference", {
                model: "ir.model.data",
                method: "check_object_reference",
                args: ["directo_connector", xmlid],
                kwargs: {},
            });
            await rpc("/web/dataset/call_button/ir.cron/method_direct_trigger", {
                model: "ir.cron",
                method: "method_direct_trigger",
                args: [[cronId]],
                kwargs: {},
            });
            // Tests run in one transaction, so the bus is not woken up by a commit as in
            // production: ask it for the notifications sent since (the websocket re-reads).
            odoo.__WOWL_DEBUG__.root.env.services.bus_service.forceUpdateChannels();
        },
    };
}

function openMenu(sectionXmlid, itemXmlid) {
    return [
        {
            content: "open the menu section",
            trigger: `.o_menu_sections [data-menu-xmlid="${sectionXmlid}"]`,
            run: "click",
        },
        {
            content: "open the menu item",
            trigger: `.dropdown-menu [data-menu-xmlid="${itemXmlid}"]`,
            run: "click",
        },
    ];
}

/** The element is on screen (the page did not jump away from it). */
function inView(selector) {
    return {
        content: `${selector} is still on screen`,
        trigger: selector,
        run() {
            const rect = this.anchor.getBoundingClientRect();
            if (rect.bottom < 0 || rect.top > window.innerHeight) {
                throw new Error(`${selector} left the screen (top ${rect.top})`);
            }
        },
    };
}

const noDialog = {
    content: "no 'Unsaved changes' dialog",
    trigger: "body:not(:has(.modal))",
};

/** The import's "preview ready" notification opens the preview; tick every row, add. */
function addEveryPreviewRow(what) {
    return [
        screenshot(
            `import-${what}s-ready`,
            ".o_notification:contains(Open the preview) button:contains(Open Preview)",
            ".o_notification:has(.o_notification_buttons)"
        ),
        {
            content: `the ${what} preview is ready: the notification opens it`,
            trigger: ".o_notification:contains(Open the preview) button:contains(Open Preview)",
            run: "click",
        },
        {
            content: "tick every row",
            trigger: ".o_list_view thead .o_list_record_selector input",
            run: "click",
        },
        screenshot(`import-${what}s-preview`, ".o_list_view .o_data_row .o_list_record_selector input:checked"),
        {
            content: "Add Selected",
            trigger: ".o_control_panel button[name=action_directo_add]",
            run: "click",
        },
        {
            content: "added",
            trigger: ".o_notification:contains(created)",
        },
    ];
}

// (a) Paste the key with spaces around it, click Connect once: Connected.
tours.add("directo_connect", {
    steps: () => [
        {
            content: "paste the XML Direct key (with whitespace, as copied)",
            trigger: "div[name=directo_token] input",
            async run(helpers) {
                // A function: the "edit ..." string form trims its argument.
                await helpers.edit("  DEMO-TOKEN \n");
            },
        },
        {
            content: "click Connect, once",
            trigger: "button[name=action_directo_connect]",
            run: "click",
        },
        noDialog,
        {
            content: "Connected",
            trigger: "div[name=directo_connection_state] .text-bg-success:contains(Connected)",
        },
        {
            content: "the diagnosis says the whitespace was removed",
            trigger: "div[name=directo_connection_message]:contains(Whitespace around the pasted key was removed)",
        },
        inView("button[name=action_directo_connect]"),
        screenshot("settings-directo", "#directo_connection", ".o_notification"),
        {
            content: "the exchanges of the check",
            trigger: "button[name=action_directo_open_exchanges]",
            run: "click",
        },
        {
            content: "in words: the empty put of the Invoices in check passed (green, not an error)",
            trigger:
                ".o_list_view tr.o_data_row.text-success:has(td[name=check_feed]:contains(Invoices in)) td[name=result]:contains(Check passed)",
        },
        {
            content: "so is the check of the key itself (Customers out)",
            trigger:
                ".o_list_view tr.o_data_row.text-success:has(td[name=check_feed]:contains(Customers out)) td[name=result]:contains(Check passed)",
        },
        screenshot("exchanges"),
    ],
});

// (b) Import clients from the menu, add them, find them under Customers.
tours.add("directo_client_import", {
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Invoicing"),
        ...openMenu(
            "directo_connector.menu_directo_root",
            "directo_connector.menu_directo_import_clients"
        ),
        {
            content: "the menu opens the import, waiting to read",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked=true]:contains(Waiting to read)",
        },
        runScheduledAction("ir_cron_directo_import"),
        {
            content: "the import on screen shows the read (reloaded by the notification)",
            trigger: ".o_statusbar_status button[aria-checked=true]:contains(Ready to review)",
        },
        {
            content: "8 clients read",
            trigger: "div[name=read_count]:contains(8)",
        },
        ...addEveryPreviewRow("client"),
        {
            content: "back to the import",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "the counters agree with the preview: all 8 linked now",
            trigger: "button[name=action_open_linked] .o_stat_value:contains(8)",
        },
        screenshot("import-run"),
        ...openMenu("account.menu_finance_receivables", "account.menu_account_customer"),
        {
            content: "the imported clients are customers",
            trigger: ".o_kanban_record:contains(Põhjala Puit OÜ)",
        },
        {
            content: "with the client's e-mail on the company",
            trigger: ".o_kanban_record:contains(Põhjala Puit OÜ):contains(arved@pohjalapuit.ee)",
        },
    ],
});

// (b, Estonian) The same import for an administrator who reads Estonian: the form, the
// notification, the activity and the chatter written by the background job in Estonian.
tours.add("directo_client_import_et", {
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Invoicing"),
        ...openMenu(
            "directo_connector.menu_directo_root",
            "directo_connector.menu_directo_import_clients"
        ),
        {
            content: "Ootab lugemist",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked=true]:contains(Ootab lugemist)",
        },
        runScheduledAction("ir_cron_directo_import"),
        {
            content: "the form updates itself: Ülevaatamiseks valmis, 8 read, the buttons",
            trigger: ".o_statusbar_status button[aria-checked=true]:contains(Ülevaatamiseks valmis)",
        },
        {
            content: "Loetud kirjeid: 8",
            trigger: "div[name=read_count]:contains(8)",
        },
        {
            content: "the preview button is there without a reload",
            trigger: ".o_form_view .o_form_statusbar button[name=action_open_preview]:contains(Ava eelvaade)",
        },
        {
            content: "the job's message in the chatter, in Estonian",
            trigger: ".o-mail-Message:contains(Directost loetud kirjeid (kliendid): 8)",
        },
        {
            content: "the state change tracked in Estonian",
            trigger: ".o-mail-Message:contains(Ülevaatamiseks valmis)",
        },
        {
            content: "the activity in Estonian",
            trigger: ".o-mail-Activity:contains(Directo eelvaade valmis: kliendid)",
        },
        screenshot(
            "import-clients-ready-et",
            ".o_notification:contains(Ava eelvaade ja vali, mida lisada) button:contains(Ava eelvaade)",
            ".o_notification:has(.o_notification_buttons)"
        ),
        {
            content: "the notification in Estonian opens the preview",
            trigger: ".o_notification:contains(Ava eelvaade ja vali, mida lisada) button:contains(Ava eelvaade)",
            run: "click",
        },
        {
            content: "the preview: Uus",
            trigger: ".o_list_view .o_data_row td[name=match_state]:contains(Uus)",
        },
    ],
});

// (c) Articles: choose Goods (unsaved), Import articles once, add, find the products.
tours.add("directo_article_import", {
    steps: () => [
        {
            content: "New products are: Goods (the page is now unsaved)",
            trigger: "div[name=directo_article_product_type] select",
            run: 'select "consu"',
        },
        {
            content: "Import articles from Directo, once",
            trigger: "button[name=action_directo_import_articles]",
            run: "click",
        },
        noDialog,
        {
            content: "reading in the background",
            trigger: ".o_notification:contains(Reading articles from Directo)",
        },
        runScheduledAction("ir_cron_directo_import"),
        ...addEveryPreviewRow("article"),
        ...stepUtils.goToAppSteps("account.menu_finance", "Invoicing"),
        ...openMenu("account.menu_finance_receivables", "account.product_product_menu_sellable"),
        {
            content: "the imported articles are products",
            trigger: ".o_data_row:contains(ART-1001):contains(Terrassilaud 28x120 mänd)",
        },
    ],
});

// (f) Fetch paid status now: the exported invoice is Paid in Directo.
tours.add("directo_paid_status", {
    steps: () => [
        {
            content: "Fetch paid status now",
            trigger: "button[name=action_directo_fetch_paid_status]",
            run: "click",
        },
        noDialog,
        {
            content: "the summary",
            trigger: "div[name=directo_receipt_sync_message]:contains(1 invoice(s) changed paid status)",
        },
        inView("button[name=action_directo_fetch_paid_status]"),
        {
            content: "the receipts read",
            trigger: "button[name=action_directo_open_receipts]",
            run: "click",
        },
        {
            content: "receipt numbers are identifiers: no thousands separators",
            trigger: ".o_list_view .o_data_row td[name=number]",
            run() {
                for (const cell of document.querySelectorAll(".o_data_row td[name=number]")) {
                    if (!/^\d+$/.test(cell.textContent.trim())) {
                        throw new Error(`receipt number shown as '${cell.textContent}'`);
                    }
                }
            },
        },
        {
            content: "the receipt's time, from its row",
            trigger: ".o_data_row:contains(900003) td[name=receipt_datetime]:contains(2026)",
        },
        screenshot("receipts"),
        ...stepUtils.goToAppSteps("account.menu_finance", "Invoicing"),
        ...openMenu(
            "account.menu_finance_receivables",
            "account.menu_action_move_out_invoice_type"
        ),
        {
            content: "the list's Directo Payment column",
            trigger: ".o_list_view td[name=directo_payment_state]:contains(Paid in Directo)",
        },
        screenshot("invoices-directo-status"),
        {
            content: "open the invoice",
            trigger: ".o_list_view .o_data_row td[name=name]",
            run: "click",
        },
        {
            content: "Paid in Directo, beside Odoo's own payment status",
            trigger: "div[name=directo_payment_state] .badge:contains(Paid in Directo)",
        },
        {
            content: "the Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "the Directo number is an identifier: no thousands separators",
            trigger: "div[name=directo_number]",
            run() {
                const text = this.anchor.textContent.trim();
                if (text !== "202600001") {
                    throw new Error(`Directo number shown as '${text}'`);
                }
            },
        },
        screenshot("invoice-paid-in-directo"),
    ],
});

// (g) A posted invoice that Directo does not have yet: set the rows' resource.
tours.add("directo_invoice_resource", {
    steps: () => [
        {
            content: "the Directo tab",
            trigger: ".o_notebook a[name=directo]",
            run: "click",
        },
        {
            content: "the row's resource",
            trigger: "div[name=directo_row_ids] .o_data_row td[name=directo_resource_id]",
            run: "click",
        },
        {
            content: "pick a person",
            trigger: "div[name=directo_row_ids] .o_data_row td[name=directo_resource_id] input",
            run: "edit Katrin",
        },
        {
            content: "Katrin",
            trigger: ".o-autocomplete--dropdown-menu a:contains(Katrin)",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "saved on the posted invoice",
            trigger: "div[name=directo_row_ids] .o_data_row td[name=directo_resource_id]:contains(Katrin)",
        },
        {
            content: "still posted",
            trigger: ".o_statusbar_status button[aria-checked=true]:contains(Posted)",
        },
        screenshot("invoice-rows-resource"),
    ],
});

// (h) A client that is "Probably the same" as an Odoo client: the preview shows what linking
// would write; the user links it keeping Odoo's values.
tours.add("directo_client_probable", {
    steps: () => [
        {
            content: "the import counts one client probably the same",
            trigger: "button[name=action_open_probable] .o_stat_value:contains(1)",
            run: "click",
        },
        {
            content: "the preview lists the differences linking would write",
            trigger: ".o_list_view .o_data_row:contains(K0002) td[name=changes]:contains(Name: Saare Kala → Saare Kala AS)",
        },
        {
            content: "tick the row",
            trigger: ".o_list_view .o_data_row:contains(K0002) .o_list_record_selector input",
            run: "click",
        },
        screenshot("import-clients-probable", ".o_control_panel button[name=action_directo_link_keep]"),
        {
            content: "Link, Keep Odoo's Values",
            trigger: ".o_control_panel button[name=action_directo_link_keep]",
            run: "click",
        },
        {
            content: "linked, nothing written",
            trigger: ".o_notification:contains(1 linked, 0 updated)",
        },
    ],
});
