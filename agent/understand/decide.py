"""From a parsed meaning to what runs: a document or view tool, a catalog query, an attribute lookup,
a clarifying question with numbered options, or an honest "can't" — never a different question.

The rich tools (sales summary, receivables ageing, machine performance...) answer the questions whose
shape they were built for; everything else the catalog can express is compiled as a query. A follow-up
inherits only what the new message lacks; a message with its own subject starts fresh.
"""

from __future__ import annotations

import re
from dataclasses import replace

from agent.entities import Entities
from agent.intents import METRIC_TOOLS, score_intents
from agent.router import PRIORITY, Plan, build, classify, route, tool_scores
from agent.understand.clarify import about, rank_what, which_entity, which_metric, which_name
from agent.understand.context import Context, first_period, metric_label, names_of
from agent.understand.lexicon import Sense
from agent.understand.negation import cannot_filter, negated
from agent.understand.parse import Meaning
from agent.understand.plans import metric_plan, query_args, span
from agent.understand.senses import EXPENSIVE, buyer, direction, late_vendor, resolve_senses, segments_named
from semantic.catalog import CATALOG
from tools.common import Period

ENTITY_KINDS = ("customer", "item", "vendor", "machine", "warehouse")
DOC_VIEWS = {"so_status", "po_status"}  # a document kind named without its number
# "How is X doing": the view of a thing's performance, by its kind.
PERFORMANCE_VIEWS = {"vendor": "vendor_scores", "machine": "machine_performance"}
# Attributes the maintenance view answers with more (last service, next due): it answers them.
MAINT_VIEW_ATTRS = {"last_service", "maint_interval", "next_service"}


def decide(m: Meaning, ctx: Context) -> Plan | None:
    """The plan for a parsed message; None: nothing in it is something we answer."""
    lowered = m.norm.text
    if m.ambiguous_names:
        return which_name(m, ctx, decide)
    if any(s.kind == "oos" for _s, _e, senses in m.senses for s in senses):
        return None  # "stock price", "harga emas": our words, not our data
    metrics, attrs, views, dims, unclear, unnamed = resolve_senses(m)
    if not metrics and not views and not attrs and not m.leftovers:
        attrs = unnamed  # "berapa kapasitasnya?": an attribute of something not named (asked below)
    metrics = buyer(m, direction(m, metrics), dims)
    read_as: set[str] = set()  # views whose words were read as a figure (not "unused")
    if not metrics and "maintenance_status" in views and m.order and set(m.norm.tokens) & EXPENSIVE:
        metrics, views = ["maint_cost"], [v for v in views if v != "maintenance_status"]  # "paling mahal"
        read_as.add("maintenance_status")
    if not metrics and (late := late_vendor(m, views, dims)):
        metrics, views = late, [v for v in views if v != "late_orders"]
        read_as.add("late_orders")
        if "vendor" not in m.entity_kinds():  # "supplier yang suka telat": the worst first
            m = replace(m, order="worst" if m.order in ("desc", None) else m.order)
    if unclear:
        return which_metric(m, ctx, unclear, decide)
    if (phrase := negated(m)) is not None:  # "yang belum order": the opposite of what we would sum
        return Plan("cant", {"message": cannot_filter(m, ctx, phrase, metrics, dims)})
    if (unknown := _unknown_name(m)) is not None:  # "mesin Z9": never the whole factory instead
        kind, word = unknown
        return Plan("cant", {"message": _no_such(ctx, kind, word)})
    ents = _entities(m)
    if ctx.documents is not None and ctx.documents.doc_no:
        ents = Entities(ctx.documents.doc_no, ctx.documents.doc_kind, ctx.documents.uuid, ents.codes)
        return route(lowered, ctx.lang, ctx.today, ents, None)  # a document question: its own tools
    if not metrics and not attrs and not set(views) - DOC_VIEWS:
        # nothing but a document kind ("what about purchase orders?"): a follow-up or a view by words
        return _no_subject(m, ctx, ents, lowered)
    if "search_manuals" in views and not _technical(m, ctx):
        views = [v for v in views if v != "search_manuals"]  # "what is the meaning of life?": no machine talk
        if not metrics and not attrs and not views:
            return None
    if "search_manuals" in views and not m.periods and not m.order and not m.compare and not attrs:
        tool = classify(lowered, ents)
        if tool == "search_manuals":
            return build(tool, lowered, ctx.lang, ctx.today, ents, None)
    plans: list[Plan] = []
    if attrs:
        plans += _lookups(m, ctx, attrs)
    if metrics:
        plans.append(metric_plan(m, ctx, metrics, dims, ents, lowered))
    elif not attrs:
        tool = _pick_view(views, lowered, ents)
        if tool is None:
            return None
        plans.append(build(tool, lowered, ctx.lang, ctx.today, ents, first_period(m)))
    first, rest = plans[0], plans[1:]
    if first.tool == "clarify":
        return first
    first.extra = [p for p in rest if p.tool != "clarify"]
    first.notes = _notes(m, ctx, first, read_as) + first.notes
    return first


