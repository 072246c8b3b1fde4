"""The evaluation: the golden set (both splits) is well formed, its fact SQL runs on both databases, the
agent passes the items written before the paraphrase families, and the runner classes turns as it should.

The families (new capabilities: comparisons, rankings, attributes, clarifications...) are measured by
`sentient eval`, not asserted here: they wait for the semantic parser.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from eval.facts import (
    appears,
    date_vars,
    fact_sql,
    format_fact,
    placeholders,
    render,
    resolve_vars,
    run_fact,
    shift_months,
    sql_params,
)
from eval.golden import GoldenItem, Turn, load_splits
from eval.report import EvalReport, metrics
from eval.runner import args_match, pick_option, run_eval
from semantic.catalog import CATALOG
from tests.conftest import TZ
from tests.dbutil import fresh_database
from tools.catalog import load_tools
from tools.registry import Caller
from warehouse.seed.access import ROLES, USERS
from warehouse.seed.base import seed_base
from warehouse.seed.synthetic import add_synthetic_history

SPLITS = load_splits()
GOLDEN = [item for items in SPLITS.values() for item in items]  # every split
# the items written before families (the segment items added since carry no family either)
CORE = [item for item in SPLITS["dev"] if item.family is None and not item.id.startswith("segment-")]
SEMANTIC = {"query_metrics", "lookup_attributes"}  # the semantic layer's two tools
FAMILY_KINDS = {"cmp", "rank", "attr", "dir", "multi", "metric", "follow", "clarify", "refuse", "oos"}
TOOLS = {
    "dashboard_summary", "so_status", "sales_summary", "top_customers", "late_orders", "pending_approvals",
    "po_status", "vendor_scores", "active_alerts", "wo_progress", "machine_performance", "maintenance_status",
    "inventory_status", "receivables", "payables_due", "cash_position",
}  # fmt: skip
# Golden users are usernames or WhatsApp numbers of active seeded users.
ACCOUNTS = {
    k: (name, role) for name, _m, _f, role, active, phone, *_ in USERS if active for k in (name, phone)
}
GROUPS = {"director": "executive", "admin": "executive", "john.doe": "manager", "jane.smith": "manager"}
HAS_AGENT = importlib.util.find_spec("agent.factory") is not None


def _turns(items: list[GoldenItem] = GOLDEN) -> list[tuple[GoldenItem, Turn]]:
    return [(item, turn) for item in items for turn in item.turns]


def _caller(user: str) -> Caller:
    name, role = ACCOUNTS[user]
    return Caller(name, role, frozenset(ROLES[role][4]))


def test_golden_ids_are_unique_and_users_exist() -> None:
    assert len({item.id for item in GOLDEN}) == len(GOLDEN)
    assert {item.user for item in GOLDEN} <= set(ACCOUNTS)


def test_golden_size_and_mix() -> None:
    turns = _turns()
    assert len(turns) >= 400
    assert len(_turns(CORE)) == 206  # every item written before the families is kept
    langs = Counter(item.lang for item, _ in turns)
    assert 0.4 <= langs["id"] / len(turns) <= 0.6, langs
    groups = Counter(GROUPS.get(ACCOUNTS[item.user][0], "operator") for item, _ in turns)
    assert groups["executive"] >= 40 and groups["manager"] >= 40 and groups["operator"] >= 25, groups
    assert sum(t.refusal for _, t in turns) >= 15
    assert sum(t.expect.tool is None for _, t in turns) >= 5
    assert sum(item.conversation is not None for item in GOLDEN) >= 10
    assert sum(t.expect.clarify for _, t in turns) >= 10


def test_families_are_paraphrases_in_both_languages_and_both_splits() -> None:
    """Each family asks one meaning 5+ ways, in both languages, with other wordings held out."""
    families: dict[str, dict[str, list[GoldenItem]]] = {}
    for split, items in SPLITS.items():
        for item in items:
            if item.family:
                families.setdefault(item.family, {}).setdefault(split, []).append(item)
    assert {name.split("-", 1)[0] for name in families} == FAMILY_KINDS
    for name, splits in families.items():
        items = [item for group in splits.values() for item in group]
        assert len(items) >= 5 and {item.lang for item in items} == {"id", "en"}, name
        assert set(splits) == {"dev", "heldout"}, f"{name} needs paraphrases in both splits"
        wordings = {
            split: {tuple(t.question for t in i.turns) for i in group} for split, group in splits.items()
        }
        assert not wordings["dev"] & wordings["heldout"], f"{name}: a held-out wording is also in dev"
    new = [t for items in (SPLITS["dev"], SPLITS["heldout"]) for i in items if i.family for t in i.turns]
    held = sum(len(i.turns) for i in SPLITS["heldout"])
    assert 0.25 <= held / len(new) <= 0.4, (held, len(new))
    # Held-out wordings are nowhere in dev, in any family (a reply to a clarification is just a number).
    dev = {_wording(t.question) for _, t in _turns(SPLITS["dev"])}
    held_out = {_wording(t.question) for _, t in _turns(SPLITS["heldout"]) if not t.question.isdigit()}
    assert not dev & held_out


def _wording(question: str) -> str:
    return " ".join(question.casefold().strip(" ?!.").split())


def test_every_tool_is_asked_in_both_languages() -> None:
    asked = Counter((tool, item.lang) for item, t in _turns() if not t.refusal for tool in t.expect.tools)
    for tool in TOOLS:
        for lang in ("id", "en"):
            assert asked[(tool, lang)] >= 3, f"{tool} asked {asked[(tool, lang)]} times in {lang}"


def test_expected_tools_and_arguments_exist() -> None:
    """Expected tools exist; arguments (checked for the first tool) are that tool's, or the catalog's."""
    registry = load_tools()
    for item, turn in _turns():
        tools = turn.expect.tools
        assert set(tools) <= (TOOLS & set(registry.tools)) | SEMANTIC, item.id
        if not tools or not turn.expect.args:
            continue
        if tools[0] in SEMANTIC:
            assert _semantic_needs(tools[0], turn.expect.args) is not None, item.id
            continue
        fields = registry.get(tools[0]).args_model.model_fields
        assert set(turn.expect.args) <= set(fields), f"{item.id}: {set(turn.expect.args) - set(fields)}"


def _semantic_needs(tool: str, args: dict[str, Any]) -> list[str | tuple[str, ...]] | None:
    """The permissions the catalog names for a query's metrics or a lookup's attributes (unknown: error)."""
    if tool == "query_metrics":
        assert set(args) <= {"metrics", "group_by", "filters", "period", "compare", "order", "limit"}
        assert set(args.get("group_by", [])) <= set(CATALOG.dimensions)
        return [CATALOG.metrics[m].permission for m in args.get("metrics", [])]
    assert set(args) <= {"entity", "codes", "attributes"} and args["entity"] in {
        "customer", "item", "vendor", "machine", "warehouse"
    }  # fmt: skip
    attributes = [CATALOG.attributes[a] for a in args.get("attributes", [])]
    assert all(a.entity == args["entity"] for a in attributes)
    return [a.permission for a in attributes]


def test_refusals_and_only_refusals_ask_beyond_the_role() -> None:
    """Every listed tool, and every metric or attribute named, is allowed exactly when no refusal is due."""
    registry = load_tools()
    for item, turn in _turns():
        if not turn.expect.tools:
            continue
        caller = _caller(item.user)
        checks = [registry.allowed(t, caller) for t in turn.expect.tools if t in registry.tools]
        if turn.expect.tools[0] in SEMANTIC:
            needs = _semantic_needs(turn.expect.tools[0], turn.expect.args) or []
            checks += [_holds(need, caller.permissions) for need in needs]
        assert checks, f"{item.id}: nothing tells whether {item.user} may ask this"
        if turn.refusal:
            assert not any(checks), f"{item.id}: {item.user} may ask this"
        else:
            assert all(checks), f"{item.id}: {item.user} may not ask this"


def _holds(need: str | tuple[str, ...], permissions: frozenset[str]) -> bool:
    return any(code in permissions for code in ((need,) if isinstance(need, str) else need))


def test_fact_helpers() -> None:
    assert appears("Rp 32.500.000", "total Rp 32.500.000.", "money")
    assert not appears("Rp 32.500.000", "total Rp 132.500.000", "money")
    assert not appears("IDR 1,250", "IDR 1,250,000", "money")
    assert not appears("3", "MCH-003 and 13 more", "int") and appears("3", "3 customers", "int")
    assert appears("pt maju jaya", "PT Maju Jaya owes", "text")
    assert format_fact(None, "pct", "id") is None
    assert format_fact(8.4999999999, "pct", "id") == "8,5%"
    assert format_fact("2024-12-22", "date", "en") == "22 December 2024"
    assert format_fact(-200.0, "qty", "id") == "-200"
    assert shift_months(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert args_match({"days": 7, "kind": None}, {"days": 7, "kind": None, "vendor": "VND-001"})
    assert not args_match({"by_shift": True}, {"by_shift": 1})
    assert not args_match({"machine": "MCH-003"}, {})
    # Lists and objects match as subsets: extra metrics, a period's label, other filters are fine.
    assert args_match({"metrics": ["sales"]}, {"metrics": ["sales", "orders"], "group_by": []})
    assert args_match({"period": {"start": "2024-12-01"}}, {"period": {"start": "2024-12-01", "label": "x"}})
    assert not args_match({"metrics": ["sales"]}, {"metrics": ["orders"]})
    assert not args_match({"metrics": ["sales"]}, {"metrics": "sales"})
    assert not args_match({"period": {"start": "2024-12-01"}}, {"period": {"start": "2024-11-01"}})
    assert (
        pick_option("Yang mana?\n1. PT Global Tech (pelanggan)\n2. PT Global Supply (vendor)", "supply")
        == "2"
    )
    assert pick_option("1) CV Jaya Abadi", "Maju Jaya") is None and pick_option("no options", "x") is None
    assert render({"start": "{month_start}"}, date_vars(date(2024, 12, 27))) == {"start": "2024-12-01"}


def test_golden_placeholders_and_fact_sql_run(seeded_engine: Engine, spec_today: date) -> None:
    """Every placeholder is defined; every fact returns exactly one value on the sample data, formatted;
    the families' figures are all there and none is a zero."""
    with Session(seeded_engine) as session:
        variables = resolve_vars(session, spec_today)
        dialect = session.get_bind().dialect.name
        values = []
        for item, turn in _turns():
            used = placeholders(turn.question) | placeholders(turn.expect.args)
            for fact in turn.facts + turn.restricted:
                used |= sql_params(fact_sql(fact.sql, dialect))
                value = run_fact(session, fact.sql, variables)
                values.append(format_fact(value, fact.kind, item.lang))
                if item.family:
                    assert value is not None and (fact.kind == "text" or value != 0), (
                        f"{item.id}: {fact.name}"
                    )
            assert used <= set(variables), f"{item.id}: unknown {used - set(variables)}"
    # Only facts over periods the sample data does not cover (synthetic history) may be empty.
    assert sum(v is None for v in values) <= 0.05 * len(values)


