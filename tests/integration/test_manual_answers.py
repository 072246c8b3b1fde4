"""Technical questions answered from the shipped manuals, with citations (real model and Chroma)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from retrieval.ingest import ingest
from sentient.app import create_app
from sentient.cli import app
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings, get_settings
from textkit.tokens import TokenCounter

MANUALS = Path(__file__).resolve().parents[2] / "manuals"


@pytest.fixture(scope="module")
def chroma_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample manuals ingested once for the module (the embedding model is the slow part)."""
    data = tmp_path_factory.mktemp("kb")
    settings = Settings(_env_file=None, data_dir=data)  # type: ignore[call-arg]
    report = ingest(MANUALS, RetrievalHub(settings).store(), TokenCounter(data / "tiktoken"))
    assert report.added >= 9 and report.chunks_written > 50
    return data


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date, chroma_dir: Path) -> Iterator[TestClient]:
    url = seeded_engine.url.render_as_string(hide_password=False)
    settings = Settings(
        _env_file=None,
        database_url=url,
        factory_today=spec_today,  # type: ignore[call-arg]
        data_dir=chroma_dir,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _ask(client: TestClient, user: str, message: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/chat", json={"user": user, "message": message})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_error_code_answer_is_quoted_and_cited(client: TestClient) -> None:
    body = _ask(client, "operator1", "MCH-003 stops with E-410, what do I check?")
    assert body["tools"][0]["name"] == "search_manuals" and body["language"] == "en"
    top = body["citations"][0]
    assert top["source"] == "mch-003-welding-robot-c1/welding-robot-c1.en.md" and "E-410" in top["section"]
    assert top["section"] in body["answer"] and top["source"] in body["answer"]
    assert "never bypass" in body["answer"].lower()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_indonesian_question_gets_the_indonesian_manual(client: TestClient) -> None:
    body = _ask(client, "operator1", "mesin las MCH-003 error E-410, apa yang harus dicek?")
    assert body["language"] == "id"
    top = body["citations"][0]
    assert top["source"].endswith("welding-robot-c1.id.md") and "E-410" in top["section"]
    assert "Sumber:" in body["answer"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_restricted_procedures_stay_with_their_roles(client: TestClient) -> None:
    query = "replace the wire feeder drive roller procedure"
    as_operator = client.get("/api/search", params={"q": query, "k": 10, "user": "operator1"}).json()
    assert all("maintenance-technician" not in r["source"] for r in as_operator["results"])
    as_manager = client.get("/api/search", params={"q": query, "k": 10, "user": "jane.smith"}).json()
    assert any("maintenance-technician" in r["source"] for r in as_manager["results"])
    assert client.get("/api/search", params={"q": query, "user": "john.doe"}).status_code == 403  # no KB.READ


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_search_command_reads_as_a_users_role_too(seeded_engine: Engine, chroma_dir: Path) -> None:
    env = {
        "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
        "DATA_DIR": str(chroma_dir),
    }
    query = "replace the wire feeder drive roller procedure"

    def sources(*extra: str) -> list[str]:
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["search", query, "--k", "10", "--json", *extra], env=env)
        assert result.exit_code == 0, result.output
        return [r["source"] for r in json.loads(result.stdout)["results"]]

    try:
        assert any("maintenance-technician" in s for s in sources())  # the server's own view: everything
        assert not any("maintenance-technician" in s for s in sources("--user", "operator1"))
        assert any("maintenance-technician" in s for s in sources("--user", "jane.smith"))
        get_settings.cache_clear()
        refused = CliRunner().invoke(app, ["search", query, "--user", "john.doe"], env=env)
        unknown = CliRunner().invoke(app, ["search", query, "--user", "nobody.here"], env=env)
        assert (refused.exit_code, unknown.exit_code) == (1, 2)
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_search_api_filters_and_shapes(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "spindle overload", "k": 3, "machine": "MCH-001"}).json()
    assert len(body["results"]) == 3
    for r in body["results"]:
        assert "MCH-001" in r["machines"] and r["line_start"] <= r["line_end"] and r["text"]
        assert not r["source"].startswith("/")
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    ready = client.get("/readyz").json()["checks"]["vector_store"]
    assert ready["ok"] is True and ready["chunks"] > 50


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sales_manager_cannot_read_manuals(client: TestClient) -> None:
    body = _ask(client, "john.doe", "how do I reset E-101 on the CNC?")
    assert body["refused"] is True and body["citations"] == []