def _unknown_name(m: Meaning) -> tuple[str, str] | None:
    """A code-like word we could not resolve right after a kind of thing ("mesin Z9", "item X200")."""
    tokens = m.norm.tokens
    kinds = {s: x.name for s, _e, senses in m.senses for x in senses if x.kind == "dim"}
    for s, kind in kinds.items():
        after = next((e for s2, e, _x in m.senses if s2 == s), s + 1)
        if kind in ENTITY_KINDS and after < len(tokens) and tokens[after] in m.leftovers:
            word = tokens[after]
            if any(c.isdigit() for c in word) or word.isupper():
                return kind, word
    return None


def _no_such(ctx: Context, kind: str, word: str) -> str:
    label = CATALOG.dimensions[kind].words.label(ctx.lang)
    known = ", ".join(f"{name} ({code})" for code, name in ctx.names.codes(kind)[:6])
    return ctx.t(
        f"Saya tidak menemukan {label} '{word.upper()}'. Yang terdaftar: {known}.",
        f"I could not find a {label} '{word.upper()}'. Known: {known}.",
    )


def _pick_view(views: list[str], lowered: str, ents: Entities) -> str | None:
    """The view the message names: the one found, or among several the best scored by their words
    (never a tool the message has no word for)."""
    strong = [v for v in views if v not in DOC_VIEWS or ents.doc_no]
    if len(strong) == 1:
        return strong[0]
    if not strong:
        return classify(lowered, ents)
    scores = tool_scores(lowered, ents)
    return max(strong, key=lambda v: (scores.get(v, 0.0), -PRIORITY.index(v) if v in PRIORITY else -99))


def _entities(m: Meaning) -> Entities:
    """The meaning's names as the rich tools' builders read them (one code per kind)."""
    codes = {kind: m.entity_codes(kind)[0] for kind in m.entity_kinds() if m.entity_codes(kind)}
    if m.doc:
        kind = m.doc[:2]
        digits = re.sub(r"[^0-9]", "", m.doc)
        doc_no = f"{kind}-{digits[:6]}-{digits[6:]}"
        return Entities(doc_no, kind, None, codes)
    return Entities(codes=codes)


# Manual words that only ask (how, why, meaning): a manual question also names something technical.
GENERIC_MANUAL = frozenset(
    "what does,what causes,how do i,how to,how can i,cara,bagaimana cara,gimana cara,apa yang harus,"
    "apa penyebab,penyebab,cause,causes,artinya,meaning,langkah,solusi,solution,fix,manual".split(",")
)


