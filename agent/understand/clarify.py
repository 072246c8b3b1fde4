"""Asking back instead of guessing: which name, which figure, which thing, what about it — each option
a full reading the caller may see, continued by a reply of '1' or '2'."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from agent.router import Plan
from agent.understand.context import Context, default_period, metric_label
from agent.understand.lexicon import Sense
from agent.understand.parse import Meaning
from agent.understand.plans import query_args
from semantic.catalog import CATALOG

# decide() itself, passed in: an option is the full reading of a narrowed message
Decide = Callable[[Meaning, Context], Plan | None]

# The figures a ranking over a dimension is usually by, most asked first ("vendor terburuk").
RANK_CHOICES: dict[str, tuple[str, ...]] = {
    "vendor": ("otd_score", "quality_score", "payables", "purchase_value"),
    "customer": ("sales", "receivables", "overdue_receivables", "orders"),
    "machine": ("reject_rate", "oee", "downtime", "output"),
    "item": ("sales", "qty_sold", "stock_available"),
    "warehouse": ("stock_on_hand", "stock_available"),
    "shift": ("output", "reject_rate", "downtime"),
    "operator": ("output", "reject_rate"),
}
# What to offer when a message only names a thing: (metric or attribute) per entity kind.
ABOUT: dict[str, tuple[str, ...]] = {
    "customer": ("sales", "receivables", "credit_limit"),
    "item": ("sales", "stock_available", "sell_price"),
    "vendor": ("payables", "purchase_value", "otd_score"),
    "machine": ("output", "reject_rate", "last_service"),
    "warehouse": ("stock_on_hand", "wh_capacity"),
}
_OPTION = re.compile(
    r"^\s*(?:(?:pilihan|pilih|nomor|no|option|number|opsi|yang)\s*)?(?:#\s*)?"
    r"(\d{1,2}|satu|dua|tiga|empat|lima|pertama|kedua|ketiga|first|second|third|one|two|three)\s*[.)]?\s*$"
)
_ORDINALS = {
    "satu": 1,
    "pertama": 1,
    "first": 1,
    "one": 1,
    "dua": 2,
    "kedua": 2,
    "second": 2,
    "two": 2,
    "tiga": 3,
    "ketiga": 3,
    "third": 3,
    "three": 3,
    "empat": 4,
    "lima": 5,
}


def chosen_option(text: str, last: Plan | None) -> Plan | None:
    """The reading a reply of '1', '2', 'yang kedua'... picks from the last clarification."""
    if last is None or last.tool != "clarify" or not last.options:
        return None
    match = _OPTION.match(text.lower())
    if not match:
        return None
    word = match.group(1)
    number = int(word) if word.isdigit() else _ORDINALS[word]
    return last.options[number - 1] if 1 <= number <= len(last.options) else None


def rank_what(m: Meaning, ctx: Context, dim: str, decide: Decide) -> Plan | None:
    """A ranking without its figure ('vendor terburuk'): ask by which figure, offering the usual ones."""
    readings = [
        (replace(m, senses=[*m.senses, (0, 0, frozenset({Sense("metric", metric)}))]), metric)
        for metric in RANK_CHOICES.get(dim, ())
        if ctx.may(CATALOG.metrics[metric].permission)
    ]
    options = _options(readings, ctx, decide)
    if not options:
        return None
    kind = CATALOG.dimensions[dim].words.label(ctx.lang)
    question = ctx.t(f"Diurutkan berdasarkan apa ({kind})?", f"Ranked by which figure ({kind})?")
    return Plan("clarify", {"question": question}, options=options)


# The names each rich tool can be asked about (its arguments), for follow-ups that change the name.


def about(m: Meaning, ctx: Context, kind: str) -> Plan | None:
    """A bare name: ask what about it, offering the readings the caller may see."""
    code = m.entity_codes(kind)[0]
    name = ctx.names.name_of(kind, code) or code
    options: list[Plan] = []
    for what in ABOUT[kind]:
        if what in CATALOG.attributes:
            attr = CATALOG.attributes[what]
            if ctx.may(attr.permission):
                plan = Plan("lookup_attributes", {"entity": kind, "codes": [code], "attributes": [what]})
                plan.label = f"{attr.words.label(ctx.lang)} {name}"
                options.append(plan)
            continue
        metric = CATALOG.metrics[what]
        if ctx.may(metric.permission) and kind in CATALOG.dims_of(what):
            query = query_args([what], [], {kind: [code]}, default_period(what, ctx), None, None, None)
            options.append(Plan("query_metrics", query, label=f"{metric_label(what, ctx)} {name}"))
    if not options:
        return None
    question = ctx.t(
        f"Apa yang ingin Anda ketahui tentang {name}?", f"What would you like to know about {name}?"
    )
    return Plan("clarify", {"question": question}, options=options)


def which_name(m: Meaning, ctx: Context, decide: Decide) -> Plan | None:
    """Two names equally close to what was written: ask which one, each option the full reading."""
    group = m.ambiguous_names[0]
    options: list[Plan] = []
    for hit in group[:5]:
        chosen = replace(m, names=[*m.names, hit], ambiguous_names=m.ambiguous_names[1:])
        plan = decide(chosen, ctx)
        if plan is not None and plan.tool not in ("clarify", "cant"):
            plan.label = f"{hit.name} ({hit.code})"
            options.append(plan)
    word = group[0].matched
    options = _permitted(options, ctx)
    if len(options) == 1:  # only one of the names makes sense of the question: take it, and say so
        only = options[0]
        only.notes.append(ctx.t(f"'{word}' dibaca {only.label}", f"read '{word}' as {only.label}"))
        return only
    if not options:
        return None
    question = ctx.t(f"'{word}' yang mana?", f"Which '{word}' do you mean?")
    return Plan("clarify", {"question": question}, options=options)


def _options(readings: list[tuple[Meaning, str]], ctx: Context, decide: Decide) -> list[Plan]:
    """A clarification's options: each narrowed reading decided, labelled by its metric (those that
    decide to a real answer only)."""
    options: list[Plan] = []
    for narrowed, metric in readings:
        plan = decide(narrowed, ctx)
        if plan is not None and plan.tool not in ("clarify", "cant"):
            plan.label = metric_label(metric, ctx)
            options.append(plan)
    return options


def _permitted(options: list[Plan], ctx: Context) -> list[Plan]:
    """Options the caller may see; when none is, the first (so the answer is a plain refusal, never a
    question offering what cannot be shown)."""

    def allowed(plan: Plan) -> bool:
        if plan.tool == "query_metrics":
            return all(ctx.may(CATALOG.metrics[x].permission) for x in plan.args["metrics"])
        if plan.tool == "lookup_attributes":
            return all(ctx.may(CATALOG.attributes[a].permission) for a in plan.args["attributes"])
        return True

    kept = [o for o in options if allowed(o)]
    return kept or options[:1]


def which_metric(m: Meaning, ctx: Context, unclear: list[str], decide: Decide) -> Plan | None:
    """A word naming several figures ('biaya'): ask which one."""
    readings = [
        (
            replace(
                m,
                senses=[
                    (s, e, frozenset(x for x in senses if x.kind != "metric" or x.name == name))
                    for s, e, senses in m.senses
                ],
            ),
            name,
        )
        for name in unclear[:5]
    ]
    options = _permitted(_options(readings, ctx, decide), ctx)
    if len(options) == 1:  # the only reading this role may see: taken, and said
        only = options[0]
        only.notes.append(ctx.t(f"dibaca sebagai {only.label}", f"read as {only.label}"))
        return only
    if not options:
        return None
    return Plan(
        "clarify", {"question": ctx.t("Maksud Anda yang mana?", "Which one do you mean?")}, options=options
    )


def which_entity(ctx: Context, kind: str, attrs: list[str]) -> Plan:
    """An attribute without its entity ('berapa kapasitasnya?'): ask which one, listing a few."""
    options = [
        Plan(
            "lookup_attributes",
            {"entity": kind, "codes": [code], "attributes": attrs},
            label=f"{name} ({code})",
        )
        for code, name in ctx.names.codes(kind)[:6]
    ]
    label = CATALOG.attributes[attrs[0]].words.label(ctx.lang)
    kind_label = CATALOG.dimensions[kind].words.label(ctx.lang)
    question = ctx.t(
        f"{label.capitalize()} {kind_label} yang mana?", f"{label.capitalize()} of which {kind_label}?"
    )
    return Plan("clarify", {"question": question}, options=options)
