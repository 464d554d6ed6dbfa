# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.tools import SQL, split_every

from .directo_import import BATCH_SIZE
from .directo_import_line_mixin import normalize_key

#: Odoo partner field -> preview line field, for what Directo provides.
PARTNER_FIELDS = {
    "name": "name",
    "company_registry": "regno",
    "vat": "vatregno",
    "street": "address1",
    "city": "address2",
    "zip": "address3",
    "country_id": "country_id",
}
CONTACT_FIELDS = ("email", "phone")
SOURCE_FIELDS = (
    "code", "name", "regno", "vatregno", "address1", "address2", "address3", "country_code",
    "country_id", "county", "contact", "email", "phone",
)  # fmt: skip
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    # Directo is the reference for its clients' VAT numbers (only used with base_vat).
    "no_vat_validation": True,
    # Values read from Directo are not offered back to Directo (res.partner.write).
    "directo_from_directo": True,
}


class DirectoClientImportLine(models.Model):
    """A Directo client read by an import, shown in the preview."""

    _name = "directo.client.import.line"
    _inherit = "directo.import.line.mixin"
    _description = "Directo Client Import Line"
    _directo_record_field = "partner_id"

    regno = fields.Char(string="Registration Code", readonly=True)
    vatregno = fields.Char(string="VAT Number", readonly=True)
    address1 = fields.Char(string="Address 1 (Street)", readonly=True)
    address2 = fields.Char(string="Address 2 (City)", readonly=True)
    address3 = fields.Char(string="Address 3 (ZIP)", readonly=True)
    country_code = fields.Char(readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    county = fields.Char(readonly=True)
    address = fields.Char(compute="_compute_address")
    contact = fields.Char(string="Primary Contact", readonly=True)
    email = fields.Char(string="E-mail", readonly=True)
    phone = fields.Char(readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Odoo Client",
        readonly=True,
        help="The Odoo client this Directo client is (or would be) linked to.",
    )

    @api.depends("address1", "address2", "address3", "country_code")
    def _compute_address(self):
        for line in self:
            city = " ".join(part for part in (line.address3, line.address2) if part)
            line.address = ", ".join(
                part for part in (line.address1, city, line.country_code) if part
            )

    # ------------------------------------------------------------------ read

    @api.model
    def _directo_fetch(self, client):
        countries = {
            country.code: country.id
            for country in self.env["res.country"].search_fetch([], ["code"])
        }
        records = []
        for customer in client.iter_customers():
            if customer.closed:
                continue
            country_code = (customer.country or "").upper() or False
            records.append(
                {
                    "code": customer.code,
                    "name": customer.name or customer.code,
                    "regno": customer.regno or False,
                    "vatregno": customer.vatregno or False,
                    "address1": customer.address1 or False,
                    "address2": customer.address2 or False,
                    "address3": customer.address3 or False,
                    "country_code": country_code,
                    "country_id": countries.get(country_code, False),
                    "county": customer.county or False,
                    "contact": customer.contact or False,
                    "email": customer.email or False,
                    "phone": customer.phone or False,
                }
            )
        return records

    # ------------------------------------------------------------------ matching

    @api.model
    def _directo_labels(self):
        return {
            "name": _("Name"),
            "company_registry": _("Registration code"),
            "vat": _("VAT number"),
            "street": _("Street"),
            "city": _("City"),
            "zip": _("ZIP"),
            "country_id": _("Country"),
            "email": _("E-mail"),
            "phone": _("Phone"),
        }

    @api.model
    def _directo_partner_vals(self, vals):
        """Odoo values Directo provides for the company partner (empty ones left out).

        The e-mail and phone are fields of Directo's client: the company gets them (it is
        the invoice address), and so does the primary contact person, when there is one.
        """
        out = {field: vals.get(source) for field, source in PARTNER_FIELDS.items()}
        out.update(email=vals.get("email"), phone=vals.get("phone"))
        return {field: value for field, value in out.items() if value}

    @api.model
    def _directo_partner_diff(self, partner, vals):
        """({field: new value}, [(label, old, new)]) where Directo has another non-empty value."""
        labels = self._directo_labels()
        write, diffs = {}, []
        for field, new in self._directo_partner_vals(vals).items():
            old = partner[field]
            if field == "country_id":
                if old.id != new:
                    write[field] = new
                    diffs.append((labels[field], old.code, vals.get("country_code")))
            elif (old or "").strip() != new:
                write[field] = new
                diffs.append((labels[field], old, new))
        return write, diffs

    @api.model
    def _directo_contact_diff(self, contacts, vals):
        """(contact or None, {field: new value}, [(label, old, new)]) for the primary contact."""
        name = vals.get("contact")
        if not name:
            return None, {}, []
        key = name.casefold()
        contact = next((c for c in contacts if (c.name or "").casefold() == key), None)
        if contact is None:
            return None, {}, [(_("Contact"), False, name)]
        labels = self._directo_labels()
        write, diffs = {}, []
        for field in CONTACT_FIELDS:
            new = vals.get(field)
            if new and (contact[field] or "").strip() != new:
                write[field] = new
                diffs.append((_("Contact %(field)s", field=labels[field]), contact[field], new))
        return contact, write, diffs

    def _directo_partners(self):
        return self.env["res.partner"].sudo().with_context(active_test=False, **QUIET_CONTEXT)

    @api.model
    def _directo_contacts_by_parent(self, parent_ids):
        contacts_by_parent = {}
        if parent_ids:
            for contact in self._directo_partners().search_fetch(
                [("parent_id", "in", list(parent_ids)), ("active", "=", True)],
                ["parent_id", "name", "email", "phone"],
            ):
                contacts_by_parent.setdefault(contact.parent_id.id, []).append(contact)
        return contacts_by_parent

    @api.model
    def _directo_match(self, company, vals_list):
        Partner = self._directo_partners()
        linked = Partner.search_fetch(
            [
                ("directo_code", "in", [vals["code"] for vals in vals_list]),
                ("parent_id", "=", False),
                ("company_id", "in", [company.id, False]),
            ],
            list(PARTNER_FIELDS) + ["email", "phone", "directo_code"],
            order="active desc, id",
        )
        by_code = {}
        for partner in linked:
            by_code.setdefault(partner.directo_code, partner)
        contacts_by_parent = self._directo_contacts_by_parent(linked.ids)
        by_vat, by_regno = self._directo_probable(
            company, [vals for vals in vals_list if vals["code"] not in by_code]
        )
        for vals in vals_list:
            partner = by_code.get(vals["code"])
            if partner:
                diffs = self._directo_partner_diff(partner, vals)[1]
                diffs += self._directo_contact_diff(contacts_by_parent.get(partner.id, []), vals)[2]
                vals.update(
                    match_state="changed" if diffs else "linked",
                    match_reason=_("Same client code"),
                    changes=self._directo_changes_text(diffs),
                    partner_id=partner.id,
                )
                continue
            vat, regno = normalize_key(vals.get("vatregno")), normalize_key(vals.get("regno"))
            if vat and vat in by_vat:
                partner, reason = by_vat[vat], _("Same VAT number, no client code in Odoo")
            elif regno and regno in by_regno:
                partner, reason = (
                    by_regno[regno],
                    _("Same registration code, no client code in Odoo"),
                )
            else:
                partner, reason = None, False
            vals.update(
                match_state="probable" if partner else "new",
                match_reason=reason,
                changes=False,
                partner_id=partner or False,
            )
        return vals_list

    @api.model
    def _directo_probable(self, company, vals_list):
        """Partner ids without client code that have one of the VAT numbers / registration codes."""
        vats = {normalize_key(v.get("vatregno")) for v in vals_list} - {""}
        regnos = {normalize_key(v.get("regno")) for v in vals_list} - {""}
        if not (vats or regnos):
            return {}, {}
        self.env["res.partner"].flush_model(
            [
                "vat",
                "company_registry",
                "directo_code",
                "parent_id",
                "company_id",
                "active",
                "is_company",
            ]
        )
        vat_key = SQL("upper(regexp_replace(coalesce(vat, ''), '\\s', '', 'g'))")
        regno_key = SQL("upper(regexp_replace(coalesce(company_registry, ''), '\\s', '', 'g'))")
        self.env.cr.execute(
            SQL(
                """
                SELECT id, %(vat_key)s, %(regno_key)s
                  FROM res_partner
                 WHERE parent_id IS NULL AND directo_code IS NULL AND active
                   AND (company_id = %(company)s OR company_id IS NULL)
                   AND (%(vat_key)s = ANY(%(vats)s) OR %(regno_key)s = ANY(%(regnos)s))
                 ORDER BY is_company DESC NULLS LAST, id
                """,
                vat_key=vat_key,
                regno_key=regno_key,
                company=company.id,
                vats=list(vats) or [""],
                regnos=list(regnos) or [""],
            )
        )
        by_vat, by_regno = {}, {}
        for partner_id, vat, regno in self.env.cr.fetchall():
            if vat:
                by_vat.setdefault(vat, partner_id)
            if regno:
                by_regno.setdefault(regno, partner_id)
        return by_vat, by_regno

    # ------------------------------------------------------------------ add

    def _directo_source_vals(self):
        return [
            {
                field: line[field].id if field == "country_id" else line[field]
                for field in SOURCE_FIELDS
            }
            for line in self
        ]

    def _directo_apply(self):
        self.import_id.ensure_one()
        company = self.import_id.company_id
        Partner = self._directo_partners().with_company(company)
        vals_list = self._directo_match(company, self._directo_source_vals())
        existing_ids = {vals["partner_id"] for vals in vals_list if vals["partner_id"]}
        contacts_by_parent = self._directo_contacts_by_parent(existing_ids)
        counts = {"created": 0, "linked": 0, "updated": 0, "unchanged": 0, "contacts": 0}
        partner_by_line, to_create, contacts_to_create, claimed = {}, [], [], set()

        for line, vals in zip(self, vals_list, strict=True):
            partner = Partner.browse(vals["partner_id"] or [])
            state = vals["match_state"]
            if state == "probable" and partner.id in claimed:
                state = "new"  # two Directo clients share a VAT number: link the first only
            if state == "new":
                to_create.append((line, vals))
                continue
            claimed.add(partner.id)
            partner_by_line[line.id] = partner.id
            write = self._directo_partner_diff(partner, vals)[0]
            contact, contact_write, _diffs = self._directo_contact_diff(
                contacts_by_parent.get(partner.id, []), vals
            )
            new_contact = bool(vals.get("contact")) and contact is None
            if state == "probable":
                write["directo_code"] = vals["code"]
                counts["linked"] += 1
            elif write or contact_write or new_contact:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            if write:
                partner.write(write)
            if contact_write:
                contact.write(contact_write)
            if new_contact:
                contacts_to_create.append((partner.id, vals))

        # Directo's clients are customers: listed under Invoicing > Customers > Customers.
        Partner.browse(list(claimed)).filtered(lambda partner: not partner.customer_rank).write(
            {"customer_rank": 1}
        )
        for chunk in split_every(BATCH_SIZE, to_create):
            partners = Partner.create(
                [
                    dict(
                        self._directo_partner_vals(vals),
                        is_company=True,
                        company_id=company.id,
                        directo_code=vals["code"],
                        customer_rank=1,
                    )
                    for _line, vals in chunk
                ]
            )
            for (line, vals), partner in zip(chunk, partners, strict=True):
                partner_by_line[line.id] = partner.id
                if vals.get("contact"):
                    contacts_to_create.append((partner.id, vals))
            counts["created"] += len(partners)

        for chunk in split_every(BATCH_SIZE, contacts_to_create):
            Partner.create(
                [
                    {
                        "parent_id": parent_id,
                        "type": "contact",
                        "name": vals["contact"],
                        "email": vals.get("email") or False,
                        "phone": vals.get("phone") or False,
                    }
                    for parent_id, vals in chunk
                ]
            )
            counts["contacts"] += len(chunk)
        self._directo_mark_added(partner_by_line)
        return counts