def _technical(m: Meaning, ctx: Context) -> bool:
    """Whether a message names something technical: a machine, an error code, a specific manual term or
    a term of the retrieval glossary (the manuals' vocabulary)."""
    if m.error_code or "machine" in m.entity_kinds():
        return True
    manual = [
        " ".join(m.norm.tokens[s:e])
        for s, e, senses in m.senses
        if any(x.kind == "view" and x.name == "search_manuals" for x in senses)
    ]
    if any(p not in GENERIC_MANUAL for p in manual):
        return True
    dims = set(m.dims())
    return "machine" in dims or bool(ctx.names.glossary.terms_in(m.norm.text)) or _english_term(m, ctx)


def _english_term(m: Meaning, ctx: Context) -> bool:
    """An English glossary term as a whole ("oil", "coolant", "tool life"), never a word of one ("life")."""
    text = f" {m.norm.text} "
    return any(f" {term} " in text for term in ctx.names.english_terms)


def _no_subject(m: Meaning, ctx: Context, ents: Entities, lowered: str) -> Plan | None:
    """No metric, attribute or view: a follow-up, a technical question, a bare name, or nothing."""
    last = ctx.last if ctx.last is not None and ctx.last.tool not in ("clarify", "cant") else None
    dims = m.dims()
    # "top 5 pelanggan bulan ini" after any question: a ranking is a question of its own (unless it is
    # asked as one: "dan top 5-nya?")
    own_subject = bool(m.order and dims) and not m.follow_up
    if (
        last is not None
        and not own_subject
        and not m.leftovers
        and (m.periods or m.entity_kinds() or m.follow_up or m.group_words or segments_named(lowered))
    ):
        return follow_up(m, ctx, last, ents, lowered)
    if m.error_code:  # "E-410": what it means is in the manuals, how often it happened in the logs
        tool = classify(lowered, ents)
        if tool is not None:
            return build(tool, lowered, ctx.lang, ctx.today, ents, first_period(m))
    if m.leftovers:
        return None  # words we do not know carry the question: say so, never answer a neighbour
    kinds = sorted(m.entity_kinds())
    subject = kinds[0] if len(kinds) == 1 else dims[0] if dims else None
    if m.performance and subject in PERFORMANCE_VIEWS:
        return build(PERFORMANCE_VIEWS[subject], lowered, ctx.lang, ctx.today, ents, first_period(m))
    if m.order and dims:
        if (
            m.order in ("desc", "asc")
            and dims[0] in ("customer", "item")
            and ctx.may(CATALOG.metrics["sales"].permission)
        ):
            # "top 5 customers": by sales, as everyone means it (and the answer says so)
            ranked = replace(m, senses=[*m.senses, (0, 0, frozenset({Sense("metric", "sales")}))])
            plan = decide(ranked, ctx)
            if plan is not None:
                plan.notes.append(ctx.t("diurutkan menurut penjualan", "ranked by sales"))
            return plan
        return rank_what(m, ctx, dims[0], decide)
    if m.error_code or score_intents(lowered):
        tool = classify(lowered, ents)
        if tool is not None:
            return build(tool, lowered, ctx.lang, ctx.today, ents, first_period(m))
    if len(kinds) == 1:
        return about(m, ctx, kinds[0])
    return None


