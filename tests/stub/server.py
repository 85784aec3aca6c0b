"""The ChEMBL REST stand-in: a stdlib HTTP server over a ChEMBL-schema SQLite file.

It speaks the subset of ``https://www.ebi.ac.uk/chembl/api/data`` that the web backend and the
real ``chembl_webresource_client`` use: ``/spore``, ``/status.json`` and the ``target``, ``assay``,
``activity``, ``molecule`` and ``mechanism`` resources in JSON (collections with ``page_meta``, and
single objects by ChEMBL id). Filters come as GET query strings or as the client's POST body (a JSON
list of ``[key, value]`` pairs, string values percent-quoted, sent with
``X-HTTP-Method-Override: GET``) and are translated to parameterised SQL.

Fault knobs (:class:`Fault`, held by :class:`Faults`, mutable while the server runs) and counters
(:class:`Counters`) exist for the tests and benchmarks.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

BASE_PATH: Final = "/chembl/api/data"
DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = 1000
LOOKUPS: Final = frozenset(
    {"exact", "iexact", "in", "isnull", "gt", "gte", "lt", "lte", "icontains", "contains"}
)
HTML_ERROR: Final = (
    "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"
)

FaultKind = Literal["error", "throttle", "slow", "truncate", "malformed", "drop", "repeat_row"]
Kind = Literal["str", "int", "float", "bool"]
Row = dict[str, Any]


# --------------------------------------------------------------------------------------------------
# Fault knobs and counters


@dataclass
class Fault:
    """One fault rule.

    ``kind``: ``error`` (HTTP ``status``, 500 or 502, with an HTML body), ``throttle`` (429 with
    ``Retry-After: seconds``), ``slow`` (sleep ``seconds`` before answering), ``truncate`` (the JSON
    cut in half, with a matching Content-Length), ``malformed`` (invalid JSON), ``drop`` (the
    connection closed half-way through the body), ``repeat_row`` (the last row of the previous page
    is repeated at the head of this one). A rule matches requests to ``resource`` (any when None;
    ``spore`` and ``status`` count as resources) and, when ``on_offset`` is set, only list requests
    at that page offset. It lets the first ``after`` matching requests pass, then fires ``times``
    times and stops.
    """

    kind: FaultKind
    resource: str | None = None
    on_offset: int | None = None
    after: int = 0
    times: int = 1
    status: int = 500
    seconds: float = 1.0

    def matches(self, resource: str, offset: int | None) -> bool:
        """Whether this request is one the rule looks at (it may still be let through)."""
        if self.times <= 0:
            return False
        if self.resource is not None and self.resource != resource:
            return False
        return self.on_offset is None or self.on_offset == offset


class Faults:
    """A thread-safe, ordered set of :class:`Fault` rules, with a log of what fired."""

    def __init__(self, *rules: Fault) -> None:
        self._lock = threading.Lock()
        self.rules: list[Fault] = list(rules)
        self.fired: list[tuple[FaultKind, str, int | None]] = []

    def add(self, *rules: Fault) -> None:
        """Add rules (they take effect on the next request)."""
        with self._lock:
            self.rules.extend(rules)

    def clear(self) -> None:
        """Drop every rule and the log."""
        with self._lock:
            self.rules.clear()
            self.fired.clear()

    def take(self, kinds: Iterable[FaultKind], resource: str, offset: int | None) -> list[Fault]:
        """The rules of ``kinds`` that fire on this request (each one spends one of its times)."""
        wanted = set(kinds)
        out: list[Fault] = []
        with self._lock:
            for rule in self.rules:
                if rule.kind not in wanted or not rule.matches(resource, offset):
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    continue
                rule.times -= 1
                out.append(rule)
                self.fired.append((rule.kind, resource, offset))
        return out


@dataclass
class Counters:
    """Requests per resource and in total, and response bytes written (headers excluded)."""

    requests: dict[str, int] = field(default_factory=dict)
    total: int = 0
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self, resource: str) -> int:
        """Count one request; return how many ``resource`` has had, this one included."""
        with self._lock:
            self.total += 1
            self.requests[resource] = self.requests.get(resource, 0) + 1
            return self.requests[resource]

    def count_bytes(self, size: int) -> None:
        """Count ``size`` body bytes written."""
        with self._lock:
            self.bytes_sent += size

    def reset(self) -> None:
        """Back to zero."""
        with self._lock:
            self.requests.clear()
            self.total = 0
            self.bytes_sent = 0

    def snapshot(self) -> dict[str, Any]:
        """A copy: ``{"requests": {...}, "total": n, "bytes_sent": n}``."""
        with self._lock:
            return {
                "requests": dict(self.requests),
                "total": self.total,
                "bytes_sent": self.bytes_sent,
            }


# --------------------------------------------------------------------------------------------------
# Resources


@dataclass(frozen=True)
class Column:
    """A filterable field: its SQL expression, its type, and an optional ``IN (subquery)`` wrap."""

    expr: str
    kind: Kind = "str"
    wrap: str | None = None  # e.g. "t.tid IN (SELECT ... WHERE {cond})"


@dataclass(frozen=True)
class Resource:
    """One REST resource over SQL."""

    name: str
    collection: str
    id_field: str
    from_sql: str
    key: str  # primary key expression, the row order
    columns: dict[str, Column]  # fields read straight from SQL, in output order
    filters: dict[str, Column] = field(default_factory=dict)  # extra filter-only fields
    finish: Callable[[sqlite3.Connection, list[Row]], None] | None = None


def _number_text(value: Any) -> str | None:
    return None if value is None else str(value)


def _pchembl(value: Any) -> str | None:
    return None if value is None else f"{float(value):.2f}"


def _phase(value: Any) -> str | None:
    return None if value is None else f"{float(value):.1f}"


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


RELATIONSHIPS: Final = {
    "SINGLE PROTEIN": "SINGLE PROTEIN",
    "PROTEIN FAMILY": "GROUP MEMBER",
    "SELECTIVITY GROUP": "GROUP MEMBER",
    "CHIMERIC PROTEIN": "FUSION PROTEIN",
    "PROTEIN-PROTEIN INTERACTION": "INTERACTING PROTEIN",
}


def _finish_targets(connection: sqlite3.Connection, rows: list[Row]) -> None:
    """Attach ``target_components`` (with their synonyms) to target rows (uses ``_tid``)."""
    tids = [row["_tid"] for row in rows]
    components: dict[int, list[Row]] = {tid: [] for tid in tids}
    synonyms: dict[int, list[Row]] = {}
    if tids:
        found = connection.execute(
            "SELECT tc.tid, cs.component_id, cs.accession, cs.description, cs.component_type "
            "FROM target_components tc JOIN component_sequences cs "
            "ON cs.component_id = tc.component_id "
            f"WHERE tc.tid IN ({_placeholders(len(tids))}) ORDER BY tc.tid, cs.component_id",
            tids,
        ).fetchall()
        ids = sorted({item[1] for item in found})
        if ids:
            for component_id, synonym, syn_type in connection.execute(
                "SELECT component_id, component_synonym, syn_type FROM component_synonyms "
                f"WHERE component_id IN ({_placeholders(len(ids))}) ORDER BY compsyn_id",
                ids,
            ):
                synonyms.setdefault(component_id, []).append(
                    {"component_synonym": synonym, "syn_type": syn_type}
                )
        types = {row["_tid"]: row.get("target_type") for row in rows}
        for tid, component_id, accession, description, component_type in found:
            relationship = RELATIONSHIPS.get(str(types.get(tid)), f"{component_type} SUBUNIT")
            components[tid].append(
                {
                    "accession": accession,
                    "component_description": description,
                    "component_id": component_id,
                    "component_type": component_type,
                    "relationship": relationship,
                    "target_component_synonyms": synonyms.get(component_id, []),
                }
            )
    for row in rows:
        row["target_components"] = components[row["_tid"]]


def _finish_activities(connection: sqlite3.Connection, rows: list[Row]) -> None:
    """Turn the activity-level action type into the API's object (or null)."""
    del connection
    for row in rows:
        name = row.pop("_action_type")
        row["action_type"] = (
            None
            if name is None
            else {
                "action_type": name,
                "description": row.pop("_action_description"),
                "parent_type": row.pop("_action_parent"),
            }
        )
        row.pop("_action_description", None)
        row.pop("_action_parent", None)
        row["standard_value"] = _number_text(row["standard_value"])
        row["pchembl_value"] = _pchembl(row["pchembl_value"])
        row["potential_duplicate"] = _boolean(row["potential_duplicate"])


