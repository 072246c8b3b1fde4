"""The evaluation: the golden set is well formed, its fact SQL runs on both databases, the agent passes it."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from datetime import date
from pathlib import Path

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
from eval.golden import GoldenItem, Turn, load_golden
from eval.report import EvalReport
from eval.runner import args_match, run_eval
from tests.conftest import TZ
from tests.dbutil import fresh_database
from tools.catalog import load_tools
from tools.registry import Caller
from warehouse.seed.access import ROLES, USERS
from warehouse.seed.base import seed_base
from warehouse.seed.synthetic import add_synthetic_history

GOLDEN = load_golden()
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


def _turns() -> list[tuple[GoldenItem, Turn]]:
    return [(item, turn) for item in GOLDEN for turn in item.turns]


def _caller(user: str) -> Caller:
    name, role = ACCOUNTS[user]
    return Caller(name, role, frozenset(ROLES[role][4]))


def test_golden_ids_are_unique_and_users_exist() -> None:
    assert len({item.id for item in GOLDEN}) == len(GOLDEN)
    assert {item.user for item in GOLDEN} <= set(ACCOUNTS)


def test_golden_size_and_mix() -> None:
    turns = _turns()
    assert len(turns) >= 150
    langs = Counter(item.lang for item, _ in turns)
    assert 0.4 <= langs["id"] / len(turns) <= 0.6, langs
    groups = Counter(GROUPS.get(ACCOUNTS[item.user][0], "operator") for item, _ in turns)
    assert groups["executive"] >= 40 and groups["manager"] >= 40 and groups["operator"] >= 25, groups
    assert sum(t.refusal for _, t in turns) >= 15
    assert sum(t.expect.tool is None for _, t in turns) >= 5
    assert sum(item.conversation is not None for item in GOLDEN) >= 10


def test_every_tool_is_asked_in_both_languages() -> None:
    asked = Counter((t.expect.tool, item.lang) for item, t in _turns() if not t.refusal)
    for tool in TOOLS:
        for lang in ("id", "en"):
            assert asked[(tool, lang)] >= 3, f"{tool} asked {asked[(tool, lang)]} times in {lang}"


def test_expected_tools_and_arguments_exist() -> None:
    registry = load_tools()
    for item, turn in _turns():
        if turn.expect.tool is None:
            continue
        assert turn.expect.tool in TOOLS & set(registry.tools), item.id
        fields = registry.get(turn.expect.tool).args_model.model_fields
        assert set(turn.expect.args) <= set(fields), f"{item.id}: {set(turn.expect.args) - set(fields)}"


def test_refusals_and_only_refusals_ask_beyond_the_role() -> None:
    registry = load_tools()
    for item, turn in _turns():
        if turn.expect.tool is None:
            continue
        allowed = registry.allowed(turn.expect.tool, _caller(item.user))
        assert allowed != turn.refusal, f"{item.id}: {item.user} may run {turn.expect.tool}: {allowed}"


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
    assert render({"start": "{month_start}"}, date_vars(date(2024, 12, 27))) == {"start": "2024-12-01"}


def test_golden_placeholders_and_fact_sql_run(seeded_engine: Engine, spec_today: date) -> None:
    """Every placeholder is defined; every fact returns exactly one value on the sample data, formatted."""
    with Session(seeded_engine) as session:
        variables = resolve_vars(session, spec_today)
        dialect = session.get_bind().dialect.name
        values = []
        for item, turn in _turns():
            used = placeholders(turn.question) | placeholders(turn.expect.args)
            for fact in turn.facts + turn.restricted:
                used |= sql_params(fact_sql(fact.sql, dialect))
                values.append(format_fact(run_fact(session, fact.sql, variables), fact.kind, item.lang))
            assert used <= set(variables), f"{item.id}: unknown {used - set(variables)}"
    # Only facts over periods the sample data does not cover (synthetic history) may be empty.
    assert sum(v is None for v in values) <= 0.05 * len(values)


def _summary(report: EvalReport) -> str:
    return json.dumps(report.as_json()["failures"], ensure_ascii=False, indent=1)[:6000]


def _assert_passes(report: EvalReport) -> None:
    overall = report.overall
    assert overall.turns == sum(len(item.turns) for item in GOLDEN)
    assert overall.leaks == 0, _summary(report)
    assert overall.routing is not None and overall.routing >= 0.95, _summary(report)
    assert overall.facts == 1.0, _summary(report)
    assert overall.refusal == 1.0, _summary(report)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_AGENT, reason="the agent is not there yet")
def test_agent_passes_the_golden_set(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    url = seeded_engine.url.render_as_string(hide_password=False)
    report = run_eval(url, spec_today, tmp_path)
    assert (tmp_path / spec_today.isoformat() / "report.json").is_file()
    assert (tmp_path / spec_today.isoformat() / "report.md").is_file()
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
