"""Prometheus metric definitions: a leaf every layer may import (it imports nothing of ours).

The HTTP side (GET /metrics, request timing middleware) stays in sentient/observability/."""
