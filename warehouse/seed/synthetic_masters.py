"""Synthetic master rows: customers CUST-S…, items ITM-S…, vendors VND-S… and machines MCH-S…."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D

from warehouse.seed.bulk import BulkWriter, Row
from warehouse.seed.masters import MACHINES
from warehouse.seed.synthetic_plan import (
    CUSTOMERS_PER_UNIT,
    MACHINES_PER_UNIT,
    RAW_ITEMS_PER_UNIT,
    SOLD_ITEMS_PER_UNIT,
    VENDORS_PER_UNIT,
    Plan,
    names,
    stamp,
)

CUST_PREFIX = "CUST-S"  # synthetic customers; their count tells the scale present (see synthetic_scale)
FIRST = names(
    "Sinar Maju Karya Cahaya Mitra Sumber Prima Bintang Tunas Harapan Putra Mega Surya Bumi Indah "
    "Jaya Mulia Sejahtera Agung Lestari"
)
SECOND = names(
    "Abadi Makmur Sentosa Utama Perkasa Mandiri Teknik Logam Plastik Elektrik Industri Niaga Sarana "
    "Persada Nusantara Gemilang Wijaya Kencana Raya Santosa Baru Timur Barat Global Sakti"
)
CITIES = names(
    "Bekasi|Cikarang|Karawang|Tangerang|Bogor|Bandung|Semarang|Surabaya|Sidoarjo|Gresik|Medan|Batam|"
    "Jakarta Utara|Jakarta Timur|Cilegon"
    "|",
)
PARTS = names("Bracket|Housing|Gear Set|Bushing|Flange|Shaft|Panel|Cover|Valve|Pulley", "|")
MATERIALS = names("Aluminium Ingot|Copper Wire|Resin PP|Steel Coil|Brass Rod|ABS Pellet", "|")

CUST_COLS = names("id code name addr segment credit_lim pay_terms last_order_dt created_at updated_at")
ITEM_COLS = names("id code name category std_cost sell_price uom created_at updated_at")
VENDOR_COLS = names("id code name addr bank_acc otd_score quality_score pay_terms created_at updated_at")
MACHINE_COLS = names(
    "id code name model location cap_per_hr run_hours last_maint_dt maint_int_days status created_at "
    "updated_at deleted_at"
)


def company_name(rng: random.Random, i: int) -> str:
    """A company name unique per index i (a number is added once the word pairs run out)."""
    pairs = len(FIRST) * len(SECOND)
    words = f"{FIRST[i % len(FIRST)]} {SECOND[(i // len(FIRST)) % len(SECOND)]}"
    return f"{rng.choice(('PT', 'PT', 'CV', 'UD'))} {words}" + (f" {i // pairs + 1}" if i >= pairs else "")


def seed_synthetic_masters(plan: Plan, writer: BulkWriter, last_orders: dict[int, date]) -> None:
    """Write the masters and record their ids and terms in the plan for the transaction generators."""
    created = stamp(plan.months[0])
    writer.write("m_cust", CUST_COLS, _customers(plan, last_orders, created))
    writer.write("m_item", ITEM_COLS, _items(plan, created))
    writer.write("m_vendor", VENDOR_COLS, _vendors(plan, created))
    writer.write("m_machine", MACHINE_COLS, _machines(plan, created))


def _customers(plan: Plan, last_orders: dict[int, date], created: object) -> list[Row]:
    rng, rows = plan.rng("customers"), []
    for i in range(CUSTOMERS_PER_UNIT * plan.scale):
        vip = rng.random() < 0.2
        limit = D(rng.randrange(10, 41) * 50_000_000) if vip else D(rng.randrange(1, 7) * 50_000_000)
        terms = 60 if vip else 30
        addr = f"Jl. {rng.choice(FIRST)} {rng.choice(SECOND)} {rng.randint(1, 120)}, {rng.choice(CITIES)}"
        cust_id = plan.new_id("m_cust")
        plan.customers.append((cust_id, terms))
        rows.append(
            (
                cust_id,
                f"{CUST_PREFIX}{i + 1:05d}",
                company_name(rng, i),
                addr,
                "VIP" if vip else "Regular",
                limit,
                terms,
                last_orders.get(i),
                created,
                created,
            )
        )
    return rows


def _items(plan: Plan, created: object) -> list[Row]:
    rng, rows = plan.rng("items"), list[Row]()
    plan.sold_items += [(plan.refs[c], plan.base_prices[c]) for c in ("ITM-001", "ITM-003", "ITM-005")]
    plan.raw_items += [(plan.refs[c], plan.base_prices[c]) for c in ("ITM-002", "ITM-004")]
    per_unit = SOLD_ITEMS_PER_UNIT + RAW_ITEMS_PER_UNIT
    for i in range(per_unit * plan.scale):
        item_id, code = plan.new_id("m_item"), f"ITM-S{i + 1:05d}"
        if i % per_unit < SOLD_ITEMS_PER_UNIT:
            cost = D(rng.randrange(20, 400) * 500)
            price = D(round(float(cost) * rng.uniform(1.25, 1.6) / 500) * 500)
            category = ("Finished Goods", "Component", "WIP")[i % 3]
            rows.append(
                (
                    item_id,
                    code,
                    f"{rng.choice(PARTS)} S-{i + 1:05d}",
                    category,
                    cost,
                    price,
                    rng.choice(("PCS", "SET", "UNIT")),
                    created,
                    created,
                )
            )
            plan.sold_items.append((item_id, price))
        else:
            cost = D(rng.randrange(10, 200) * 500)
            rows.append(
                (
                    item_id,
                    code,
                    f"{rng.choice(MATERIALS)} S-{i + 1:05d}",
                    "Raw Material",
                    cost,
                    None,
                    rng.choice(("KG", "LBR", "M")),
                    created,
                    created,
                )
            )
            plan.raw_items.append((item_id, cost))
    return rows


def _vendors(plan: Plan, created: object) -> list[Row]:
    rng, rows = plan.rng("vendors"), []
    plan.vendors += [(plan.refs[c], 30) for c in ("VND-001", "VND-002", "VND-003")]
    for i in range(VENDORS_PER_UNIT * plan.scale):
        vendor_id = plan.new_id("m_vendor")
        otd, quality = (D(rng.randrange(700, 990)) / 10 for _ in range(2))
        bank = f"{rng.choice(('BCA', 'Mandiri', 'BNI', 'BRI'))} {rng.randrange(10**9, 10**10)}"
        rows.append(
            (
                vendor_id,
                f"VND-S{i + 1:04d}",
                f"{company_name(rng, i + 7)} Supply",
                rng.choice(CITIES),
                bank,
                otd,
                quality,
                30,
                created,
                created,
            )
        )
        plan.vendors.append((vendor_id, 30))
    return rows


def _machines(plan: Plan, created: object) -> list[Row]:
    """Machines retired (soft-deleted) at the window's end, so today's shop floor stays the base seed's."""
    rng, rows = plan.rng("machines"), []
    retired = stamp(plan.end - timedelta(days=1))
    plan.machines += [(plan.refs[m[0]], m[0], m[4]) for m in MACHINES]
    for i in range(MACHINES_PER_UNIT * plan.scale):
        model_code, name, model, _loc, cap, _hours, interval, _last = MACHINES[i % len(MACHINES)]
        machine_id = plan.new_id("m_machine")
        last_maint = plan.end - timedelta(days=rng.randint(1, interval))
        rows.append(
            (
                machine_id,
                f"MCH-S{i + 1:04d}",
                f"{name.rsplit(' ', 1)[0]} S{i + 1}",
                model,
                f"Plant {3 + i // 10}",
                cap,
                D(rng.randrange(2_000, 20_000)),
                last_maint,
                interval,
                "Retired",
                created,
                retired,
                retired,
            )
        )
        plan.machines.append((machine_id, model_code, cap))
    return rows