def follow_up(m: Meaning, ctx: Context, last: Plan, ents: Entities, lowered: str) -> Plan:
    """The last question again with what this message changes (its period, its name, its grouping)."""
    period = first_period(m)
    segments = segments_named(lowered)  # "yang VIP saja"
    if last.tool == "query_metrics":
        query = dict(last.args)
        if period is not None:
            query["period"] = span(period)
            query.pop("compare", None)
        fits = lambda dim: all(dim in CATALOG.dims_of(x) for x in query["metrics"])  # noqa: E731
        filters = dict(query.get("filters") or {})
        for kind in m.entity_kinds():
            if fits(kind):
                filters[kind] = m.entity_codes(kind)
        if segments and not fits("segment"):  # "VIP saja" after the stock: said, never dropped
            return Plan("cant", {"message": _not_for(ctx, last.tool, "segment")})
        if segments:
            filters["segment"] = segments
        query["filters"] = filters
        dims = [d for d in m.dims() if d != "segment"]
        if m.group_words and dims:  # "per pelanggan": regrouped, or said when the figure has no such split
            if not all(fits(d) for d in dims):
                return Plan(
                    "cant", {"message": _not_for(ctx, last.tool, next(d for d in dims if not fits(d)))}
                )
            query["group_by"] = dims[:2]
        return Plan("query_metrics", query, ents, period or last.period, label=last.label)
    if last.tool == "sales_summary" and segments and not m.entity_kinds():
        args = {**last.args, "segment": segments[0] if len(segments) == 1 else None}
        if len(segments) == 2:
            args["group_by"] = "segment"
        if period is not None:
            args.update(start=period.start.isoformat(), end=period.end.isoformat(), label=period.label)
        return Plan("sales_summary", args, last.entities, period or last.period, label=last.label)
    if last.tool == "lookup_attributes":
        args = dict(last.args)
        codes = m.entity_codes(args["entity"])
        if codes:
            args["codes"] = codes
        return Plan("lookup_attributes", args, ents, None, label=last.label)
    dims = m.dims()
    if (
        m.group_words
        and dims
        and not set(dims) <= TOOL_GROUPS.get(last.tool, set())
        and last.tool in METRIC_TOOLS
    ):
        return _regrouped(ctx, last, METRIC_TOOLS[last.tool][0][0], dims, period)  # "piutang" -> "per segmen"
    takes = TOOL_KINDS.get(last.tool, set())
    if segments and "segment" not in takes:  # "VIP saja" after the stock: said, never dropped
        return Plan("cant", {"message": _not_for(ctx, last.tool, "segment")})
    if m.entity_kinds() - takes:  # "what about CV Jaya Abadi?" after receivables: not this question's
        kind = sorted(m.entity_kinds() - takes)[0]
        return about(m, ctx, kind) or Plan("cant", {"message": _not_for(ctx, last.tool, kind)})
    merged = ents.merged_over(last.entities)
    return build(last.tool, lowered, ctx.lang, ctx.today, merged, period or last.period)


# The names each rich tool can be asked about (its arguments), for follow-ups that change the name.
TOOL_KINDS: dict[str, set[str]] = {
    "sales_summary": {"customer", "item"},
    "receivables": {"customer"},
    "payables_due": {"vendor"},
    "machine_performance": {"machine"},
    "maintenance_status": {"machine"},
    "wo_progress": {"machine"},
    "inventory_status": {"item", "warehouse"},
    "vendor_scores": {"vendor"},
}


# What each rich tool itself breaks its answer down by ("per pelanggan" after the sales summary).
TOOL_GROUPS: dict[str, set[str]] = {
    "sales_summary": {"customer", "item", "segment"},
    "machine_performance": {"machine", "shift"},
    "inventory_status": {"item", "warehouse"},
}


def _regrouped(ctx: Context, last: Plan, metric: str, dims: list[str], period: Period | None) -> Plan:
    """A rich tool's figure asked again per something the tool does not split by: a compiled query."""
    lost = [d for d in dims if d not in CATALOG.dims_of(metric)]
    if lost:
        return Plan("cant", {"message": _not_for(ctx, last.tool, lost[0])})
    kinds = {k: [c] for k, c in last.entities.codes.items() if k in CATALOG.dims_of(metric)}
    when = None if CATALOG.metrics[metric].time == "snapshot" else (period or last.period)
    query = query_args([metric], dims[:2], kinds, when, None, None, None)
    return Plan("query_metrics", query, last.entities, when, label=metric_label(metric, ctx))


def _not_for(ctx: Context, tool: str, kind: str) -> str:
    label = CATALOG.dimensions[kind].words.label(ctx.lang)
    return ctx.t(
        f"Pertanyaan sebelumnya tidak bisa dijawab per {label}. Sebutkan apa yang ingin diketahui.",
        f"The last question cannot be answered per {label}. Please say what you would like to know.",
    )