def _finish_molecules(connection: sqlite3.Connection, rows: list[Row]) -> None:
    """Nest ``molecule_hierarchy`` and ``molecule_structures`` (null when the row is absent)."""
    del connection
    for row in rows:
        row["max_phase"] = _phase(row["max_phase"])
        has_hierarchy = row.pop("_has_hierarchy")
        parent, active = row.pop("_parent"), row.pop("_active")
        row["molecule_hierarchy"] = (
            {
                "active_chembl_id": active,
                "molecule_chembl_id": row["molecule_chembl_id"],
                "parent_chembl_id": parent,
            }
            if has_hierarchy is not None
            else None
        )
        structure = {
            name: row.pop(f"_{name}")
            for name in ("canonical_smiles", "molfile", "standard_inchi", "standard_inchi_key")
        }
        row["molecule_structures"] = structure if row.pop("_has_structure") is not None else None
        qed = row.pop("_qed_weighted")
        has_properties = row.pop("_has_properties")
        row["molecule_properties"] = (
            {"qed_weighted": _number_text(qed)} if has_properties is not None else None
        )


def _finish_alerts(connection: sqlite3.Connection, rows: list[Row]) -> None:
    """Nest the alert and its set, as the API's ``compound_structural_alert`` does."""
    del connection
    for row in rows:
        row["alert"] = {
            "alert_id": row.pop("_alert_id"),
            "alert_name": row.pop("_alert_name"),
            "smarts": row.pop("_smarts"),
            "alert_set": {"set_name": row.pop("_set_name"), "priority": row.pop("_priority")},
        }


