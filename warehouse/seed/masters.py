"""Master data from the spec's sample (1.8 A), with the few fields the assistant needs added."""

from __future__ import annotations

from decimal import Decimal as D

from warehouse.schema import MCust, MEmp, MItem, MMachine, MVendor, MWh
from warehouse.seed.context import SeedContext

# code, name, segment, credit limit, payment terms (days), address
CUSTOMERS = [
    ("CUST-001", "PT ABC Manufacturing", "VIP", D(500_000_000), 30, "Jl. Industri Raya 12, Bekasi"),
    ("CUST-002", "CV XYZ Trading", "Regular", D(100_000_000), 30, "Jl. Pasar Baru 45, Jakarta"),
    ("CUST-003", "PT Maju Jaya", "VIP", D(750_000_000), 60, "Kawasan MM2100 Blok C, Cikarang"),
    ("CUST-004", "UD Sentosa", "Regular", D(50_000_000), 30, "Jl. Ahmad Yani 8, Surabaya"),
    ("CUST-005", "PT Global Tech", "VIP", D(1_000_000_000), 60, "Jl. TB Simatupang 21, Jakarta"),
]

# code, name, category, std cost, sell price (None: not sold), unit of measure
ITEMS = [
    ("ITM-001", "Widget Pro X1", "Finished Goods", D(45_000), D(65_000), "PCS"),
    ("ITM-002", "Component Alpha", "Raw Material", D(12_500), None, "KG"),
    ("ITM-003", "Assembly Kit B", "WIP", D(85_000), D(125_000), "SET"),
    ("ITM-004", "Steel Plate 3mm", "Raw Material", D(75_000), None, "LBR"),
    ("ITM-005", "Motor DC 12V", "Component", D(150_000), D(220_000), "PCS"),
]

# code, name, address, on-time delivery %, quality %, bank account
VENDORS = [
    ("VND-001", "PT Baja Makmur", "Cikarang, Bekasi", D("92.5"), D("88.0"), "BCA 123-456-7890"),
    ("VND-002", "CV Jaya Abadi", "Tangerang", D("85.0"), D("91.0"), "Mandiri 987-654-3210"),
    ("VND-003", "PT Global Supply", "Surabaya", D("78.5"), D("82.0"), "BNI 555-111-2222"),
]

# code, name, model, location, capacity/hour, running hours, maintenance interval (days), last service
MACHINES = [
    ("MCH-001", "CNC Milling A1", "Haas VF-2", "Plant 1 - Line A", D(120), D(8540), 30, -20),
    ("MCH-002", "Injection Molding B2", "Engel Victory 200", "Plant 1 - Line B", D(200), D(12350), 45, -50),
    ("MCH-003", "Welding Robot C1", "Fanuc ARC Mate 100iD", "Plant 2", D(80), D(5200), 30, -10),
]

WAREHOUSES = [
    ("WH-A1", "Gudang Bahan Baku", "A", D(5000)),
    ("WH-B1", "Gudang Finished Goods", "B", D(3500)),
    ("WH-C1", "Gudang WIP", "C", D(2000)),
]

# code, name, department, position, shift
EMPLOYEES = [
    ("EMP-001", "Andi Saputra", "Production", "Operator", "1"),
    ("EMP-002", "Siti Rahma", "Production", "Operator", "2"),
    ("EMP-003", "Joko Prasetyo", "Production", "Operator", "3"),
    ("EMP-004", "Pak Budi", "Logistics", "Driver", "1"),
    ("EMP-005", "Pak Joko", "Logistics", "Driver", "1"),
    ("EMP-006", "Dewi Lestari", "Quality", "QC Inspector", "1"),
    ("EMP-007", "Rudi Hartono", "Maintenance", "Technician", "1"),
]


def seed_masters(ctx: SeedContext) -> None:
    """Customers, items, vendors, machines, warehouses and employees."""
    for code, name, seg, lim, terms, addr in CUSTOMERS:
        ctx.add(code, MCust(code=code, name=name, segment=seg, credit_lim=lim, pay_terms=terms, addr=addr))
    for code, name, cat, cost, price, uom in ITEMS:
        ctx.add(code, MItem(code=code, name=name, category=cat, std_cost=cost, sell_price=price, uom=uom))
    for code, name, addr, otd, qual, bank in VENDORS:
        ctx.add(
            code,
            MVendor(
                code=code,
                name=name,
                addr=addr,
                otd_score=otd,
                quality_score=qual,
                bank_acc=bank,
                pay_terms=30,
            ),
        )
    for code, name, model, loc, cap, hours, interval, _last in MACHINES:
        ctx.add(
            code,
            MMachine(
                code=code,
                name=name,
                model=model,
                location=loc,
                cap_per_hr=cap,
                run_hours=hours,
                maint_int_days=interval,
            ),
        )
    for code, name, zone, cap in WAREHOUSES:
        ctx.add(code, MWh(code=code, name=name, zone=zone, capacity_m3=cap))
    for code, name, dept, pos, shift in EMPLOYEES:
        ctx.add(code, MEmp(code=code, name=name, dept=dept, position=pos, shift=shift))
    ctx.session.flush()
