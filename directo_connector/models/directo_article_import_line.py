# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import float_compare, formatLang, split_every

from .directo_client_import_line import QUIET_CONTEXT
from .directo_import import BATCH_SIZE

#: Directo's usual unit abbreviations (Estonian) for Odoo's standard units, tried after
#: the units' own names.
UNIT_ALIASES = {
    "tk": "uom.product_uom_unit",
    "tükk": "uom.product_uom_unit",
    "pcs": "uom.product_uom_unit",
    "h": "uom.product_uom_hour",
    "t": "uom.product_uom_hour",
    "tund": "uom.product_uom_hour",
    "päev": "uom.product_uom_day",
    "p": "uom.product_uom_day",
    "kg": "uom.product_uom_kgm",
    "g": "uom.product_uom_gram",
    "m": "uom.product_uom_meter",
    "jm": "uom.product_uom_meter",
    "km": "uom.product_uom_km",
    "l": "uom.product_uom_litre",
    "m2": "uom.uom_square_meter",
    "m²": "uom.uom_square_meter",
    "m3": "uom.product_uom_cubic_meter",
    "m³": "uom.product_uom_cubic_meter",
}


class DirectoArticleImportLine(models.Model):
    """A Directo article read by an import, shown in the preview."""

    _name = "directo.article.import.line"
    _inherit = "directo.import.line.mixin"
    _description = "Directo Article Import Line"
    _directo_record_field = "product_tmpl_id"

    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Odoo Product",
        readonly=True,
        help="The Odoo product this Directo article is (or would be) linked to.",
    )
    sales_price = fields.Float(
        digits="Product Price",
        readonly=True,
        help="Directo's sales price (without VAT); the product's Sales Price.",
    )
    has_sales_price = fields.Boolean(readonly=True)
    unit = fields.Char(string="Directo Unit", readonly=True)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        readonly=True,
        help="The Odoo unit of Directo's unit (same name or usual abbreviation); the "
        "default unit when none matches.",
    )
    vat_code = fields.Char(string="Directo VAT Code", readonly=True)
    tax_id = fields.Many2one(
        "account.tax",
        string="Sales Tax",
        readonly=True,
        help="The Odoo sales tax whose Directo VAT Code is the article's VAT code. Empty "
        "when no sales tax carries that code: a new product then gets the company's default "
        "sales tax, a linked one keeps its taxes.",
    )

    @api.model
    def _directo_fetch(self, client, run):
        records = [
            {
                "code": item.code,
                "name": item.name or item.code,
                "sales_price": float(item.salesprice or 0.0),
                "has_sales_price": item.salesprice is not None,
                "unit": item.unit or False,
                "vat_code": item.vatcode or False,
            }
            for item in client.iter_items()
            if not item.closed
        ]
        return records, {}

    def _directo_templates(self):
        return self.env["product.template"].sudo().with_context(active_test=False, **QUIET_CONTEXT)

    # ------------------------------------------------------------------ Directo's data

    @api.model
    def _directo_units(self, units):
        """{Directo unit: uom.uom id} for ``units``: a unit of the same name (in English or
        the current language, case ignored), else the usual abbreviation; False if none."""
        wanted = {unit for unit in units if unit}
        if not wanted:
            return {}
        Uom = self.env["uom.uom"].sudo()
        by_name = {}
        for lang in dict.fromkeys(["en_US", self.env.lang or "en_US"]):
            for uom in Uom.with_context(lang=lang).search_fetch([], ["name"], order="id"):
                by_name.setdefault(uom.name.casefold(), uom.id)
        found = {}
        for unit in wanted:
            key = unit.strip().casefold()
            uom_id = by_name.get(key)
            if not uom_id and key in UNIT_ALIASES:
                uom_id = self.env.ref(UNIT_ALIASES[key], raise_if_not_found=False).id or False
            found[unit] = uom_id or False
        return found

    @api.model
    def _directo_taxes(self, company, vat_codes):
        """{VAT code: account.tax id}: the company's sales tax carrying that Directo VAT
        Code (the first by sequence). A code no tax carries is left out: a new product
        then gets the company's default sales tax, a linked one keeps its taxes."""
        codes = {code for code in vat_codes if code}
        found = {}
        if codes:
            for tax in (
                self.env["account.tax"]
                .sudo()
                .search_fetch(
                    [
                        ("directo_code", "in", list(codes)),
                        ("type_tax_use", "=", "sale"),
                        ("company_id", "=", company.id),
                    ],
                    ["directo_code"],
                    order="sequence, id",
                )
            ):
                found.setdefault(tax.directo_code, tax.id)
        return found

    def _directo_with_odoo_values(self, company, vals_list):
        """Add the Odoo unit and tax to each record read."""
        units = self._directo_units([vals.get("unit") for vals in vals_list])
        taxes = self._directo_taxes(company, [vals.get("vat_code") for vals in vals_list])
        default_uom = self.env.ref("uom.product_uom_unit").id
        for vals in vals_list:
            vals["uom_id"] = units.get(vals.get("unit")) or default_uom
            vals["tax_id"] = taxes.get(vals.get("vat_code"), False)
        return vals_list

    def _directo_differences(self, template, vals):
        """{field: (label, Odoo value, Directo value)} of what Directo's article changes
        (only what Directo sends and Odoo can take)."""
        diffs = {}
        if (template.name or "") != vals["name"]:
            diffs["name"] = (self.env._("Name"), template.name, vals["name"])
        digits = self.env["decimal.precision"].precision_get("Product Price")
        if vals.get("has_sales_price") and float_compare(
            template.list_price, vals["sales_price"], precision_digits=digits
        ):
            diffs["list_price"] = (
                self.env._("Sales Price"),
                formatLang(self.env, template.list_price, dp="Product Price"),
                formatLang(self.env, vals["sales_price"], dp="Product Price"),
            )
        uom = self.env["uom.uom"].browse(vals["uom_id"])
        # A unit of another kind (e.g. hours for kilograms) cannot replace the product's.
        if (
            vals.get("unit")
            and uom != template.uom_id
            and uom.category_id == template.uom_id.category_id
        ):
            diffs["uom_id"] = (self.env._("Unit"), template.uom_id.name, uom.name)
        tax = self.env["account.tax"].browse(vals["tax_id"] or [])
        if tax and template.taxes_id != tax:
            diffs["taxes_id"] = (
                self.env._("Sales Tax"),
                ", ".join(template.taxes_id.mapped("name")),
                tax.name,
            )
        return diffs

    @api.model
    def _directo_match(self, company, vals_list):
        self._directo_with_odoo_values(company, vals_list)
        Template = self._directo_templates()
        codes = [vals["code"] for vals in vals_list]
        company_domain = [("company_id", "in", [company.id, False])]
        by_code = {}
        for template in Template.search_fetch(
            [("directo_code", "in", codes)] + company_domain,
            ["directo_code", "name", "list_price", "uom_id", "taxes_id"],
            order="active desc, id",
        ):
            by_code.setdefault(template.directo_code, template)
        by_reference = {}
        unlinked = [code for code in codes if code not in by_code]
        if unlinked:
            for product in (
                self.env["product.product"]
                .sudo()
                .search_fetch(
                    [
                        ("default_code", "in", unlinked),
                        ("product_tmpl_id.directo_code", "=", False),
                        ("active", "=", True),
                    ]
                    + company_domain,
                    ["default_code", "product_tmpl_id"],
                    order="id",
                )
            ):
                by_reference.setdefault(product.default_code, product.product_tmpl_id.id)
        for vals in vals_list:
            template = by_code.get(vals["code"])
            if template:
                diffs = self._directo_differences(template.with_company(company), vals)
                vals.update(
                    match_state="changed" if diffs else "linked",
                    match_reason=self.env._("Same article code"),
                    changes=self._directo_changes_text(list(diffs.values())),
                    product_tmpl_id=template.id,
                )
            elif vals["code"] in by_reference:
                vals.update(
                    match_state="probable",
                    match_reason=self.env._("Same internal reference, no article code in Odoo"),
                    changes=False,
                    product_tmpl_id=by_reference[vals["code"]],
                )
            else:
                vals.update(
                    match_state="new", match_reason=False, changes=False, product_tmpl_id=False
                )
        return vals_list

    def _directo_update_values(self, template, vals):
        """What a changed article writes: exactly the differences the preview showed."""
        values = {
            "name": vals["name"],
            "list_price": vals["sales_price"],
            "uom_id": vals["uom_id"],
            "taxes_id": [fields.Command.set([vals["tax_id"]])] if vals["tax_id"] else [],
        }
        update = {key: values[key] for key in self._directo_differences(template, vals)}
        if "uom_id" in update:
            update["uom_po_id"] = update["uom_id"]
        return update

    def _directo_new_values(self, vals, company, product_type):
        new = {
            "name": vals["name"],
            "directo_code": vals["code"],
            "default_code": vals["code"],
            "type": product_type,
            "sale_ok": True,
            "company_id": company.id,
            "uom_id": vals["uom_id"],
            "uom_po_id": vals["uom_id"],
        }
        if vals.get("has_sales_price"):
            new["list_price"] = vals["sales_price"]
        if vals.get("tax_id"):
            new["taxes_id"] = [fields.Command.set([vals["tax_id"]])]
        return new

    def _directo_apply(self):
        run = self.import_id
        run.ensure_one()
        company = run.company_id
        Template = self._directo_templates().with_company(company)
        vals_list = self._directo_match(
            company,
            [
                {
                    "code": line.code,
                    "name": line.name,
                    "sales_price": line.sales_price,
                    "has_sales_price": line.has_sales_price,
                    "unit": line.unit,
                    "vat_code": line.vat_code,
                }
                for line in self
            ],
        )
        counts = {"created": 0, "linked": 0, "updated": 0, "unchanged": 0}
        template_by_line, to_create, claimed = {}, [], set()
        for line, vals in zip(self, vals_list, strict=True):
            template = Template.browse(vals["product_tmpl_id"] or [])
            state = vals["match_state"]
            if state == "probable" and template.id in claimed:
                state = "new"
            if state == "new":
                to_create.append((line, vals))
                continue
            claimed.add(template.id)
            template_by_line[line.id] = template.id
            if state == "probable":
                template.directo_code = vals["code"]
                counts["linked"] += 1
            elif state == "changed":
                template.write(self._directo_update_values(template, vals))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        product_type = run.article_product_type or "service"
        for chunk in split_every(BATCH_SIZE, to_create):
            templates = Template.create(
                [self._directo_new_values(vals, company, product_type) for _line, vals in chunk]
            )
            for (line, _vals), template in zip(chunk, templates, strict=True):
                template_by_line[line.id] = template.id
            counts["created"] += len(templates)
        self._directo_mark_added(template_by_line)
        return counts
