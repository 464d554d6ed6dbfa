"""Demo data of the Directo sandbox (invented Estonian-looking companies and articles)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Demo tokens: token -> (company, allowed "component:operation" set or None = all).
ALL_READS = frozenset(
    {"customer:get", "contact:get", "item:get", "receipt:get", "invoice:get", "object:get"}
)
DEMO_TOKENS: dict[str, tuple[str, frozenset[str] | None]] = {
    "DEMO-TOKEN": ("demo", None),
    # Everything but invoice input ("Invoices in" feed direction not activated).
    "DEMO-NOINVOICE": ("demo", ALL_READS),
    "DEMO-READONLY": ("demo", ALL_READS),
    # Everything but contact persons (the "contact" component is not activated).
    "DEMO-NOCONTACT": (
        "demo",
        (ALL_READS - {"contact:get"}) | {"invoice:put", "customer:put"},
    ),
    # Only invoice input: customers/articles out not activated.
    "DEMO-NOREAD": ("demo", frozenset({"invoice:put"})),
    # A key of another Directo company: valid, but different data.
    "OTHER-COMPANY": ("other", None),
}


def vat_price(salesprice: Decimal, rate: Decimal) -> Decimal:
    """An article's price with VAT (``vatprice``), as Directo computes it: to cents."""
    return (salesprice * (1 + rate / 100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ts(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2025, 9, day, hour, 15, 0)


def _objects(*specs: tuple) -> dict[str, dict[str, Any]]:
    """Objects (the sandbox's salesman register too): (code, name[, closed])."""
    return {
        spec[0]: {
            "code": spec[0],
            "name": spec[1],
            "closed": str(spec[2] if len(spec) > 2 else 0),
            "ts": _ts(1 + i, 8),
        }
        for i, spec in enumerate(specs)
    }


def demo_company() -> dict[str, Any]:
    customers = [
        ("K0001", "Põhjala Puit OÜ", "12345678", "EE101234567", "Metsa tn 5", "Tartu",
         "50103", "Tartumaa", "Mari Tamm", "+372 5123 4567", "arved@pohjalapuit.ee", "14",
         "JAAN", "TARTU", 0),
        ("K0002", "Saare Kala AS", "87654321", "EE109876543", "Sadama 12", "Kuressaare",
         "93815", "Saaremaa", "Peeter Kask", "+372 4530 000", "info@saarekala.ee", "7",
         "KATRIN", "SAARE", 0),
        ("K0003", "Nordic Timber Oy", "2345678-9", "FI23456789", "Satamakatu 3", "Helsinki",
         "00160", "", "", "", "ap@nordictimber.fi", "30", "JAAN", "TALLINN", 0),
        ("K0004", "Tallinna Tarkvara OÜ", "14567890", "EE102345678", "Narva mnt 7",
         "Tallinn", "10117", "Harjumaa", "Kadri Lepp", "+372 600 1234",
         "raamatupidamine@tarkvara.ee", "14", "MARI", "TALLINN", 0),
        ("K0005", "Pärnu Ehitus AS", "10987654", "EE100987654", "Riia mnt 40", "Pärnu",
         "80010", "Pärnumaa", "Toomas Saar", "+372 444 5555", "arved@parnuehitus.ee", "21",
         "KATRIN", "TALLINN", 0),
        ("K0006", "Viljandi Mesi OÜ", "16543210", "", "Tallinna 22", "Viljandi", "71020",
         "Viljandimaa", "Liis Mänd", "+372 5555 1212", "mesi@viljandimesi.ee", "7", "MARI",
         "TARTU", 0),
        ("K0007", "Narva Metall AS", "10203040", "EE100203040", "Kreenholmi 1", "Narva",
         "20308", "Ida-Virumaa", "Igor Sokolov", "+372 356 0000", "info@narvametall.ee",
         "30", "JAAN", "TALLINN", 0),
        ("K0008", "Haapsalu Spaa OÜ", "11223344", "EE101122334", "Sadama 9", "Haapsalu",
         "90502", "Läänemaa", "Eva Kuusk", "+372 472 0000", "arved@haapsaluspaa.ee", "14",
         "KATRIN", "TALLINN", 0),
        # Closed customers: Directo does not send them with closed=0.
        ("K0009", "Vana Veski OÜ (suletud)", "10000009", "", "Veski 1", "Rakvere", "44310",
         "Lääne-Virumaa", "", "", "veski@example.ee", "14", "MARI", "TALLINN", 1),
        ("K0010", "Lõpetatud Kaubandus OÜ", "10000010", "", "Turu 3", "Võru", "65608",
         "Võrumaa", "", "", "", "7", "JAAN", "TARTU", 1),
    ]  # fmt: skip
    out_customers = {}
    for i, c in enumerate(customers):
        (code, name, regno, vat, a1, a2, a3, county, contact, phone, email, payterm, salesman,
         obj, closed) = c  # fmt: skip
        out_customers[code] = {
            "code": code, "name": name, "regno": regno, "vatregno": vat, "address1": a1,
            "address2": a2, "address3": a3, "country": "FI" if code == "K0003" else "EE",
            "county": county, "contact": contact, "phone": phone, "email": email,
            "payterm": payterm, "salesman": salesman, "currency": "EUR",
            "vatregion": "1" if code == "K0003" else "0", "object": obj, "closed": str(closed),
            "ts": _ts(1 + i),
        }  # fmt: skip
    # An opening balance (receivables from before any invoice the sandbox holds): a
    # customer read reports it plus the client's invoices minus its confirmed receipts.
    out_customers["K0004"]["balance"] = "150.00"
    contacts = [
        ("101", "K0001", "Mari Tamm", "Mari", "Tamm", "+372 5123 4567", "mari@pohjalapuit.ee"),
        ("102", "K0001", "Jüri Kask", "Jüri", "Kask", "", "juri@pohjalapuit.ee"),
        ("103", "K0002", "Peeter Kask", "Peeter", "Kask", "+372 4530 000", "peeter@saarekala.ee"),
        ("104", "K0004", "Kadri Lepp", "Kadri", "Lepp", "+372 600 1234", "kadri@tarkvara.ee"),
        ("105", "K0004", "Andres Pärn", "Andres", "Pärn", "", "andres@tarkvara.ee"),
        ("106", "K0005", "Toomas Saar", "Toomas", "Saar", "+372 444 5555", "toomas@ehitus.ee"),
        ("107", "K0007", "Igor Sokolov", "Igor", "Sokolov", "", "igor@narvametall.ee"),
        ("108", "K0008", "Eva Kuusk", "Eva", "Kuusk", "+372 472 0000", "eva@haapsaluspaa.ee"),
    ]
    out_contacts = {
        c[0]: {
            "code": c[0],
            "customercode": c[1],
            "name": c[2],
            "firstname": c[3],
            "lastname": c[4],
            "phone": c[5],
            "mobile": "",
            "email": c[6],
            "closed": "0",
            "ts": _ts(2 + i),
        }  # fmt: skip
        for i, c in enumerate(contacts)
    }
    # K0004's third contact person: no "name", only first and last name, an address of
    # her own and a mobile number.
    out_contacts["109"] = {
        "code": "109", "customercode": "K0004", "firstname": "Liis", "lastname": "Org",
        "address1": "Pikk 3", "address2": "Tartu", "address3": "51004",
        "mobile": "+372 5000 0109", "email": "liis@tarkvara.ee", "closed": "0", "ts": _ts(10),
    }  # fmt: skip
    # Closed contact persons: Directo does not send them with closed=0.
    out_contacts["110"] = {
        "code": "110", "customercode": "K0002", "name": "Vana Kontakt",
        "email": "vana@saarekala.ee", "closed": "1", "ts": _ts(11),
    }  # fmt: skip
    # A contact person of a closed customer (K0009 is not imported, nor is she).
    out_contacts["111"] = {
        "code": "111", "customercode": "K0009", "name": "Veski Peremees",
        "email": "peremees@example.ee", "closed": "0", "ts": _ts(12),
    }  # fmt: skip
    items = [
        ("ART-1001", "Terrassilaud 28x120 mänd", "jm", "3.20", "1", 0),
        ("ART-2040", "Kruvid A2 5x60 (200 tk)", "pk", "18.90", "1", 0),
        ("ART-3300", "Raamatupidamise käsiraamat", "tk", "25.00", "2", 0),
        ("TEENUS-PAIGALDUS", "Paigaldustöö (tund)", "h", "45.00", "1", 0),
        ("TEENUS-KONSULT", "Konsultatsioon (tund)", "h", "80.00", "1", 0),
        # VAT code 4: 22 %, the standard rate before July 2025, still in the database.
        ("TEENUS-RAAMAT", "Raamatupidamisteenus (kuu)", "kuu", "350.00", "4", 0),
        ("TEENUS-EU", "Konsultatsioon EL kliendile", "h", "80.00", "3", 0),
        ("ART-9000", "Vana toode (suletud)", "tk", "1.00", "1", 1),
    ]
    vatcodes = {"1": Decimal("24"), "2": Decimal("9"), "3": Decimal("0"), "4": Decimal("22")}
    out_items = {
        it[0]: {
            "code": it[0],
            "name": it[1],
            "description": "",
            "unit": it[2],
            "salesprice": it[3],
            "vatprice": str(vat_price(Decimal(it[3]), vatcodes[it[4]])),
            "vatcode": it[4],
            "closed": str(it[5]),
            "ts": _ts(3 + i, 10),
        }  # fmt: skip
        for i, it in enumerate(items)
    }
    return {
        "customers": out_customers,
        "contacts": out_contacts,
        "items": out_items,
        "vatcodes": vatcodes,
        "objects": _objects(
            ("JAAN", "Jaan Tamm"),
            ("KATRIN", "Katrin Kask"),
            ("MARI", "Mari Mets"),
            ("TALLINN", "Tallinna kontor"),
            ("TARTU", "Tartu kontor"),
            ("SAARE", "Saaremaa kontor"),
            # Odoo's administrator (login admin, e-mail admin@...): the demo's salesperson.
            ("ADMIN", "Administrator"),
            ("VANA", "Endine müüja (suletud)", 1),
        ),  # fmt: skip
    }


def other_company() -> dict[str, Any]:
    return {
        "customers": {
            "O0001": {
                "code": "O0001",
                "name": "Lõuna Logistika OÜ",
                "regno": "12000001",
                "vatregno": "EE120000011",
                "address1": "Jaama 1",
                "address2": "Valga",
                "address3": "68203",
                "country": "EE",
                "county": "Valgamaa",
                "email": "arved@lounalogistika.ee",
                "payterm": "14",
                "salesman": "PEETER",
                "currency": "EUR",
                "closed": "0",
                "ts": _ts(5),
            },
            "O0002": {
                "code": "O0002",
                "name": "Hiiu Turism OÜ",
                "regno": "12000002",
                "address1": "Kärdla sadam",
                "address2": "Kärdla",
                "country": "EE",
                "email": "info@hiiuturism.ee",
                "payterm": "7",
                "currency": "EUR",
                "closed": "0",
                "ts": _ts(6),
            },
        },  # fmt: skip
        "contacts": {},
        "items": {
            "OTH-1": {
                "code": "OTH-1",
                "name": "Transporditeenus",
                "unit": "km",
                "salesprice": "1.20",
                "vatprice": "1.49",
                "vatcode": "1",
                "closed": "0",
                "ts": _ts(5),
            },
        },  # fmt: skip
        "vatcodes": {"1": Decimal("24")},
        "objects": _objects(("PEETER", "Peeter Põld")),
    }


def demo_invoices() -> list[dict[str, Any]]:
    """Invoices already in the demo database (with receipts paying them)."""
    return [
        {
            "number": 700001, "customercode": "K0001", "date": dt.date(2025, 9, 1),
            "duedate": dt.date(2025, 9, 15), "paymentterm": "14", "currency": "EUR",
            "salesman": "JAAN", "confirmed": True,
            "rows": [{"rn": 1, "item": "TEENUS-KONSULT", "description": "Konsultatsioon",
                      "quantity": Decimal("5"), "price": Decimal("80"), "discount": None,
                      "vatcode": "1", "object": "JAAN"}],
        },
        {
            "number": 700002, "customercode": "K0002", "date": dt.date(2025, 9, 2),
            "duedate": dt.date(2025, 9, 9), "paymentterm": "7", "currency": "EUR",
            "salesman": "KATRIN", "confirmed": True,
            "rows": [{"rn": 1, "item": "ART-2040", "description": "Kruvid",
                      "quantity": Decimal("10"), "price": Decimal("18.90"), "discount": None,
                      "vatcode": "1", "object": "KATRIN"}],
        },
    ]  # fmt: skip