def _finish_targets_flags(connection: sqlite3.Connection, rows: list[Row]) -> None:
    _finish_targets(connection, rows)
    for row in rows:
        row["species_group_flag"] = _boolean(row["species_group_flag"])


def _finish_mechanisms(connection: sqlite3.Connection, rows: list[Row]) -> None:
    del connection
    for row in rows:
        row["direct_interaction"] = _boolean(row["direct_interaction"])
        row["max_phase"] = _phase(row["max_phase"])


PARENT_JOIN: Final = (
    "LEFT JOIN molecule_hierarchy h ON h.molregno = m.molregno "
    "LEFT JOIN molecule_dictionary pm ON pm.molregno = h.parent_molregno "
)
_COMPONENT_TIDS: Final = (
    "t.tid IN (SELECT tc.tid FROM target_components tc JOIN component_sequences cs "
    "ON cs.component_id = tc.component_id WHERE {cond})"
)
_SYNONYM_TIDS: Final = (
    "t.tid IN (SELECT tc.tid FROM target_components tc JOIN component_synonyms s "
    "ON s.component_id = tc.component_id WHERE {cond})"
)

RESOURCES: Final = {
    resource.name: resource
    for resource in (
        Resource(
            name="target",
            collection="targets",
            id_field="target_chembl_id",
            from_sql="target_dictionary t",
            key="t.tid",
            columns={
                "_tid": Column("t.tid", "int"),
                "organism": Column("t.organism"),
                "pref_name": Column("t.pref_name"),
                "species_group_flag": Column("t.species_group_flag", "bool"),
                "target_chembl_id": Column("t.chembl_id"),
                "target_type": Column("t.target_type"),
                "tax_id": Column("t.tax_id", "int"),
            },
            filters={
                "target_components__accession": Column("cs.accession", wrap=_COMPONENT_TIDS),
                "target_synonym": Column("s.component_synonym", wrap=_SYNONYM_TIDS),
                "target_components__target_component_synonyms__component_synonym": Column(
                    "s.component_synonym", wrap=_SYNONYM_TIDS
                ),
            },
            finish=_finish_targets_flags,
        ),
        Resource(
            name="assay",
            collection="assays",
            id_field="assay_chembl_id",
            from_sql="assays a LEFT JOIN target_dictionary t ON t.tid = a.tid "
            "LEFT JOIN docs d ON d.doc_id = a.doc_id",
            key="a.assay_id",
            columns={
                "assay_chembl_id": Column("a.chembl_id"),
                "assay_type": Column("a.assay_type"),
                "confidence_score": Column("a.confidence_score", "int"),
                "description": Column("a.description"),
                "document_chembl_id": Column("d.chembl_id"),
                "relationship_type": Column("a.relationship_type"),
                "target_chembl_id": Column("t.chembl_id"),
            },
        ),
        Resource(
            name="activity",
            collection="activities",
            id_field="activity_id",
            from_sql="activities act JOIN molecule_dictionary m ON m.molregno = act.molregno "
            "LEFT JOIN assays a ON a.assay_id = act.assay_id "
            "LEFT JOIN target_dictionary t ON t.tid = a.tid "
            "LEFT JOIN docs d ON d.doc_id = act.doc_id "
            "LEFT JOIN action_type at ON at.action_type = act.action_type " + PARENT_JOIN,
            key="act.activity_id",
            columns={
                "_action_type": Column("act.action_type"),
                "_action_description": Column("at.description"),
                "_action_parent": Column("at.parent_type"),
                "activity_comment": Column("act.activity_comment"),
                "activity_id": Column("act.activity_id", "int"),
                "assay_chembl_id": Column("a.chembl_id"),
                "assay_description": Column("a.description"),
                "assay_type": Column("a.assay_type"),
                "bao_format": Column("a.bao_format"),
                "data_validity_comment": Column("act.data_validity_comment"),
                "document_chembl_id": Column("d.chembl_id"),
                "molecule_chembl_id": Column("m.chembl_id"),
                "parent_molecule_chembl_id": Column("COALESCE(pm.chembl_id, m.chembl_id)"),
                "pchembl_value": Column("act.pchembl_value", "float"),
                "potential_duplicate": Column("act.potential_duplicate", "bool"),
                "standard_relation": Column("act.standard_relation"),
                "standard_type": Column("act.standard_type"),
                "standard_units": Column("act.standard_units"),
                "standard_value": Column("act.standard_value", "float"),
                "target_chembl_id": Column("t.chembl_id"),
            },
            filters={"action_type": Column("act.action_type")},
            finish=_finish_activities,
        ),
        Resource(
            name="molecule",
            collection="molecules",
            id_field="molecule_chembl_id",
            from_sql="molecule_dictionary m " + PARENT_JOIN + "LEFT JOIN molecule_dictionary am "
            "ON am.molregno = h.active_molregno "
            "LEFT JOIN compound_structures cs ON cs.molregno = m.molregno "
            "LEFT JOIN compound_properties cp ON cp.molregno = m.molregno",
            key="m.molregno",
            columns={
                "_has_hierarchy": Column("h.molregno", "int"),
                "_parent": Column("pm.chembl_id"),
                "_active": Column("am.chembl_id"),
                "_has_structure": Column("cs.molregno", "int"),
                "_has_properties": Column("cp.molregno", "int"),
                "_qed_weighted": Column("cp.qed_weighted", "float"),
                "_canonical_smiles": Column("cs.canonical_smiles"),
                "_molfile": Column("cs.molfile"),
                "_standard_inchi": Column("cs.standard_inchi"),
                "_standard_inchi_key": Column("cs.standard_inchi_key"),
                "max_phase": Column("m.max_phase", "float"),
                "molecule_chembl_id": Column("m.chembl_id"),
                "molecule_type": Column("m.molecule_type"),
                "pref_name": Column("m.pref_name"),
            },
            filters={
                "molecule_synonyms__molecule_synonym": Column(
                    "ms.synonyms",
                    wrap="m.molregno IN "
                    "(SELECT ms.molregno FROM molecule_synonyms ms WHERE {cond})",
                ),
                "molecule_hierarchy__parent_chembl_id": Column("pm.chembl_id"),
                "molecule_structures__canonical_smiles": Column("cs.canonical_smiles"),
                "molecule_structures__standard_inchi_key": Column("cs.standard_inchi_key"),
            },
            finish=_finish_molecules,
        ),
        Resource(
            name="compound_structural_alert",
            collection="compound_structural_alerts",
            id_field="cpd_str_alert_id",
            from_sql="compound_structural_alerts csa "
            "JOIN molecule_dictionary m ON m.molregno = csa.molregno "
            "JOIN structural_alerts sa ON sa.alert_id = csa.alert_id "
            "JOIN structural_alert_sets sas ON sas.alert_set_id = sa.alert_set_id",
            key="csa.cpd_str_alert_id",
            columns={
                "cpd_str_alert_id": Column("csa.cpd_str_alert_id", "int"),
                "molecule_chembl_id": Column("m.chembl_id"),
                "_alert_id": Column("sa.alert_id", "int"),
                "_alert_name": Column("sa.alert_name"),
                "_smarts": Column("sa.smarts"),
                "_set_name": Column("sas.set_name"),
                "_priority": Column("sas.priority", "int"),
            },
            finish=_finish_alerts,
        ),
        Resource(
            name="mechanism",
            collection="mechanisms",
            id_field="mec_id",
            from_sql="drug_mechanism dm JOIN molecule_dictionary m ON m.molregno = dm.molregno "
            "LEFT JOIN target_dictionary t ON t.tid = dm.tid " + PARENT_JOIN,
            key="dm.mec_id",
            columns={
                "action_type": Column("dm.action_type"),
                "direct_interaction": Column("dm.direct_interaction", "bool"),
                "max_phase": Column("m.max_phase", "float"),
                "mec_id": Column("dm.mec_id", "int"),
                "mechanism_of_action": Column("dm.mechanism_of_action"),
                "molecule_chembl_id": Column("m.chembl_id"),
                "parent_molecule_chembl_id": Column("COALESCE(pm.chembl_id, m.chembl_id)"),
                "pref_name": Column("m.pref_name"),
                "record_id": Column("dm.record_id", "int"),
                "target_chembl_id": Column("t.chembl_id"),
            },
            finish=_finish_mechanisms,
        ),
    )
}


