"""Alert wording by the model: used when it passes the checks, the template otherwise; bounded per run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import pytest

from alerts.model_phrasing import ModelPhraser
from alerts.outbox import Phraser
from alerts.phrasing import body, message
from alerts.types import Finding
from models.fakes import ScriptedModel, answer
from models.port import ModelUnavailable

REJECT = Finding(
    key="reject_rate:MCH-003:2024-12-27",
    rule="reject_rate",
    module="PROD",
    alert_type="REJECT_RATE",
    severity="High",
    facts={
        "machine": "MCH-003",
        "rate_pct": Decimal("8.5"),
        "threshold_pct": Decimal("5"),
        "day": date(2024, 12, 27),
        "shifts": "1, 2, 3",
        "reject_qty": Decimal("153"),
        "output_qty": Decimal("1800"),
    },
)


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


MADE: list[ModelPhraser] = []


@pytest.fixture(autouse=True)
def _close_phrasers() -> Iterator[None]:
    yield
    while MADE:
        MADE.pop().close()


def phraser(model: ScriptedModel | None, clock: Callable[[], float] | None = None) -> ModelPhraser:
    p = ModelPhraser(lambda: model, timeout_s=5, run_budget_s=30, clock=clock or Clock())
    MADE.append(p)
    p.begin_run()
    return p


def test_a_grounded_model_sentence_is_used_once_per_kind_of_reader(
    scripted: Callable[..., ScriptedModel],
) -> None:
    said = "MCH-003 rejects 8,5% today (limit 5%): 153 of 1.800 pieces. Please check the mould."
    model = scripted(answer(said))
    p = phraser(model)
    assert p(REJECT, "OPERATOR", "en", "operator") == said
    assert p(REJECT, "OPERATOR", "en", "operator") == said  # a second operator: no second call
    assert len(model.calls) == 1 and p.stats == {"model": 2, "template": 0}
    sent = message(REJECT, "en", "operator", said)
    assert sent.startswith("[ALERT HIGH] MCH-003 rejects") and sent.endswith("log the cause.")


def test_an_invented_figure_or_a_dropped_one_gives_the_template(
    scripted: Callable[..., ScriptedModel],
) -> None:
    model = scripted(
        answer("MCH-003 rejects 27.4% today, far above the limit."),  # 27.4 % is nowhere in the facts
        answer("Please check the machine soon."),  # no machine, no rate: says nothing
    )
    p = phraser(model)
    assert p(REJECT, "OPERATOR", "en", "operator") == body(REJECT, "en")
    assert p(REJECT, "DIRECTOR", "id", "executive") == body(REJECT, "id")
    assert p.stats == {"model": 0, "template": 2}


def test_model_down_or_no_model_gives_the_template(scripted: Callable[..., ScriptedModel]) -> None:
    p = phraser(scripted(ModelUnavailable("connection refused")))
    assert p(REJECT, "OPERATOR", "en", "operator") == body(REJECT, "en")
    assert phraser(None)(REJECT, "OPERATOR", "en", "operator") == body(REJECT, "en")


def test_the_run_budget_stops_model_calls(scripted: Callable[..., ScriptedModel]) -> None:
    clock = Clock()
    said = "MCH-003: reject rate 8.5% against 5%, 153 of 1,800."
    model = scripted(answer(said))
    p = phraser(model, clock)
    assert p(REJECT, "MANAGER_PROD", "en", "manager") == said
    clock.now = 31.0  # the run's 30 s budget is spent: templates for the rest, no call made
    assert p(REJECT, "OPERATOR", "id", "operator") == body(REJECT, "id")
    assert len(model.calls) == 1


def test_phraser_matches_the_outbox_hook() -> None:
    hook: Phraser = phraser(None)  # the type the outbox writer accepts
    assert hook(REJECT, "OPERATOR", "id", "operator") == body(REJECT, "id")


def test_the_data_recited_back_is_not_an_alert(scripted: Callable[..., ScriptedModel]) -> None:
    """Seen with SmolLM2: the prompt's facts echoed as markup; every figure is right, so grounding passes."""
    echo = '<alert> {"machine": "MCH-003", "rate_pct": "8.5%", "threshold_pct": "5%"} </alert>'
    p = phraser(scripted(answer(echo), answer("MCH-003 rate_pct 8.5% threshold_pct 5%")))
    assert p(REJECT, "OPERATOR", "en", "operator") == body(REJECT, "en")
    assert p(REJECT, "DIRECTOR", "en", "executive") == body(REJECT, "en")
