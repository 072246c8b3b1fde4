"""docker-compose files and the Dockerfile (docker cannot run here: their structure is checked instead)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text())
    assert isinstance(data, dict)
    return data


def named_volumes(service: dict[str, Any]) -> set[str]:
    return {v.split(":")[0] for v in service.get("volumes", []) if not v.startswith((".", "/"))}


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.gpu.yml", "docker-compose.erp.yml"])
def test_every_service_has_a_health_check_and_declared_volumes(name: str) -> None:
    compose = load(name)
    base = load("docker-compose.yml")["services"]  # the GPU file is an overlay on it
    for service_name, service in compose["services"].items():
        full = {**base.get(service_name, {}), **service}
        assert "healthcheck" in full, f"{name}: {service_name} has no health check"
        assert named_volumes(service) <= set(compose.get("volumes", {})), f"{name}: {service_name} volume"


def test_cpu_stack_runs_the_sidecar_in_the_app_and_the_worker_without_a_model() -> None:
    services = load("docker-compose.yml")["services"]
    assert set(services) == {"postgres", "chroma", "app", "worker"}
    assert services["postgres"]["image"] == "postgres:16"
    assert "LLM_BASE_URL" not in services["app"]["environment"]  # unset: the managed local sidecar
    assert services["worker"]["environment"]["LLM_BASE_URL"] == "off"
    assert services["worker"]["command"] == ["sentient", "worker"]
    assert services["app"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_gpu_overlay_serves_qwen_with_tool_calling_and_points_the_app_at_it() -> None:
    services = load("docker-compose.gpu.yml")["services"]
    command = services["vllm"]["command"]
    assert "--enable-auto-tool-choice" in command and "--tool-call-parser=hermes" in command
    assert any("Qwen2.5" in c for c in command)
    assert services["vllm"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    app = services["app"]
    assert app["environment"]["LLM_BASE_URL"] == "http://vllm:8000/v1"
    assert app["depends_on"]["vllm"]["condition"] == "service_healthy"


def test_erp_overlay_runs_mariadb_nats_and_the_sync_worker() -> None:
    services = load("docker-compose.erp.yml")["services"]
    assert set(services) == {"mariadb", "nats", "sync"}
    assert "-js" in services["nats"]["command"]  # JetStream on, its store on a volume
    assert services["sync"]["command"] == ["sentient", "sync", "run", "--yes"]
    env = services["sync"]["environment"]
    assert env["NATS_URL"] == "nats://nats:4222" and "sentient_ro" in env["ERP_DATABASE_URL"]


def test_dockerfile_builds_the_venv_and_serves_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install -c constraints.txt ." in text
    assert "HEALTHCHECK" in text and "/readyz" in text
    assert "sentient serve --host 0.0.0.0" in text
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in (p.rstrip("*") for p in packages["include"]):  # every package the wheel is built from
        assert f"COPY {package} {package}" in text
