/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";

/**
 * Directo's background notifications (an import read or added in the background).
 *
 * Like the bus's "simple_notification", plus a button that takes the user where the
 * message is about, e.g. "Open Preview": the button runs a method of the record, as a
 * button of its form would (so the server decides what to open and can refuse it).
 */
export const directoNotificationService = {
    dependencies: ["bus_service", "notification", "action"],
    start(env, { bus_service, notification, action }) {
        bus_service.subscribe(
            "directo_connector.notification",
            ({ message, sticky, title, type, button }) => {
                const buttons = [];
                let close = () => {};
                if (button) {
                    buttons.push({
                        name: button.name,
                        primary: true,
                        onClick: () => {
                            close();
                            action.doActionButton({
                                type: "object",
                                name: button.method,
                                resModel: button.model,
                                resId: button.res_id,
                                context: {},
                            });
                        },
                    });
                }
                // (The import on screen updates itself: static/src/js/directo_import_live.js.)
                close = notification.add(message, {
                    sticky,
                    title,
                    type,
                    buttons,
                    className: "o_directo_notification",
                });
            }
        );
        bus_service.start();
    },
};

registry.category("services").add("directo_notification", directoNotificationService);