class BadRequest(Exception):
    """A query the stand-in refuses (HTTP 400)."""


def _coerce(value: str, kind: Kind) -> object:
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered in {"true", "1"}:
            return 1
        if lowered in {"false", "0"}:
            return 0
        raise BadRequest(f"not a boolean: {value!r}")
    if kind in {"int", "float"}:
        try:
            number = float(value)
        except ValueError as exc:
            raise BadRequest(f"not a number: {value!r}") from exc
        return int(number) if kind == "int" and number.is_integer() else number
    return value


def build_where(resource: Resource, params: list[tuple[str, str]]) -> tuple[str, list[object]]:
    """The WHERE clause (``""`` when none) and its bound values for the filter ``params``."""
    clauses: list[str] = []
    values: list[object] = []
    for key, raw in params:
        if key in {"limit", "offset", "only", "format", "order_by"}:
            continue
        name, _, lookup = key.rpartition("__")
        if lookup not in LOOKUPS:
            name, lookup = key, "exact"
        column = resource.filters.get(name) or (
            resource.columns.get(name) if not name.startswith("_") else None
        )
        if column is None:
            raise BadRequest(f"cannot filter {resource.name} on {key!r}")
        expr = column.expr
        if lookup == "isnull":
            is_null = _coerce(raw, "bool")
            cond = f"{expr} IS NULL" if is_null else f"{expr} IS NOT NULL"
        elif lookup == "in":
            items = [item for item in raw.split(",") if item != ""]
            if not items:
                cond = "0"
            else:
                cond = f"{expr} IN ({_placeholders(len(items))})"
                values.extend(_coerce(item, column.kind) for item in items)
        elif lookup in {"icontains", "contains"}:
            cond = (
                f"instr(lower({expr}), lower(?)) > 0"
                if lookup == "icontains"
                else f"instr({expr}, ?) > 0"
            )
            values.append(raw)
        elif lookup == "iexact":
            cond = f"lower({expr}) = lower(?)"
            values.append(raw)
        else:
            operator = {"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[lookup]
            cond = f"{expr} {operator} ?"
            values.append(_coerce(raw, column.kind))
        clauses.append(column.wrap.format(cond=cond) if column.wrap else cond)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def _select(resource: Resource) -> str:
    fields = ", ".join(f'{column.expr} AS "{name}"' for name, column in resource.columns.items())
    return f"SELECT {fields} FROM {resource.from_sql}"


def fetch_rows(
    connection: sqlite3.Connection,
    resource: Resource,
    where: str,
    values: list[object],
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Rows of ``resource`` as API objects, ordered by primary key."""
    sql = f"{_select(resource)}{where} ORDER BY {resource.key}"
    bound = list(values)
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        bound += [limit, offset]
    cursor = connection.execute(sql, bound)
    names = [item[0] for item in cursor.description]
    rows = [dict(zip(names, record, strict=True)) for record in cursor.fetchall()]
    if resource.finish is not None:
        resource.finish(connection, rows)
    for row in rows:
        for name in [name for name in row if name.startswith("_")]:
            del row[name]
    return rows


def count_rows(
    connection: sqlite3.Connection, resource: Resource, where: str, values: list[object]
) -> int:
    """How many rows the filters select."""
    sql = f"SELECT COUNT(*) FROM {resource.from_sql}{where}"
    return int(connection.execute(sql, values).fetchone()[0])


def spore(base_url: str) -> dict[str, Any]:
    """A SPORE description the real client builds itself from."""
    methods: dict[str, Any] = {}
    for resource in RESOURCES.values():
        common = {
            "resource_name": resource.name,
            "collection_name": resource.collection,
            "formats": ["json"],
            "default_format": "application/json",
            "method": "GET",
        }
        methods[f"GET_{resource.name}_dispatch_detail"] = {
            **common,
            "path": f"{BASE_PATH}/{resource.name}/{{{resource.id_field}}}",
            "required_params": [resource.id_field],
        }
        methods[f"GET_{resource.name}_dispatch_list"] = {
            **common,
            "path": f"{BASE_PATH}/{resource.name}",
            "optional_params": ["limit", "offset", "only"],
        }
    return {
        "name": "ChEMBL web services API (local stand-in)",
        "version": "stub",
        "base_url": base_url,
        "formats": ["json"],
        "methods": methods,
    }


# --------------------------------------------------------------------------------------------------
# HTTP


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log."""

    def do_GET(self) -> None:
        self._handle(post=False)

    def do_POST(self) -> None:
        self._handle(post=True)

    # ----------------------------------------------------------------------------------------------

    def _handle(self, post: bool) -> None:
        stub = self.server.stub
        stub.touch()
        split = urlsplit(self.path)
        params = parse_qsl(split.query, keep_blank_values=True)
        body = b""
        if post:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        path = split.path
        if not path.startswith(BASE_PATH + "/"):
            self._send_json(404, {"error_message": f"no such path: {path}"}, "unknown")
            return
        parts = path[len(BASE_PATH) + 1 :].strip("/").split("/")
        head = parts[0].removesuffix(".json")
        resource_name = head if head in {*RESOURCES, "spore", "status"} else "unknown"
        stub.counters.count_request(resource_name)
        if post and self.headers.get("X-HTTP-Method-Override", "").upper() != "GET":
            self._send_json(405, {"error_message": "POST needs X-HTTP-Method-Override: GET"})
            return
        try:
            if post and body:
                params += _body_params(body)
            is_list = resource_name in RESOURCES and len(parts) == 1
            offset = _int_param(params, "offset", 0) if is_list else None
        except BadRequest as exc:
            self._send_json(400, {"error_message": str(exc)}, resource_name)
            return
        faults = stub.faults
        for rule in faults.take(["slow"], resource_name, offset):
            time.sleep(rule.seconds)
        failing = faults.take(["error", "throttle"], resource_name, offset)
        if failing:
            rule = failing[0]
            if rule.kind == "throttle":
                self._send_html(429, "Too Many Requests", {"Retry-After": f"{rule.seconds:g}"})
            else:
                self._send_html(rule.status, f"Server Error ({rule.status})")
            return
        try:
            status, payload = self._answer(resource_name, parts, params, offset)
        except BadRequest as exc:
            status, payload = 400, {"error_message": str(exc)}
        self._send_json(status, payload, resource_name, offset)

    def _answer(
        self,
        resource_name: str,
        parts: list[str],
        params: list[tuple[str, str]],
        offset: int | None,
    ) -> tuple[int, dict[str, Any]]:
        stub = self.server.stub
        if resource_name == "spore" and len(parts) == 1:
            return 200, spore(stub.base_url)
        if resource_name == "status" and len(parts) == 1:
            return 200, stub.status()
        resource = RESOURCES.get(resource_name)
        if resource is None or len(parts) > 2:
            return 404, {"error_message": f"no such resource: {'/'.join(parts)}"}
        only = _only(params)
        with closing(stub.connect()) as connection:
            if len(parts) == 2:
                chembl_id = unquote(parts[1]).removesuffix(".json")
                where, values = build_where(resource, [(resource.id_field, chembl_id)])
                rows = fetch_rows(connection, resource, where, values)
                if not rows:
                    return 404, {
                        "error_message": f"No {resource.name} with {resource.id_field} "
                        f"{chembl_id!r}",
                        "status": 404,
                    }
                return 200, _keep(rows[0], only)
            limit = _int_param(params, "limit", DEFAULT_LIMIT)
            limit = MAX_LIMIT if limit <= 0 or limit > MAX_LIMIT else limit
            start = offset or 0
            if start < 0:
                raise BadRequest("offset must be >= 0")
            where, values = build_where(resource, params)
            total = count_rows(connection, resource, where, values)
            repeat = start > 0 and bool(stub.faults.take(["repeat_row"], resource_name, offset))
            first = start - 1 if repeat else start
            rows = fetch_rows(
                connection, resource, where, values, limit + (1 if repeat else 0), first
            )
        kept = [(k, v) for k, v in params if k not in {"limit", "offset"}]

        def page(at: int) -> str:
            query = urlencode([*kept, ("limit", limit), ("offset", at)])
            return f"{BASE_PATH}/{resource.name}.json?{query}"

        meta = {
            "limit": limit,
            "next": page(start + limit) if start + limit < total else None,
            "offset": start,
            "previous": page(max(start - limit, 0)) if start > 0 else None,
            "total_count": total,
        }
        return 200, {resource.collection: [_keep(row, only) for row in rows], "page_meta": meta}

    # ----------------------------------------------------------------------------------------------

    def _send_html(self, status: int, title: str, headers: dict[str, str] | None = None) -> None:
        body = HTML_ERROR.format(title).encode()
        self._write(status, body, "text/html; charset=utf-8", headers or {})

    def _send_json(
        self,
        status: int,
        payload: dict[str, Any],
        resource_name: str = "unknown",
        offset: int | None = None,
    ) -> None:
        body = json.dumps(payload).encode()
        faults = self.server.stub.faults
        if status == 200:
            for rule in faults.take(["truncate", "malformed", "drop"], resource_name, offset):
                if rule.kind == "truncate":
                    body = body[: len(body) // 2]
                elif rule.kind == "malformed":
                    body = body.replace(b":", b"=", 1) + b"}"
                else:
                    self._drop(status, body)
                    return
        self._write(status, body, "application/json", {})

    def _write(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.server.stub.counters.count_bytes(len(body))  # before the client can see it
        self.wfile.write(body)

    def _drop(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = body[: len(body) // 2]
        self.server.stub.counters.count_bytes(len(half))
        self.wfile.write(half)
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _body_params(body: bytes) -> list[tuple[str, str]]:
    """The client's POST body: a JSON list of ``[key, value]`` pairs (or an object)."""
    try:
        data = json.loads(body)
    except ValueError:
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    pairs: Iterable[Any] = data.items() if isinstance(data, dict) else data
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise BadRequest(f"not a [key, value] pair: {pair!r}")
        key, value = pair
        out.append((str(key), _text(value)))
    return out


def _text(value: object) -> str:
    """A POST value as the query-string text it stands for (the client percent-quotes strings)."""
    if isinstance(value, str):
        return unquote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_text(item) for item in value)
    return str(value)


def _int_param(params: list[tuple[str, str]], name: str, default: int) -> int:
    found = [value for key, value in params if key == name]
    if not found or found[-1] == "":
        return default
    try:
        return int(found[-1])
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer: {found[-1]!r}") from exc


def _only(params: list[tuple[str, str]]) -> list[str]:
    return [
        name.strip()
        for key, value in params
        if key == "only"
        for name in value.split(",")
        if name.strip()
    ]


def _keep(row: Row, only: list[str]) -> Row:
    return {key: value for key, value in row.items() if key in only} if only else row


# --------------------------------------------------------------------------------------------------
# The server object


class StubServer:
    """The stand-in on 127.0.0.1 (a free port by default), served from a daemon thread.

    Use it as a context manager; it also stops by itself after ``idle_timeout`` seconds without a
    request. ``faults`` and ``counters`` may be changed while it runs; ``release`` overrides the
    version name ``/status`` reports (a release change).
    """

    def __init__(
        self,
        db: Path | str,
        *,
        port: int = 0,
        faults: Faults | None = None,
        idle_timeout: float | None = 600.0,
    ) -> None:
        self.db = Path(db)
        if not self.db.is_file():
            raise FileNotFoundError(self.db)
        self.faults = faults if faults is not None else Faults()
        self.counters = Counters()
        self.release: str | None = None
        self.idle_timeout = idle_timeout
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self._last = time.monotonic()

    # lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in the background."""
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.stub = self
        self._httpd = httpd
        self._stopped.clear()
        self.touch()
        serving = threading.Thread(target=httpd.serve_forever, args=(0.1,), daemon=True)
        watching = threading.Thread(target=self._watch_idle, daemon=True)
        self._threads = [serving, watching]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        httpd = self._httpd
        if httpd is not None:
            if threading.current_thread() is not self._threads[0]:
                httpd.shutdown()
            httpd.server_close()

    @property
    def running(self) -> bool:
        """Whether it still serves."""
        return self._httpd is not None and not self._stopped.is_set()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def touch(self) -> None:
        """Note activity (resets the idle timer)."""
        self._last = time.monotonic()

    def _watch_idle(self) -> None:
        while not self._stopped.wait(0.5):
            if self.idle_timeout and time.monotonic() - self._last > self.idle_timeout:
                self.stop()

    # addresses and data --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            raise RuntimeError("the stub server is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/chembl/api/data``."""
        return f"http://127.0.0.1:{self.port}{BASE_PATH}"

    def connect(self) -> sqlite3.Connection:
        """A read-only connection to the database (one per request)."""
        return sqlite3.connect(f"{self.db.resolve().as_uri()}?mode=ro", uri=True)

    def set_release(self, name: str | None) -> None:
        """Make ``/status`` report ``name`` (None: the database's own version)."""
        self.release = name

    def status(self) -> dict[str, Any]:
        """The ``/status.json`` payload."""
        with closing(self.connect()) as connection:
            found = connection.execute("SELECT name, creation_date FROM version").fetchone()
        name, created = (found[0], found[1]) if found else ("unknown", None)
        return {
            "api_version": "stub",
            "chembl_db_version": self.release or name,
            "chembl_release_date": created,
            "status": "UP",
        }
