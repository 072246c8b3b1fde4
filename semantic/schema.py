"""The model's tools, generated from the catalog: `query_metrics` (a Query), `lookup_attributes` (a Lookup).

Each caller gets only what its permissions allow: the enums list just the metrics, dimensions and
attributes it may ask for, so a model cannot even name a forbidden figure (semantic.access still checks
every call). Descriptions stay short on purpose: a small model's whole context is about 4k tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, get_args

from semantic.access import holds
from semantic.catalog import CATALOG, Catalog
from semantic.model import Attribute, Metric, Words
from semantic.query import Lookup

QUERY_TOOL = "query_metrics"
LOOKUP_TOOL = "lookup_attributes"
ENTITIES: tuple[str, ...] = get_args(Lookup.model_fields["entity"].annotation)
DATE = {"type": "string", "format": "date"}
CODES = {"type": "array", "items": {"type": "string"}}
SPAN = {
    "type": "object",
    "properties": {"start": DATE, "end": DATE, "label": {"type": "string"}},
    "required": ["start", "end"],
    "additionalProperties": False,
}


def metrics_for(permissions: Iterable[str], catalog: Catalog = CATALOG) -> list[Metric]:
    """The visible metrics the permissions cover, in catalog order."""
    held = frozenset(permissions)
    return [m for m in catalog.visible_metrics() if holds(m.permission, held)]


def attributes_for(permissions: Iterable[str], catalog: Catalog = CATALOG) -> list[Attribute]:
    """The entity attributes the permissions cover, in catalog order."""
    held = frozenset(permissions)
    return [a for a in catalog.attributes.values() if holds(a.permission, held)]


def _words(name: str, words: Words) -> str:
    """`name=Indonesian label/English label`, each label left out where it only repeats the name."""
    said = {name.replace("_", " ").lower()}
    labels = []
    for label in (words.id, words.en):
        if label.lower() not in said:
            labels.append(label)
            said.add(label.lower())
    return "=".join([name, "/".join(labels)]) if labels else name


def query_tool(
    permissions: Iterable[str], today: date | None = None, catalog: Catalog = CATALOG
) -> dict[str, Any] | None:
    """The OpenAI function definition of `query_metrics` for these permissions (None: no metric allowed)."""
    metrics = metrics_for(permissions, catalog)
    if not metrics:
        return None
    usable = set().union(*(catalog.dims_of(m.name) for m in metrics))
    dims = [d for d in catalog.dimensions.values() if d.name in usable]
    listed = "; ".join(_words(m.name, m.words) + ("*" if m.time == "snapshot" else "") for m in metrics)
    when = f" Today is {today.isoformat()}." if today else ""
    description = (
        f"Exact figures from the factory warehouse, optionally grouped or filtered, over a period.{when} "
        f"Metrics: {listed}. *=balance as of today (no period). "
        "Filters take codes (CUST-001, MCH-003); compare = the period to compare with."
    )
    parameters = {
        "type": "object",
        "properties": {
            "metrics": {
                "type": "array",
                "items": {"enum": [m.name for m in metrics]},
                "minItems": 1,
                "maxItems": 4,
            },
            "group_by": {"type": "array", "items": {"enum": [d.name for d in dims]}, "maxItems": 2},
            "filters": {
                "type": "object",
                "propertyNames": {"enum": [d.name for d in dims if not d.time_grain]},
                "additionalProperties": CODES,
            },
            "period": {"$ref": "#/$defs/span"},
            "compare": {"$ref": "#/$defs/span"},
            "order": {"enum": ["desc", "asc"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        },
        "required": ["metrics"],
        "additionalProperties": False,
        "$defs": {"span": SPAN},
    }
    return _function(QUERY_TOOL, description, parameters)


def lookup_tool(permissions: Iterable[str], catalog: Catalog = CATALOG) -> dict[str, Any] | None:
    """The OpenAI function definition of `lookup_attributes` (None: no attribute allowed)."""
    attributes = attributes_for(permissions, catalog)
    if not attributes:
        return None
    entities = [e for e in ENTITIES if any(a.entity == e for a in attributes)]
    listed = "; ".join(
        f"{e}: " + ", ".join(_words(a.name, a.words) for a in attributes if a.entity == e) for e in entities
    )
    description = f"Facts about named entities, by their codes. Attributes by entity: {listed}."
    parameters = {
        "type": "object",
        "properties": {
            "entity": {"enum": entities},
            "codes": {**CODES, "minItems": 1, "maxItems": 10},
            "attributes": {
                "type": "array",
                "items": {"enum": [a.name for a in attributes]},
                "minItems": 1,
                "maxItems": 6,
            },
        },
        "required": ["entity", "codes", "attributes"],
        "additionalProperties": False,
    }
    return _function(LOOKUP_TOOL, description, parameters)


def model_tools(
    permissions: Iterable[str], today: date | None = None, catalog: Catalog = CATALOG
) -> list[dict[str, Any]]:
    """The semantic tools these permissions allow, `query_metrics` first."""
    held = frozenset(permissions)
    tools = (query_tool(held, today, catalog), lookup_tool(held, catalog))
    return [t for t in tools if t is not None]


def _function(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }
