/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onMounted, onWillUnmount, xml } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/** Bus notification sent whenever an import changes state, on the channel below (which
 * only forms of imports listen to; it carries nothing but the import's id). */
export const IMPORT_UPDATED = "directo_connector.import_updated";
export const IMPORT_CHANNEL = "directo_connector.imports";

/**
 * Keeps the import's form live: when the background job changes the import on screen
 * (read, added, failed), the form shows it at once, without a reload by hand.
 *
 * It listens before it looks: once mounted it reads the record again, so a change
 * committed between the form's first read and the subscription is not missed either.
 */
export class DirectoImportLive extends Component {
    static template = xml``;
    static props = { ...standardWidgetProps };

    setup() {
        this.bus = useService("bus_service");
        this.onUpdate = ({ id }) => {
            if (id === this.props.record.resId) {
                this.refresh();
            }
        };
        this.bus.addChannel(IMPORT_CHANNEL);
        this.bus.subscribe(IMPORT_UPDATED, this.onUpdate);
        onMounted(() => {
            if (["queued", "reading", "adding"].includes(this.props.record.data.state)) {
                this.refresh();
            }
        });
        onWillUnmount(() => {
            this.bus.unsubscribe(IMPORT_UPDATED, this.onUpdate);
            this.bus.deleteChannel(IMPORT_CHANNEL);
        });
    }

    async refresh() {
        const record = this.props.record;
        // A choice typed on the form (the type of new products) is saved, not dropped.
        if (await record.isDirty()) {
            await record.save();
        } else {
            await record.load();
        }
    }
}

registry.category("view_widgets").add("directo_import_live", { component: DirectoImportLive });
