# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import itertools
from collections import Counter, defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from ..xmldirect import (
    Contact,
    DirectoNotActivated,
    DirectoUnauthorized,
    contact_person_name,
    own_address,
    same_person,
    split_client_contacts,
)
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
#: Fields of a contact person row that are also the Odoo contact's fields.
PERSON_FIELDS = ("name", "email", "phone", "mobile", "street", "city", "zip")
PERSON_ADDRESS_FIELDS = ("street", "city", "zip")
#: What is read of the Odoo contacts to match and compare contact persons.
CHILD_FIELDS = ["parent_id", "type", "directo_contact_code", "active", *PERSON_FIELDS]
SOURCE_FIELDS = (
    "code", "name", "regno", "vatregno", "address1", "address2", "address3", "country_code",
    "country_id", "county", "contact", "email", "phone", "primary_contact_code",
)  # fmt: skip
ROW_FIELDS = ("code", "closed", "is_primary", *PERSON_FIELDS)
#: The temporary table the contact persons of a read wait in (one read per transaction),
#: and its columns (the fields of ``xmldirect.Contact``).
STAGE_TABLE = "directo_contact_stage"
STAGE_COLUMNS = (
    ("code", "varchar"), ("customercode", "varchar"), ("name", "varchar"),
    ("firstname", "varchar"), ("lastname", "varchar"), ("address1", "varchar"),
    ("address2", "varchar"), ("address3", "varchar"), ("phone", "varchar"),
    ("mobile", "varchar"), ("email", "varchar"), ("closed", "boolean"),
    ("ts", "timestamp"),
)  # fmt: skip
#: Contact persons inserted per statement.
STAGE_BATCH = 1000
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