def _summary(report: EvalReport) -> str:
    return json.dumps(report.as_json()["failures"], ensure_ascii=False, indent=1)[:6000]


def _assert_passes(report: EvalReport) -> None:
    """Both splits asked; the items before the families pass as before; nothing leaks and nothing crashes."""
    assert report.splits == ["dev", "heldout"]
    assert {k: m.turns for k, m in report.by_split.items()} == {
        name: sum(len(item.turns) for item in items) for name, items in SPLITS.items()
    }
    overall = report.overall
    assert overall.correct + overall.clarified + overall.cant + overall.wrong == overall.turns
    assert overall.leaks == 0, _summary(report)  # permission refusals leak nothing, old items or new
    crashed = [r for r in report.results if r.error and not r.error.startswith("the clarification offered")]
    assert not crashed, _summary(report)
    core_ids = {item.id for item in CORE}
    core = metrics(r for r in report.results if r.item_id in core_ids)
    assert core.turns == sum(len(item.turns) for item in CORE)
    assert core.routing is not None and core.routing >= 0.95, _summary(report)
    assert core.facts == 1.0, _summary(report)
    assert core.refusal == 1.0, _summary(report)
    assert core.wrong == 0, _summary(report)
    # the dev split as a whole: nothing answered wrongly (held-out is reported, never asserted on here,
    # so that the tests do not become a way of tuning on it)
    assert report.by_split["dev"].wrong == 0, _summary(report)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AGENT, reason="the agent is not there yet")
def test_agent_passes_the_golden_set(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    report = run_eval(url, spec_today, tmp_path)
    assert (tmp_path / spec_today.isoformat() / "report.json").is_file()
    markdown = (tmp_path / spec_today.isoformat() / "report.md").read_text(encoding="utf-8")
    assert "## By split" in markdown and "| heldout |" in markdown
    _assert_passes(report)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AGENT, reason="the agent is not there yet")
def test_agent_passes_on_another_day_with_history(tmp_path: Path) -> None:
    """Seeded for another day with synthetic history: relative periods move, older periods fill up."""
    today = date(2025, 3, 14)
    with fresh_database("sqlite", tmp_path) as engine:
        seed_base(engine, today, TZ)
        add_synthetic_history(engine, 1, today)
        report = run_eval(engine.url.render_as_string(hide_password=False), today, tmp_path)
    _assert_passes(report)
    older = [r for r in report.results if r.item_id in ("sales-en-001", "top-en-002", "mch-en-005")]
    assert older and all(r.expected_facts and r.passed for r in older), _summary(report)
    named = [r for r in report.results if r.item_id == "cmp-sales-months-id-01"]
    assert named and named[0].question == "bandingkan penjualan Februari dan Maret"  # month names move too
