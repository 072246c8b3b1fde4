"""Observability over HTTP: GET /metrics (definitions in telemetry/), request ids, JSON logs."""
