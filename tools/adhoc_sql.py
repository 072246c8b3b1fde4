"""First filter of the ad-hoc query tool: a strict tokenizer and allow-list check of model-written SQL.

This is a filter, not the defence: PostgreSQL runs the statement as a role that can read only the views,
SQLite under an authorizer (tools/adhoc_run.py). The filter keeps the plain cases out early and with a
clear reason: one SELECT (or WITH ... SELECT), relations only from the view allow-list, functions only
from a small list, no comments, no quoted identifiers, no dialect string forms, no statement keywords.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

# Aggregates, window functions and scalar helpers a report needs, on either database.
FUNCTIONS = frozenset(
    {
        "count", "sum", "avg", "min", "max", "coalesce", "nullif", "ifnull", "greatest", "least",
        "round", "abs", "ceil", "ceiling", "floor", "sign", "mod", "power", "sqrt",
        "lower", "upper", "length", "char_length", "substr", "substring", "trim", "ltrim", "rtrim",
        "replace", "concat", "instr", "strpos",
        "date", "strftime", "julianday", "date_trunc", "date_part", "to_char",
        "row_number", "rank", "dense_rank", "ntile", "lag", "lead", "first_value", "last_value",
        "percent_rank", "cume_dist", "string_agg", "group_concat", "stddev", "stddev_samp",
        "stddev_pop", "variance", "percentile_cont", "percentile_disc",
    }
)  # fmt: skip
# SQLite implements these operators as functions; its authorizer sees them as such.
SQLITE_OPERATOR_FUNCTIONS = frozenset({"like", "glob"})
# Keywords that may stand before "(" without being a function call.
PAREN_KEYWORDS = frozenset(
    {
        "in", "exists", "as", "over", "filter", "cast", "extract", "any", "some", "all", "not", "and",
        "or", "when", "then", "else", "on", "using", "select", "where", "from", "union", "intersect",
        "except", "by", "distinct", "is", "between", "like", "ilike", "group", "having", "limit",
        "offset", "case", "within",
    }
)  # fmt: skip
# Statement and clause keywords that have no business in a read-only report query.
FORBIDDEN = frozenset(
    {
        "insert", "update", "delete", "merge", "upsert", "drop", "alter", "create", "truncate", "grant",
        "revoke", "copy", "set", "reset", "show", "begin", "commit", "rollback", "savepoint", "release",
        "start", "transaction", "abort", "attach", "detach", "pragma", "vacuum", "analyze", "analyse",
        "explain", "reindex", "lock", "call", "do", "execute", "exec", "prepare", "deallocate", "listen",
        "notify", "unlisten", "load", "discard", "checkpoint", "cluster", "refresh", "security", "into",
        "table", "recursive", "for", "only", "lateral", "returning", "conflict", "values", "declare",
        "cursor", "comment", "import", "shutdown", "waitfor", "sleep", "benchmark", "materialized",
    }
)  # fmt: skip
# Types that take a modifier in parentheses, as in CAST(x AS NUMERIC(18, 2)) or x::varchar(20).
TYPES = frozenset({"numeric", "decimal", "varchar", "char", "character"})
# The database clock is not the business date: queries use the :today parameter instead.
CLOCK = frozenset({"current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "now"})
# Keywords that end a FROM list at the same nesting level.
FROM_END = frozenset(
    {
        "where",
        "group",
        "having",
        "order",
        "limit",
        "offset",
        "union",
        "intersect",
        "except",
        "window",
        "fetch",
    }
)
# CTE names may not shadow views or look like warehouse or system relations.
RESERVED_PREFIXES = ("v_", "m_", "t_", "adm_", "log_", "ai_", "pg_", "sqlite_", "information_schema")

_TOKEN = re.compile(
    r"""
      (?P<ws>[ \t\r\n]+)
    | (?P<comment>--|/\*)
    | (?P<str>'(?:[^']|'')*')
    | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<cast>::)
    | (?P<param>:[A-Za-z][A-Za-z0-9_]*)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|<>|!=|\|\||[(),.;+\-*/%=<>])
    """,
    re.VERBOSE | re.ASCII,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


class SqlRefused(Exception):
    """The query was refused before reaching the database; message is safe to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Token:
    """A lexical token: kind (str, num, cast, param, ident, op), text, and lower-cased text for idents."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        """Lower-cased text (SQL keywords and unquoted names are case-insensitive)."""
        return self.text.lower()


@dataclass
class _Frame:
    """One parenthesis level: what opened it, CTE names it declares, whether a FROM list is open."""

    kind: str = "top"  # top, group, call, extract
    cte_name: str | None = None
    ctes: set[str] = field(default_factory=set)
    in_from: bool = False
    expect_cte: bool = False


@dataclass(frozen=True)
class CheckedSql:
    """A query that passed the filter: its text ready for SQLAlchemy text(), views read, parameters."""

    sql: str
    views: tuple[str, ...]
    params: frozenset[str]


def _name(text: str) -> str:
    """An identifier quoted into a message only when it is a plain name (never echo arbitrary input)."""
    low = text.lower()
    return f" '{low}'" if _SAFE_NAME.match(low) else ""


def tokenize(sql: str) -> list[Token]:
    """Split SQL into significant tokens; anything outside the small accepted lexicon is refused."""
    if _CONTROL.search(sql):
        raise SqlRefused("invalid_sql", "The query contains control characters.")
    tokens: list[Token] = []
    pos = 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise SqlRefused("invalid_sql", f"Unsupported character at position {pos}.")
        kind = m.lastgroup or ""
        if kind == "comment":
            raise SqlRefused("invalid_sql", "Comments are not allowed in queries.")
        if kind == "str" and tokens and tokens[-1].end == m.start() and tokens[-1].kind in ("ident", "num"):
            raise SqlRefused("invalid_sql", "Prefixed string literals (E'', U&'', X'') are not supported.")
        if kind != "ws":
            tokens.append(Token(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return tokens


def check_sql(sql: str, views: Collection[str], max_chars: int = 4000) -> CheckedSql:
    """Refuse anything but one SELECT over the given views; return the query ready to wrap and run."""
    if len(sql) > max_chars:
        raise SqlRefused("invalid_sql", f"The query is longer than {max_chars} characters.")
    tokens = tokenize(sql)
    if tokens and tokens[-1].text == ";":
        tokens = tokens[:-1]
    if not tokens:
        raise SqlRefused("invalid_sql", "The query is empty.")
    if any(t.text == ";" for t in tokens):
        raise SqlRefused("not_allowed", "Only one statement is allowed.")
    if tokens[0].kind != "ident" or tokens[0].low not in ("select", "with"):
        raise SqlRefused("not_allowed", "Only SELECT queries (optionally starting with WITH) are allowed.")
    used = _Walker(tokens, {v.lower() for v in views}).walk()
    if not used:
        raise SqlRefused("not_allowed", "The query must read at least one reporting view (v_*).")
    params = frozenset(t.text[1:] for t in tokens if t.kind == "param")
    return CheckedSql(_render(sql, tokens), tuple(sorted(used)), params)


def _render(sql: str, tokens: list[Token]) -> str:
    """The query as written (only whitespace lies between tokens), minus a trailing ';', with colons
    inside string literals escaped so that SQLAlchemy's text() finds no bind parameter there."""
    parts: list[str] = []
    for prev, tok in zip([None, *tokens[:-1]], tokens, strict=True):
        if prev is not None:
            parts.append(sql[prev.end : tok.start])
        parts.append(tok.text.replace(":", "\\:") if tok.kind == "str" else tok.text)
    return "".join(parts)


