# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import split_every

from .directo_client_import_line import QUIET_CONTEXT
from .directo_import import BATCH_SIZE


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

    @api.model
    def _directo_fetch(self, client, run):
        records = [
            {"code": item.code, "name": item.name or item.code}
            for item in client.iter_items()
            if not item.closed
        ]
        return records, {}

    def _directo_templates(self):
        return self.env["product.template"].sudo().with_context(active_test=False, **QUIET_CONTEXT)

    @api.model
    def _directo_match(self, company, vals_list):
        Template = self._directo_templates()
        codes = [vals["code"] for vals in vals_list]
        company_domain = [("company_id", "in", [company.id, False])]
        by_code = {}
        for template in Template.search_fetch(
            [("directo_code", "in", codes)] + company_domain,
            ["directo_code", "name"],
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
                changed = (template.name or "") != vals["name"]
                vals.update(
                    match_state="changed" if changed else "linked",
                    match_reason=self.env._("Same article code"),
                    changes=changed
                    and self._directo_changes_text(
                        [(self.env._("Name"), template.name, vals["name"])]
                    ),
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

    def _directo_apply(self):
        run = self.import_id
        run.ensure_one()
        company = run.company_id
        Template = self._directo_templates().with_company(company)
        vals_list = self._directo_match(
            company, [{"code": line.code, "name": line.name} for line in self]
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
                template.name = vals["name"]
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        product_type = run.article_product_type or "service"
        for chunk in split_every(BATCH_SIZE, to_create):
            templates = Template.create(
                [
                    {
                        "name": vals["name"],
                        "directo_code": vals["code"],
                        "default_code": vals["code"],
                        "type": product_type,
                        "sale_ok": True,
                        "company_id": company.id,
                    }
                    for _line, vals in chunk
                ]
            )
            for (line, _vals), template in zip(chunk, templates, strict=True):
                template_by_line[line.id] = template.id
            counts["created"] += len(templates)
        self._directo_mark_added(template_by_line)
        return counts
