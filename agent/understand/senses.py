"""Each matched phrase's one sense, read with the rest of the message: the names it gives, who owes
whom, who buys, and the few phrasings whose words name one thing and mean another."""

from __future__ import annotations

import re

from agent.understand.parse import Meaning
from agent.understand.words import FUNCTION_WORDS
from semantic.catalog import CATALOG

EXPENSIVE = frozenset({"mahal", "termahal", "expensive", "boros", "terboros", "costly"})
COST_WORDS = frozenset(
    {"cost", "costs", "biaya", "biayanya", "ongkos", "ongkosnya", "habis", "paid", "dibayar"}
)
_HOW_MUCH_IS = re.compile(r"\b(how much (is|are|does|do)\b|berapa harganya|harganya berapa)")
DATE_WORDS = frozenset({"date", "when", "kapan", "tanggal", "tgl"})
_SELLS_FOR = re.compile(r"\b(sell|sells|selling|sold)\b[^.?!]*?\bfor\b|\bdijual (berapa|dengan harga)\b")
# "VIP vs the rest": the other members of a closed set, once one is named
_THE_REST = re.compile(r"\b(lainnya|yang lain|sisanya|selebihnya|the rest|others|other customers)\b")


def _member_pattern(dim: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex over a dimension's member phrases (longest first: "non vip" before "vip")."""
    to_code = {p: code for code, words in CATALOG.dimensions[dim].members.items() for p in words}
    alternatives = "|".join(re.escape(p) for p in sorted(to_code, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b"), to_code


_SEGMENT_WORDS = _member_pattern("segment")


def segments_named(text: str) -> list[str]:
    """The customer segments a text names ('VIP', 'Regular'; 'reguler', 'non-VIP' are Regular); with
    "the rest" after one of them, the others too."""
    pattern, to_code = _SEGMENT_WORDS
    named = {to_code[p] for p in pattern.findall(text)}
    if len(named) == 1 and _THE_REST.search(text):
        named = set(CATALOG.dimensions["segment"].members)
    return sorted(named)


PRODUCTION = {"output", "rejects", "good_output", "reject_rate", "downtime", "oee"}
STOCK = {"stock_on_hand", "stock_reserved", "stock_available"}


def resolve_senses(
    m: Meaning,
) -> tuple[list[str], list[str], list[str], list[str], list[str], list[str]]:
    """Each matched phrase's one sense: an attribute of a named entity kind beats a metric, a metric
    beats an attribute of an unnamed kind; a phrase left with several metrics is unclear."""
    kinds = m.entity_kinds()
    metrics: list[str] = []
    attrs: list[str] = []
    views: list[str] = []
    dims: list[str] = []
    unclear: list[str] = []
    unnamed: list[str] = []
    generic_attrs: list[str] = []
    for _s, _e, senses in m.senses:
        by_kind: dict[str, list[str]] = {}
        for sense in sorted(senses, key=lambda s: s.name):
            by_kind.setdefault(sense.kind, []).append(sense.name)
        named_attrs = [a for a in by_kind.get("attr", []) if CATALOG.attributes[a].entity in kinds]
        grouping = bool(m.order or m.group_words)
        if named_attrs and not (grouping and by_kind.get("metric")):
            target = generic_attrs if _generic(m, _s, _e) else attrs
            target += [a for a in named_attrs if a not in target]
        elif len(by_kind.get("metric", [])) == 1:
            metrics += [x for x in by_kind["metric"] if x not in metrics]
        elif len(by_kind.get("metric", [])) > 1:
            narrowed = _narrow(m, by_kind["metric"], _s, _e)
            if set(narrowed) == {"rejects", "reject_rate"} and not m.order:
                narrowed = ["rejects"]  # the machine view shows both; only a ranking must pick one
            if len(narrowed) == 1:
                metrics += [x for x in narrowed if x not in metrics]
            else:
                unclear += narrowed
        elif (
            by_kind.get("attr")
            and not m.doc
            and not _generic(m, _s, _e)
            and not (m.group_words and by_kind.get("dim"))
        ):
            # ("per segmen" is a grouping, not the segment of some customer)
            unnamed += [a for a in by_kind["attr"][:1] if a not in unnamed]
        views += [v for v in by_kind.get("view", []) if v not in views]
        dims += [d for d in by_kind.get("dim", []) if d not in dims]
    if not metrics and not views:  # "status MCH-002": a generic word is the subject only when alone
        attrs += [a for a in generic_attrs if a not in attrs]
    if "last_service" in attrs and ("maint_cost" in unclear or "maint_cost" in metrics):
        # "last maintenance date and cost": the cost of that service, not a period's maintenance spend
        attrs.append("last_service_cost")
        unclear = [u for u in unclear if u != "maint_cost"] if "maint_cost" in unclear else []
        metrics = [x for x in metrics if x != "maint_cost"]
    words = set(m.norm.tokens)
    asks_cost = bool(words & COST_WORDS) or "how much" in m.norm.text
    if "last_service" in attrs and "last_service_cost" not in attrs and asks_cost:
        attrs.append("last_service_cost")  # "when was it last serviced and how much was it?"
    if "last_service_cost" in attrs and "last_service" not in attrs and words & DATE_WORDS:
        attrs.insert(attrs.index("last_service_cost"), "last_service")  # "date and cost of the last service"
    if "capacity" in attrs:  # "can make how many parts an hour": its rated capacity, not today's output
        metrics = [x for x in metrics if x not in ("output", "good_output")]
    how_long = "how long" in m.norm.text or "berapa lama" in m.norm.text
    days = (bool(words & {"days", "hari"}) or how_long) and not any(t.isdigit() for t in m.norm.tokens)
    if days and not m.periods and not attrs and set(metrics) <= {"payables", "receivables"} and metrics:
        # "how many days does PT Maju Jaya have to pay?": its payment terms, not its balance
        terms = {"customer": "payment_terms", "vendor": "vendor_terms"}
        attrs = [terms[k] for k in sorted(kinds) if k in terms]
    if {"payment_terms", "vendor_terms"} & set(attrs):  # "how many days ... to pay": terms, not balances
        metrics = [x for x in metrics if x not in ("payables", "receivables")]
    if (
        "item" in kinds
        and "sell_price" not in attrs
        and set(metrics) <= STOCK
        and _HOW_MUCH_IS.search(m.norm.text)
    ):
        attrs = [*attrs, "sell_price"]  # "how much is the Motor DC 12V (and how many are left)?": its price
    if "sales" in metrics and "item" in kinds and _SELLS_FOR.search(m.norm.text):
        # "what does the Motor DC sell for?": its price
        metrics, attrs = [x for x in metrics if x != "sales"], [*attrs, "sell_price"]
    bare_credit = any(
        " ".join(m.norm.tokens[s:e]) in ("credit", "kredit")
        for s, e, senses in m.senses
        if any(x.name == "credit_limit" for x in senses)
    )
    if (days or how_long) and bare_credit and "payment_terms" not in attrs:
        attrs = [("payment_terms" if a == "credit_limit" else a) for a in attrs]  # "how many days credit"
    attrs = list(dict.fromkeys(attrs))
    return metrics, attrs, views, dims, unclear, unnamed


def _narrow(m: Meaning, candidates: list[str], start: int, end: int) -> list[str]:
    """A word naming several figures, narrowed by the rest of the message: the names it gives (a
    customer's 'tagihan' is a receivable), then other words of one figure's phrases ('cost ... in
    maintenance'). Still several: the question is asked back."""
    kinds = m.entity_kinds()
    fits = [c for c in candidates if all(k in CATALOG.dims_of(c) for k in kinds)] if kinds else candidates
    if len(fits) == 1:
        return fits
    rest = {t for i, t in enumerate(m.norm.tokens) if not start <= i < end} - FUNCTION_WORDS
    overlap = {
        c: len(rest & {w for p in CATALOG.metrics[c].words.synonyms for w in p.split()})
        for c in fits or candidates
    }
    best = max(overlap.values(), default=0)
    top = [c for c, n in overlap.items() if n == best]
    return top if best > 0 and len(top) == 1 else (fits or candidates)


def _generic(m: Meaning, start: int, end: int) -> bool:
    """Whether a phrase is only function words ('status'): no subject without a name of its kind."""
    return end - start <= 2 and all(w in FUNCTION_WORDS for w in m.norm.tokens[start:end])


def direction(m: Meaning, metrics: list[str]) -> list[str]:
    """Who owes whom: 'owe us' is receivables, 'we owe' payables; a customer's debt is a receivable."""
    swap_to_ar = {
        "payables": "receivables",
        "overdue_payables": "overdue_receivables",
        "payables_not_due": "receivables_not_due",
    }
    swap_to_ap = {v: k for k, v in swap_to_ar.items()}
    dims = set(m.dims())
    kinds = m.entity_kinds() | (dims & {"customer", "vendor"})  # "pelanggan yang utangnya paling besar"
    if m.direction == "owed_to_us" or (
        m.direction != "we_owe"
        and "customer" in kinds
        and "vendor" not in kinds
        and _has(metrics, swap_to_ar)
    ):
        metrics = [swap_to_ar.get(x, x) for x in metrics] or ["receivables"]
    elif m.direction == "we_owe" or (
        "vendor" in kinds and "customer" not in kinds and _has(metrics, swap_to_ap)
    ):
        metrics = [swap_to_ap.get(x, x) for x in metrics] or ["payables"]
    return list(dict.fromkeys(metrics))


def buyer(m: Meaning, metrics: list[str], dims: list[str]) -> list[str]:
    """'Which customer bought the most': buying by customers is our sales, never our purchasing."""
    segments = bool(segments_named(m.norm.text))
    customers = "customer" in m.entity_kinds() or "customer" in dims or "segment" in dims or segments
    if customers and "vendor" not in m.entity_kinds() and {"purchase_value", "cash_out"} & set(metrics):
        # customers' buying and spending is our sales
        return list(dict.fromkeys("sales" if x in ("purchase_value", "cash_out") else x for x in metrics))
    return metrics


def late_vendor(m: Meaning, views: list[str], dims: list[str]) -> list[str]:
    """'Supplier paling telat': a vendor's lateness is its on-time delivery score, not our late orders."""
    vendors = "vendor" in dims or "vendor" in m.entity_kinds()
    return ["otd_score"] if vendors and "late_orders" in views else []


def _has(metrics: list[str], keys: dict[str, str]) -> bool:
    return any(x in keys for x in metrics)
