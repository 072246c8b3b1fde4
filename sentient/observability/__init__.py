"""Observability: Prometheus metrics, JSON logs with a request id."""