class _Walker:
    """One pass over the tokens with a stack of parenthesis frames."""

    def __init__(self, tokens: list[Token], views: set[str]) -> None:
        self.tokens, self.views = tokens, views
        self.frames = [_Frame()]
        self.used: set[str] = set()
        self.pending_cte: str | None = None

    def at(self, i: int) -> Token | None:
        """The token at index i, or None past either end."""
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def walk(self) -> set[str]:
        """Check every token; return the views the query reads."""
        for i, tok in enumerate(self.tokens):
            if tok.kind == "ident":
                self._ident(i, tok)
            elif tok.text == "(":
                self._open(i)
            elif tok.text == ")":
                self._close(i)
            elif tok.text == "," and self.frames[-1].in_from:
                self._relation(i + 1)
        if len(self.frames) != 1:
            raise SqlRefused("invalid_sql", "Unbalanced parentheses.")
        return self.used

    def _ident(self, i: int, tok: Token) -> None:
        low, frame, nxt = tok.low, self.frames[-1], self.at(i + 1)
        if low in CLOCK:
            raise SqlRefused("invalid_sql", "Use the :today parameter (the business date), not the clock.")
        if low in FORBIDDEN:
            raise SqlRefused("not_allowed", f"The keyword{_name(low)} is not allowed in a report query.")
        if frame.expect_cte:
            self._cte(i, tok)
        elif nxt is not None and nxt.text == "(":
            prev = self.at(i - 1)
            if prev is not None and prev.text == ".":
                raise SqlRefused("not_allowed", "Schema-qualified function names are not allowed.")
            type_modifier = prev is not None and (prev.kind == "cast" or prev.low == "as") and low in TYPES
            if low not in PAREN_KEYWORDS and low not in FUNCTIONS and not type_modifier:
                raise SqlRefused("not_allowed", f"The function{_name(low)} is not allowed.")
        if low == "with":
            frame.expect_cte = True
        elif low == "select":
            frame.in_from = False
        elif low == "join" or (low == "from" and frame.kind != "extract" and not self._distinct_from(i)):
            frame.in_from = True
            self._relation(i + 1)
        elif low == "in" and nxt is not None and nxt.kind == "ident":
            self._relation(i + 1)  # SQLite reads `x IN some_table` as a subquery over that table
        elif low in FROM_END:
            frame.in_from = False

    def _distinct_from(self, i: int) -> bool:
        """Whether FROM at i is part of IS [NOT] DISTINCT FROM (a comparison, not a relation)."""
        before, distinct = self.at(i - 2), self.at(i - 1)
        return (
            distinct is not None
            and distinct.low == "distinct"
            and before is not None
            and before.low
            in (
                "is",
                "not",
            )
        )

    def _cte(self, i: int, tok: Token) -> None:
        as_tok, paren = self.at(i + 1), self.at(i + 2)
        if as_tok is None or as_tok.low != "as" or paren is None or paren.text != "(":
            raise SqlRefused("invalid_sql", "Write common table expressions as WITH name AS (SELECT ...).")
        if tok.low.startswith(RESERVED_PREFIXES) or tok.low in PAREN_KEYWORDS | FUNCTIONS:
            raise SqlRefused("not_allowed", f"The name{_name(tok.low)} cannot be used for a WITH query.")
        self.frames[-1].expect_cte = False
        self.pending_cte = tok.low

    def _open(self, i: int) -> None:
        prev = self.at(i - 1)
        kind = "group"
        if prev is not None and prev.kind == "ident":
            kind = "extract" if prev.low == "extract" else "call" if prev.low in FUNCTIONS else "group"
        self.frames.append(_Frame(kind=kind, cte_name=self.pending_cte))
        self.pending_cte = None

    def _close(self, i: int) -> None:
        if len(self.frames) == 1:
            raise SqlRefused("invalid_sql", "Unbalanced parentheses.")
        closed = self.frames.pop()
        if closed.cte_name is not None:
            # Visible only after its own body (non-recursive WITH): inside it the name meant something else.
            self.frames[-1].ctes.add(closed.cte_name)
            nxt = self.at(i + 1)
            self.frames[-1].expect_cte = nxt is not None and nxt.text == ","

    def _relation(self, i: int) -> None:
        """The token at i is where a relation is named: a view, a visible CTE or a subquery."""
        tok, nxt = self.at(i), self.at(i + 1)
        if tok is None:
            raise SqlRefused("invalid_sql", "The query ends where a view name should follow.")
        if tok.text == "(":
            if nxt is None or nxt.low not in ("select", "with"):
                raise SqlRefused("not_allowed", "Only views or (SELECT ...) subqueries may follow FROM/JOIN.")
            return
        if tok.kind != "ident":
            raise SqlRefused("invalid_sql", "A view name must follow FROM/JOIN.")
        if nxt is not None and nxt.text in (".", "("):
            raise SqlRefused(
                "not_allowed", "Only the reporting views may be read (no schemas, no functions)."
            )
        if tok.low in self.views:
            self.used.add(tok.low)
        elif not any(tok.low in f.ctes for f in self.frames):
            raise SqlRefused(
                "not_allowed", f"Only the reporting views may be read;{_name(tok.low)} is not one."
            )