def _lookups(m: Meaning, ctx: Context, attrs: list[str]) -> list[Plan]:
    """Attribute lookups, one per entity kind; a kind nobody was named for is asked about."""
    plans: list[Plan] = []
    by_kind: dict[str, list[str]] = {}
    for attr in attrs:
        by_kind.setdefault(CATALOG.attributes[attr].entity, []).append(attr)
    for kind, names in by_kind.items():
        codes = m.entity_codes(kind)
        notes: list[str] = []
        last = ctx.last
        if not codes and _every(m):  # "status mesin semua": every one of that kind
            codes = [code for code, _name in ctx.names.codes(kind)][:10]
        if not codes and last is not None and (earlier := _named_before(last, kind)):
            codes = earlier
            notes.append(
                ctx.t(
                    f"untuk {names_of(ctx, kind, codes)} (dari pertanyaan sebelumnya)",
                    f"for {names_of(ctx, kind, codes)} (from your last question)",
                )
            )
        if not codes:
            plans.append(which_entity(ctx, kind, names))
            continue
        if kind == "machine" and set(names) <= MAINT_VIEW_ATTRS and len(codes) == 1:
            ents = Entities(codes={"machine": codes[0]})
            plans.append(build("maintenance_status", m.norm.text, ctx.lang, ctx.today, ents, None))
            continue
        args = {"entity": kind, "codes": codes[:10], "attributes": names[:6]}
        plans.append(Plan("lookup_attributes", args, notes=notes))
    return plans


def _every(m: Meaning) -> bool:
    """Whether the message asks about every one of a kind ('semua', 'all', 'every', 'each')."""
    return any(t in ("semua", "seluruh", "all", "every", "each", "setiap", "tiap") for t in m.norm.tokens)


def _named_before(last: Plan, kind: str) -> list[str]:
    """The codes of a kind the last question named ("limit kreditnya?" after a question on PT ABC)."""
    if last.tool == "lookup_attributes" and last.args.get("entity") == kind:
        return list(last.args["codes"])
    if last.tool == "query_metrics":
        return list((last.args.get("filters") or {}).get(kind, []))
    code = last.entities.codes.get(kind)
    return [code] if code else []


def _notes(m: Meaning, ctx: Context, plan: Plan, used_views: set[str]) -> list[str]:
    """What was read differently from how it was written (corrected words, approximate names), and in one
    line the words the answer did not use."""
    notes = [ctx.t(f"'{a}' dibaca '{b}'", f"read '{a}' as '{b}'") for a, b in m.norm.corrections]
    notes += [
        ctx.t(f"'{h.matched}' dibaca {h.name}", f"read '{h.matched}' as {h.name}")
        for h in m.names
        if not h.exact
    ]
    if (
        len(m.norm.tokens) > 12
    ):  # a long message's unknown words are not repeated back (they may be a payload)
        return notes + (
            [ctx.t("sebagian kata tidak saya pakai", "some words were not used")] if m.leftovers else []
        )
    unused = list(dict.fromkeys([*m.leftovers, *_unused_views(m, plan, used_views)]))
    if unused:
        words = ", ".join(f"'{w}'" for w in unused[:4])
        notes.append(ctx.t(f"bagian yang tidak saya pakai: {words}", f"not used: {words}"))
    return notes


def _unused_views(m: Meaning, plan: Plan, used_views: set[str]) -> list[str]:
    """Words naming a view the answer does not give ('maintenance' answered as a purchase figure)."""
    ran = {plan.tool, *(p.tool for p in plan.extra)} | used_views
    return [
        " ".join(m.norm.tokens[s:e])
        for s, e, senses in m.senses
        if senses
        and all(x.kind == "view" for x in senses)
        and not any(x.name in ran or x.name in DOC_VIEWS for x in senses)
    ]