def _later(current, candidate):
    return candidate if candidate and (current is None or candidate > current) else current


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
    # Contact persons (what=contact)
    contact_ids = fields.One2many(
        "directo.client.import.contact", "line_id", string="Contact Persons", readonly=True
    )
    primary_contact_code = fields.Char(
        readonly=True,
        help="Code of the contact person who is also the client's own contact in Directo.",
    )
    contacts_complete = fields.Boolean(
        readonly=True,
        help="All open contact persons of the client were read: an Odoo contact whose "
        "Directo contact code is not among them was closed (or deleted) in Directo.",
    )
    contact_new_count = fields.Integer(string="New Contacts", readonly=True)
    contact_linked_count = fields.Integer(string="Contacts Already There", readonly=True)
    contact_changed_count = fields.Integer(string="Changed Contacts", readonly=True)
    contact_closed_count = fields.Integer(
        string="Contacts Closed in Directo",
        readonly=True,
        help="Odoo contacts archived when this client is added.",
    )
    keep_odoo_values = fields.Boolean(
        string="Keep Odoo's Values",
        readonly=True,
        help="Chosen for a 'Probably the same' client: it is linked to the Odoo client "
        "(the Directo code only), none of the differences listed is written.",
    )
    contact_summary = fields.Char(
        string="Contact Persons Summary",
        compute="_compute_contact_summary",
        help="How many of the client's contact persons are new, already there, changed or "
        "closed in Directo.",
    )

    @api.depends("address1", "address2", "address3", "country_code")
    def _compute_address(self):
        for line in self:
            city = " ".join(part for part in (line.address3, line.address2) if part)
            line.address = ", ".join(
                part for part in (line.address1, city, line.country_code) if part
            )

    @api.depends(
        "contact_new_count", "contact_linked_count", "contact_changed_count", "contact_closed_count"
    )
    def _compute_contact_summary(self):
        texts = self._directo_texts()
        for line in self:
            parts = [
                texts[key] % {"count": count}
                for key, count in (
                    ("count_new", line.contact_new_count),
                    ("count_linked", line.contact_linked_count),
                    ("count_changed", line.contact_changed_count),
                    ("count_closed", line.contact_closed_count),
                )
                if count
            ]
            line.contact_summary = ", ".join(parts) or False

    # ------------------------------------------------------------------ read

    @api.model
    def _directo_read_into(self, client, run):
        """Read the open clients (all, or those changed since ``run.ts_from``) and their
        contact persons, one request per component, and store them as preview lines in
        batches: memory does not grow with the register. Both answers are spooled by the
        client; the contact persons go to a temporary table first (a client's persons may
        come anywhere in Directo's answer), then each batch of clients takes its own."""
        countries = {
            country.code: country.id
            for country in self.env["res.country"].search_fetch([], ["code"])
        }
        info = {"max_ts": None, "contact_count": 0, "contact_note": False, "read_count": 0}
        customers = client.iter_customers(ts=run.ts_from or None)
        # Started, so that closing it reports its exchange if reading the persons fails.
        first = next(customers, None)
        try:
            staged = self._directo_stage_persons(client, run, info)
        except BaseException:
            customers.close()
            raise
        if first is not None:
            customers = itertools.chain([first], customers)
        complete = staged and run.mode == "full"
        read_codes = set()
        batch = []
        for customer in customers:
            if customer.closed:
                continue
            info["max_ts"] = _later(info["max_ts"], customer.ts)
            info["read_count"] += 1
            if run.mode == "refresh":  # a refresh reads only what changed: a few codes
                read_codes.add(customer.code)
            batch.append(self._directo_customer_vals(customer, countries))
            if len(batch) >= BATCH_SIZE:
                self._directo_store_batch(run, batch, complete, staged, info)
                batch = []
        if staged and run.mode == "refresh":
            batch += self._directo_clients_of_persons(run.company_id, read_codes)
        for chunk in split_every(BATCH_SIZE, batch):
            self._directo_store_batch(run, list(chunk), complete, staged, info)
        return info

    @api.model
    def _directo_store_batch(self, run, vals_list, complete, staged, info):
        """Match a batch of clients read (with their staged contact persons) and store
        the preview lines (a refresh leaves out what is already as in Odoo)."""
        codes = [vals["code"] for vals in vals_list]
        persons = self._directo_staged_persons(codes) if staged else {}
        for vals in vals_list:
            vals["contacts_complete"] = complete
            rows = self._directo_person_rows(vals, persons.get(vals["code"], []))
            info["contact_count"] += len(rows)
        with self.env.cr.savepoint():
            self._directo_match(run.company_id, vals_list)
            if run.mode == "refresh":
                # Read again only because of the day of overlap: not worth a preview line.
                vals_list = [vals for vals in vals_list if vals["match_state"] != "linked"]
            self._directo_create_lines(run, vals_list)
        # Written: the records created need not stay in this transaction's cache (it
        # would grow with the register).
        self.env.flush_all()
        self.env.invalidate_all()

    @api.model
    def _directo_stage_persons(self, client, run, info):
        """Put the contact persons read into a temporary table; False when the key may
        not read them.

        A full read asks for the open ones only; a refresh also for closed ones (a person
        closed since the last read has to be noticed).
        """
        try:
            persons = client.iter_contacts(ts=run.ts_from or None, open_only=run.mode == "full")
        except (DirectoNotActivated, DirectoUnauthorized) as error:
            # The customer read with this very key has just worked, so a Type 5 here means
            # the contact component is missing from the key: the clients are still imported.
            info["contact_note"] = self.env["directo.import"]._directo_contacts_refused(
                run.company_id, error
            )
            return False
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS %s (seq serial, %s) ON COMMIT DROP",
                SQL.identifier(STAGE_TABLE),
                SQL(", ").join(
                    SQL("%s %s", SQL.identifier(name), SQL(kind)) for name, kind in STAGE_COLUMNS
                ),
            )
        )
        cr.execute(SQL("TRUNCATE %s", SQL.identifier(STAGE_TABLE)))
        columns = SQL(", ").join(SQL.identifier(name) for name, _kind in STAGE_COLUMNS)
        for chunk in split_every(STAGE_BATCH, persons):
            rows = []
            for person in chunk:
                info["max_ts"] = _later(info["max_ts"], person.ts)
                if person.code and person.customercode:
                    rows.append(tuple(getattr(person, name) for name, _kind in STAGE_COLUMNS))
            if rows:
                cr.execute(
                    SQL(
                        "INSERT INTO %s (%s) VALUES %s",
                        SQL.identifier(STAGE_TABLE),
                        columns,
                        SQL(", ").join(SQL("%s", row) for row in rows),
                    )
                )
        return True

    @api.model
    def _directo_staged_persons(self, codes):
        """The staged contact persons of these client codes, by client code (in the order
        Directo listed them)."""
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE customercode = ANY(%s) ORDER BY seq",
                SQL(", ").join(SQL.identifier(name) for name, _kind in STAGE_COLUMNS),
                SQL.identifier(STAGE_TABLE),
                list(codes),
            )
        )
        by_client = defaultdict(list)
        names = [name for name, _kind in STAGE_COLUMNS]
        for row in self.env.cr.fetchall():
            person = Contact(**dict(zip(names, row, strict=True)))
            by_client[person.customercode].append(person)
        return by_client

    @api.model
    def _directo_clients_of_persons(self, company, read_codes):
        """Refresh: the linked clients whose contact persons changed although they did not.

        Their line carries the Odoo client's own values (nothing to change) and the persons.
        """
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT customercode FROM %s WHERE NOT customercode = ANY(%s)",
                SQL.identifier(STAGE_TABLE),
                list(read_codes),
            )
        )
        codes = [code for (code,) in self.env.cr.fetchall()]
        if not codes:
            return []
        out, seen = [], set()
        for partner in self._directo_partners().search_fetch(
            [
                ("directo_code", "in", codes),
                ("parent_id", "=", False),
                ("company_id", "in", [company.id, False]),
                ("id", "not in", list(self._directo_protected_ids())),
            ],
            ["directo_code", "name", "street", "city", "zip", "country_id"],
            order="active desc, id",
        ):
            if partner.directo_code in seen:
                continue
            seen.add(partner.directo_code)
            out.append(
                {
                    "code": partner.directo_code,
                    "name": partner.name,
                    "regno": False,
                    "vatregno": False,
                    "address1": partner.street or False,
                    "address2": partner.city or False,
                    "address3": partner.zip or False,
                    "country_code": partner.country_id.code or False,
                    "country_id": partner.country_id.id or False,
                    "county": False,
                    "contact": False,
                    "email": False,
                    "phone": False,
                }
            )
        return out

    @api.model
    def _directo_customer_vals(self, customer, countries):
        country_code = (customer.country or "").upper() or False
        return {
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

    @api.model
    def _directo_person_rows(self, vals, persons):
        """Set the client's contact person rows on ``vals``, and where the client's own
        contact, e-mail and phone go (``split_client_contacts``)."""
        texts = self._directo_texts()
        named = [
            (
                person,
                contact_person_name(person.name, person.firstname, person.lastname)
                or person.email
                or texts["person_code"] % {"code": person.code},
            )
            for person in persons
        ]
        plan = split_client_contacts(
            vals["contact"],
            vals["email"],
            vals["phone"],
            [(p.code, name, p.email, p.phone) for p, name in named if not p.closed],
        )
        company_address = (vals["address1"], vals["address2"], vals["address3"])
        rows = []
        for person, name in named:
            primary = person.code == plan.primary_code
            street, city, zip_code = own_address(
                (person.address1, person.address2, person.address3), company_address
            ) or (False, False, False)
            rows.append(
                {
                    "code": person.code,
                    "name": name,
                    "email": (plan.contact_email if primary else person.email) or False,
                    "phone": (plan.contact_phone if primary else person.phone) or False,
                    "mobile": person.mobile or False,
                    "street": street or False,
                    "city": city or False,
                    "zip": zip_code or False,
                    "closed": person.closed,
                    "is_primary": primary,
                }
            )
        vals.update(primary_contact_code=plan.primary_code or False, contact_rows=rows)
        return rows

    @api.model
    def _directo_create_lines(self, run, vals_list):
        """Store the preview lines and their contact person rows (batched)."""
        Row = self.env["directo.client.import.contact"].sudo()
        for chunk in split_every(BATCH_SIZE, vals_list):
            rows = [vals.pop("contact_rows", []) for vals in chunk]
            lines = self.create([dict(vals, import_id=run.id) for vals in chunk])
            Row.create(
                [
                    dict(row, line_id=line.id)
                    for line, line_rows in zip(lines, rows, strict=True)
                    for row in line_rows
                ]
            )

    # ------------------------------------------------------------------ matching

    @api.model
    @tools.ormcache("self.env.lang")
    def _directo_texts(self):
        """Field labels and messages of the preview, translated once per language: they
        are used for every client and contact person of a read (tens of thousands)."""
        return {
            # Odoo field -> label in "Differences"
            "name": self.env._("Name"),
            "company_registry": self.env._("Registration code"),
            "vat": self.env._("VAT number"),
            "street": self.env._("Street"),
            "city": self.env._("City"),
            "zip": self.env._("ZIP"),
            "country_id": self.env._("Country"),
            "email": self.env._("E-mail"),
            "phone": self.env._("Phone"),
            "mobile": self.env._("Mobile"),
            # messages (templates take %(name)s values)
            "contact": self.env._("Contact"),
            "contact_field": self.env._("Contact %(field)s"),
            "contact_code": self.env._("Directo contact code"),
            "client": self.env._("Client"),
            "same_code": self.env._("Same client code"),
            "protected": self.env._(
                "Same client code; a company's or user's own contact: never changed by the import"
            ),
            "same_vat": self.env._("Same VAT number, no client code in Odoo"),
            "same_regno": self.env._("Same registration code, no client code in Odoo"),
            "person_code": self.env._("Contact person %(code)s"),
            "person_new": self.env._("New contact person"),
            "person_closed": self.env._("Contact person closed in Directo"),
            "archived": self.env._("archived"),
            "count_new": self.env._("%(count)s new"),
            "count_linked": self.env._("%(count)s already there"),
            "count_changed": self.env._("%(count)s changed"),
            "count_closed": self.env._("%(count)s closed in Directo"),
            "row_closed": self.env._("Closed in Directo: archived when the client is added."),
            "row_gone": self.env._(
                "No longer an open contact person of the client in Directo: archived when the "
                "client is added."
            ),
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
        labels = self._directo_texts()
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
        """For the child contact made from the client's own ``contact``:
        (contact or None, {field: new value}, [(label, old, new)], whether to create it).

        Nothing to do when there is no such contact, or when it is one of the contact
        persons (then that person's row carries it).
        """
        name = vals.get("contact")
        if not name or vals.get("primary_contact_code"):
            return None, {}, [], False
        contact = next((c for c in contacts if same_person(c.name, name)), None)
        texts = self._directo_texts()
        if contact is None:
            return None, {}, [(texts["contact"], False, name)], True
        write, diffs = {}, []
        for field in CONTACT_FIELDS:
            new = vals.get(field)
            if new and (contact[field] or "").strip() != new:
                write[field] = new
                label = texts["contact_field"] % {"field": texts[field]}
                diffs.append((label, contact[field], new))
        return contact, write, diffs, False

    @api.model
    def _directo_person_diff(self, contact, row, parent_id):
        """({field: new value}, [(label, old, new)]) for a matched contact person."""
        labels = self._directo_texts()
        write, diffs = {}, []
        if contact.directo_contact_code != row["code"]:
            write["directo_contact_code"] = row["code"]
            diffs.append((labels["contact_code"], contact.directo_contact_code, row["code"]))
        if parent_id and contact.parent_id.id != parent_id:
            write["parent_id"] = parent_id
            diffs.append(
                (
                    labels["client"],
                    contact.parent_id.display_name,
                    self._directo_client_name(parent_id),
                )
            )
        for field in PERSON_FIELDS:
            new = row.get(field)
            if new and (contact[field] or "").strip() != new:
                write[field] = new
                diffs.append((labels[field], contact[field], new))
        if contact.type == "contact" and any(field in write for field in PERSON_ADDRESS_FIELDS):
            # Odoo copies the company's address onto its "contact" children: a person with
            # an address of her own is an "other address" child.
            write["type"] = "other"
        return write, diffs

    @api.model
    def _directo_protected_ids(self):
        """Partners the import never matches, links or writes: the companies' own partners
        and the users' (internal, portal, archived alike). They are not Directo clients."""
        self.env["res.company"].flush_model(["partner_id"])
        self.env["res.users"].flush_model(["partner_id"])
        self.env.cr.execute(
            SQL(
                "SELECT partner_id FROM res_company UNION "
                "SELECT partner_id FROM res_users WHERE partner_id IS NOT NULL"
            )
        )
        return {partner_id for (partner_id,) in self.env.cr.fetchall() if partner_id}

    def _directo_client_name(self, partner_id):
        return self._directo_partners().browse(partner_id).display_name

    def _directo_partners(self):
        return self.env["res.partner"].sudo().with_context(active_test=False, **QUIET_CONTEXT)

    @api.model
    def _directo_contacts_by_parent(self, parent_ids):
        """Active contacts of these clients, by client id."""
        contacts_by_parent = {}
        if parent_ids:
            for contact in self._directo_partners().search_fetch(
                [
                    ("parent_id", "in", list(parent_ids)),
                    ("active", "=", True),
                    ("id", "not in", list(self._directo_protected_ids())),
                ],
                CHILD_FIELDS,
                order="id",
            ):
                contacts_by_parent.setdefault(contact.parent_id.id, []).append(contact)
        return contacts_by_parent

    @api.model
    def _directo_contacts_by_code(self, company, vals_list):
        """Odoo contacts (archived ones too) holding the contact codes of these lines."""
        codes = [row["code"] for vals in vals_list for row in vals.get("contact_rows", ())]
        by_code = {}
        if codes:
            for contact in self._directo_partners().search_fetch(
                [
                    ("directo_contact_code", "in", codes),
                    ("company_id", "in", [company.id, False]),
                    ("id", "not in", list(self._directo_protected_ids())),
                ],
                CHILD_FIELDS,
                order="active desc, id",
            ):
                by_code.setdefault(contact.directo_contact_code, contact)
        return by_code

    @api.model
    def _directo_match(self, company, vals_list):
        """Match each Directo client with an Odoo client: by client code (*Already linked*
        or *Changed*), else by VAT number or registration code (*Probably the same*, with
        the differences linking would write). A company's or user's own partner is never a
        match; one that holds the code stays *Already linked*, without differences."""
        texts = self._directo_texts()
        Partner = self._directo_partners()
        protected = self._directo_protected_ids()
        by_code = {}
        for partner in self._directo_holders(company, [vals["code"] for vals in vals_list]):
            by_code.setdefault(partner.directo_code.lower(), partner)
        by_vat, by_regno = self._directo_probable(
            company, [vals for vals in vals_list if vals["code"].lower() not in by_code]
        )
        for vals in vals_list:
            partner = by_code.get(vals["code"].lower())
            if partner:
                vals.update(
                    match_state="linked",
                    match_reason=texts["protected" if partner.id in protected else "same_code"],
                    partner_id=partner.id,
                )
                continue
            vat, regno = normalize_key(vals.get("vatregno")), normalize_key(vals.get("regno"))
            if vat and vat in by_vat:
                partner, reason = by_vat[vat], texts["same_vat"]
            elif regno and regno in by_regno:
                partner, reason = by_regno[regno], texts["same_regno"]
            else:
                partner, reason = None, False
            vals.update(
                match_state="probable" if partner else "new",
                match_reason=reason,
                partner_id=partner or False,
            )
        matched = Partner.browse(
            {vals["partner_id"] for vals in vals_list if vals["partner_id"]} - protected
        )
        matched.fetch(list(PARTNER_FIELDS) + ["email", "phone"])
        contacts_by_parent = self._directo_contacts_by_parent(set(matched.ids))
        contacts_by_code = self._directo_contacts_by_code(company, vals_list)
        for vals in vals_list:
            if vals["partner_id"] in protected:
                vals.update(contact_rows=[], changes=False)
                self._directo_match_person_rows(vals, {}, [])
                continue
            children = contacts_by_parent.get(vals["partner_id"], [])
            if not vals.get("contacts_complete"):
                self._directo_known_primary_person(vals, children)
            person_diffs = self._directo_match_person_rows(vals, contacts_by_code, children)
            diffs = []
            if vals["match_state"] in ("linked", "probable"):
                partner = Partner.browse(vals["partner_id"])
                diffs = self._directo_partner_diff(partner, vals)[1]
                diffs += self._directo_contact_diff(children, vals)[2]
                diffs += person_diffs
                if diffs and vals["match_state"] == "linked":
                    vals["match_state"] = "changed"
            vals["changes"] = self._directo_changes_text(diffs)
        return vals_list

    @api.model
    def _directo_holders(self, company, codes):
        """The Odoo clients holding these client codes, as Directo sees a code: case
        ignored (archived ones too, active ones first)."""
        Partner = self._directo_partners()
        Partner.flush_model(["directo_code", "parent_id", "company_id", "active"])
        self.env.cr.execute(
            SQL(
                """SELECT id FROM res_partner
                    WHERE parent_id IS NULL AND lower(directo_code) = ANY(%s)
                      AND (company_id = %s OR company_id IS NULL)
                    ORDER BY active DESC, id""",
                [code.lower() for code in codes],
                company.id,
            )
        )
        holders = Partner.browse([partner_id for (partner_id,) in self.env.cr.fetchall()])
        holders.fetch([*PARTNER_FIELDS, "email", "phone", "directo_code"])
        return holders

    @api.model
    def _directo_known_primary_person(self, vals, children):
        """When not all of the client's contact persons were read (a refresh, a key without
        the contact component), its own contact may be a contact person imported before:
        then it stays that one contact (``split_client_contacts`` with what Odoo knows)."""
        if vals.get("primary_contact_code") or not vals.get("contact"):
            return
        person = next(
            (
                c
                for c in children
                if c.directo_contact_code and same_person(c.name, vals["contact"])
            ),
            None,
        )
        if person is None:
            return
        plan = split_client_contacts(
            vals["contact"],
            vals.get("email"),
            vals.get("phone"),
            [(person.directo_contact_code, person.name, person.email, person.phone)],
        )
        vals["primary_contact_code"] = plan.primary_code

    @api.model
    def _directo_match_person_rows(self, vals, by_code, children):
        """Match the client's contact person rows with Odoo contacts (by Directo contact
        code, else an uncoded contact of the client with the same name), set their status
        and the client's counts; returns the differences they add to the client's."""
        texts = self._directo_texts()
        parent_id = vals.get("partner_id") or False
        rows, kept, taken, line_diffs = vals.get("contact_rows") or [], [], set(), []
        for row in rows:
            contact = by_code.get(row["code"])
            if contact is None and parent_id:
                # Made from the client's own contact (or by hand) before persons were read.
                contact = next(
                    (
                        child
                        for child in children
                        if not child.directo_contact_code
                        and child.id not in taken
                        and same_person(child.name, row["name"])
                    ),
                    None,
                )
            if contact is not None:
                taken.add(contact.id)
            if row["closed"]:
                if contact is None or not contact.active:
                    continue  # closed in Directo: never created, nothing to archive
                row.update(match_state="closed", partner_id=contact.id, changes=texts["row_closed"])
                line_diffs.append((texts["person_closed"], row["name"], texts["archived"]))
            elif contact is None:
                row.update(match_state="new", partner_id=False, changes=False)
                line_diffs.append((texts["person_new"], False, row["name"]))
            else:
                diffs = self._directo_person_diff(contact, row, parent_id)[1]
                row.update(
                    match_state="changed" if diffs else "linked",
                    partner_id=contact.id,
                    changes=self._directo_changes_text(diffs),
                )
                line_diffs += [
                    ("%s: %s" % (row["name"], label), old, new) for label, old, new in diffs
                ]
            kept.append(row)
        if vals.get("contacts_complete") and parent_id:
            read = {row["code"] for row in rows}
            for child in children:
                code = child.directo_contact_code
                if code and code not in read and child.id not in taken:
                    kept.append(
                        {
                            "code": code,
                            "name": child.name,
                            "closed": True,
                            "is_primary": False,
                            "match_state": "closed",
                            "partner_id": child.id,
                            "changes": texts["row_gone"],
                        }
                    )
                    line_diffs.append((texts["person_closed"], child.name, texts["archived"]))
        vals["contact_rows"] = kept
        counts = Counter(row["match_state"] for row in kept)
        vals.update(
            contact_new_count=counts["new"],
            contact_linked_count=counts["linked"],
            contact_changed_count=counts["changed"],
            contact_closed_count=counts["closed"],
        )
        return line_diffs

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
                   AND id NOT IN (SELECT partner_id FROM res_company)
                   AND id NOT IN (SELECT partner_id FROM res_users
                                   WHERE partner_id IS NOT NULL)
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
        rows_by_line = defaultdict(list)
        for row in self.contact_ids:
            rows_by_line[row.line_id.id].append({field: row[field] for field in ROW_FIELDS})
        return [
            dict(
                {
                    field: line[field].id if field == "country_id" else line[field]
                    for field in SOURCE_FIELDS
                },
                contact_rows=rows_by_line[line.id],
            )
            for line in self
        ]

    def _directo_apply(self):
        """Create, link or update the Odoo clients of these lines; returns counts.

        ``linked``: linked without any field written; ``updated``: a field written
        (``fields``: the labels of those fields); ``unchanged``: already linked, nothing
        to write. A company's or user's own partner is never written (``skipped``).
        """
        self.import_id.ensure_one()
        company = self.import_id.company_id
        Partner = self._directo_partners().with_company(company)
        protected = self._directo_protected_ids()
        vals_list = self._directo_match(company, self._directo_source_vals())
        existing_ids = {vals["partner_id"] for vals in vals_list if vals["partner_id"]}
        contacts_by_parent = self._directo_contacts_by_parent(existing_ids)
        counts = {"created": 0, "linked": 0, "updated": 0, "unchanged": 0, "fields": set()}
        partner_by_line, to_create, contacts_to_create, claimed = {}, [], [], set()

        for line, vals in zip(self, vals_list, strict=True):
            partner = Partner.browse(vals["partner_id"] or [])
            state = vals["match_state"]
            if state == "probable" and partner.id in claimed:
                # Two Directo clients share a VAT number: link the first only; the other's
                # contact persons are not the linked client's contacts.
                state, vals["partner_id"] = "new", False
                self._directo_match_person_rows(
                    vals, self._directo_contacts_by_code(company, [vals]), []
                )
            if state == "new":
                to_create.append((line, vals))
                continue
            partner_by_line[line.id] = partner.id
            if partner.id in protected:
                counts["unchanged"] += 1
                vals["contact_rows"] = []
                continue
            claimed.add(partner.id)
            if state == "probable" and line.keep_odoo_values:
                # Linked, Odoo's values kept: the code only (contact persons: next read).
                partner.write({"directo_code": vals["code"]})
                vals["contact_rows"] = []
                counts["linked"] += 1
                continue
            write = self._directo_partner_diff(partner, vals)[0]
            contact, contact_write, contact_diffs, new_contact = self._directo_contact_diff(
                contacts_by_parent.get(partner.id, []), vals
            )
            persons_changed = any(row["match_state"] != "linked" for row in vals["contact_rows"])
            labels = self._directo_write_labels(write, contact_diffs)
            if write or contact_write or new_contact or persons_changed:
                counts["updated"] += 1
                counts["fields"] |= labels
            elif state == "probable":
                counts["linked"] += 1
            else:
                counts["unchanged"] += 1
            if state == "probable":
                write["directo_code"] = vals["code"]
            if write:
                partner.write(write)
            if contact_write:
                contact.write(contact_write)
            if new_contact:
                contacts_to_create.append(self._directo_primary_vals(partner.id, vals, company))

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
                if self._directo_contact_diff([], vals)[3]:
                    contacts_to_create.append(self._directo_primary_vals(partner.id, vals, company))
            counts["created"] += len(partners)

        counts.update(self._directo_apply_persons(vals_list, partner_by_line, contacts_to_create))
        for chunk in split_every(BATCH_SIZE, contacts_to_create):
            Partner.create(chunk)
        counts["contacts"] = len(contacts_to_create)
        self._directo_mark_added(partner_by_line)
        return counts

    @api.model
    def _directo_write_labels(self, write, contact_diffs):
        """The labels of the client's fields a write changes (for the result message)."""
        texts = self._directo_texts()
        labels = {texts[field] for field in write if field in texts}
        return labels | {label for label, _old, _new in contact_diffs}

    def action_directo_link_keep(self):
        """'Link, keep Odoo's values': the selected *Probably the same* clients are linked
        to their Odoo client by the Directo code only; no difference is written."""
        lines = self.filtered(lambda line: not line.added)
        others = lines.filtered(lambda line: line.match_state != "probable")
        if others or not lines:
            raise UserError(
                self.env._(
                    "Only clients that are 'Probably the same' can be linked keeping Odoo's "
                    "values; %(name)s is not.",
                    name=others[:1].name or self.env._("the selection"),
                )
            )
        lines.sudo().write({"keep_odoo_values": True})
        return lines.action_directo_add()

    def _directo_apply_persons(self, vals_list, partner_by_line, contacts_to_create):
        """Update and archive the matched contact persons of these lines; queue the new
        ones on ``contacts_to_create``. Returns counts."""
        company = self.import_id.company_id
        Partner = self._directo_partners().with_company(company)
        updated, to_archive = 0, []
        for line, vals in zip(self, vals_list, strict=True):
            parent_id = partner_by_line[line.id]
            for row in vals["contact_rows"]:
                state = row["match_state"]
                if state == "new":
                    contacts_to_create.append(
                        self._directo_person_vals(row, parent_id, vals, company)
                    )
                elif state == "closed":
                    to_archive.append(row["partner_id"])
                else:
                    contact = Partner.browse(row["partner_id"])
                    write = self._directo_person_diff(contact, row, parent_id)[0]
                    if write:
                        contact.write(write)
                        updated += 1
        if to_archive:
            Partner.browse(to_archive).write({"active": False})
        return {"contacts_updated": updated, "contacts_archived": len(to_archive)}

    @api.model
    def _directo_primary_vals(self, parent_id, vals, company):
        """A child contact made from the client's own ``contact`` (not a contact person)."""
        return {
            "parent_id": parent_id,
            "type": "contact",
            "name": vals["contact"],
            "email": vals.get("email") or False,
            "phone": vals.get("phone") or False,
            "company_id": company.id,
        }

    @api.model
    def _directo_person_vals(self, row, parent_id, vals, company):
        has_address = any(row.get(field) for field in PERSON_ADDRESS_FIELDS)
        person = {field: row.get(field) or False for field in PERSON_FIELDS}
        person.update(
            parent_id=parent_id,
            # Odoo copies the company's address onto "contact" children.
            type="other" if has_address else "contact",
            directo_contact_code=row["code"],
            company_id=company.id,
        )
        if has_address:
            person["country_id"] = vals.get("country_id") or False
        return person

    def _directo_mark_added(self, record_by_line):
        self.sudo().contact_ids.filtered(lambda row: not row.closed).write(
            {"match_state": "linked", "changes": False}
        )
        return super()._directo_mark_added(record_by_line)

    def _directo_added_vals(self, record_by_line):
        linked = Counter(row.line_id.id for row in self.contact_ids if not row.closed)
        added_vals = super()._directo_added_vals(record_by_line)
        for line, vals in added_vals.items():
            vals.update(
                contact_new_count=0,
                contact_changed_count=0,
                contact_closed_count=0,
                contact_linked_count=linked[line.id],
            )
        return added_vals
