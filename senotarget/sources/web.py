"""The ``web`` source: the ChEMBL REST API through ``chembl-webresource-client``.

The client is configured before ``new_client`` is imported (importing it fetches ``/spore``), and
imported lazily inside this backend only. Its query objects build the requests (Django-style
filters, ``.only()`` field lists, 1000 rows a page: the server's maximum, against the client's
default of 20), but this backend owns the session and the page loop, because the client's urllib3
retries never apply to its POST list queries and its cache stores error pages:

* each page is fetched with finite connect/read timeouts and retried with exponential backoff,
  honouring ``Retry-After`` on 429; a failed page is retried from its own offset (the pages
  already read are kept: resume, not restart); rows are de-duplicated by primary key (a row that
  moved between pages is read once);
* replies are cached with requests-cache in a SQLite file under the cache folder whose name holds
  the ChEMBL release (a new release misses every old page); the POST body is part of the key and
  only 200 replies whose body is valid JSON are stored, so a fault is never cached as data;
* id lists are chunked so each query stays under the client's URL limit.

ChEMBL REST documentation: https://chembl.gitbook.io/chembl-interface-documentation/web-services
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import ChemblSourceError
from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    ComponentCols,
    MechanismCols,
    MoleculeCols,
)
from senotarget.util.batches import batched

if TYPE_CHECKING:
    import pandas as pd
    import requests

__all__ = ["WebSource"]

logger = logging.getLogger(__name__)

PAGE_SIZE: Final = 1000
#: Attempts after the first for one page, and the first backoff wait (doubled each time).
RETRIES = 6
BACKOFF = 1.0
#: Seconds a cached ``/status`` reply is trusted: a warm re-run within it asks nothing of the API;
#: after it the release is checked again, and a new release misses every cached page.
STATUS_TTL = 3600.0
#: Characters of comma-joined ids per query, under the client's MAX_URL_SIZE of 4000.
MAX_ID_CHARS: Final = 3000
_LOCK: Final = threading.Lock()  # the client's Settings are a process-wide singleton
_CLIENTS: dict[str, Any] = {}


def _json_ok(response: requests.Response) -> bool:
    """Cache filter: a 200 reply whose body parses as JSON; anything else is never stored."""
    if response.status_code != 200:
        return False
    try:
        json.loads(response.content)
    except ValueError:
        return False
    return True


class WebSource:
    """ChEMBL through its REST API (or the local stand-in in tests).

    :param base_url: API base, e.g. ``https://www.ebi.ac.uk/chembl/api/data``
    :param cache_dir: folder of the requests-cache files (``None``: no cache)
    :param timeout: (connect, read) seconds for every request
    :param retries: attempts after the first for one page (default :data:`RETRIES`)
    :param backoff: first wait in seconds, doubled after each failed attempt, at most 60 s
        (default :data:`BACKOFF`)
    :param page_size: rows per page (the API's maximum, 1000, unless a test wants more pages)
    :param status_ttl: seconds a cached ``/status`` is trusted (default :data:`STATUS_TTL`)
    :param offline: answer from the cache only, sending nothing: the release is the last one seen
        at this URL, and every page not in the cache is listed by :meth:`missing`
    :param use_only: ask for the needed fields only (``False``: every field, the client's default;
        for the benchmark that compares the two)
    :raises ChemblSourceError: the API cannot be reached, or does not look like ChEMBL
    """

    def __init__(
        self,
        base_url: str,
        *,
        cache_dir: Path | None,
        timeout: tuple[float, float] = (10.0, 120.0),
        retries: int | None = None,
        backoff: float | None = None,
        page_size: int = PAGE_SIZE,
        status_ttl: float | None = None,
        use_only: bool = True,
        offline: bool = False,
    ) -> None:
        self.location = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = RETRIES if retries is None else retries
        self.backoff = BACKOFF if backoff is None else backoff
        self.page_size = page_size
        self.use_only = use_only
        self.offline = offline
        self._missing: list[str] = []
        #: (resource, rows) of every list query, for the request benchmark's minimum
        self.query_log: list[tuple[str, int]] = []
        self.requests_made = 0
        self._last: requests.Response | None = None
        self._release: str | None = None
        self._parent_types: dict[str, str] = {}
        ttl = STATUS_TTL if status_ttl is None else status_ttl
        status_file = None if cache_dir is None else cache_dir / "chembl_web_status.sqlite"
        self._session = self._make_session(status_file, expire_after=ttl)
        marker = None if cache_dir is None else cache_dir / "chembl_web_releases.json"
        self._release = self._offline_release(marker) if offline else self._fetch_release()
        if marker is not None and not offline:
            self._remember_release(marker)
        self.cache_file: Path | None = None
        if cache_dir is not None:
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self._release)
            self._session.close()
            self.cache_file = cache_dir / f"chembl_web_{safe}.sqlite"
            self._session = self._make_session(self.cache_file)
            if offline:  # a miss answers 504 from requests-cache instead of a request
                self._session.settings.only_if_cached = True  # type: ignore[attr-defined]
        self._client = self._build_client()

    # -- plumbing ------------------------------------------------------------------------------
    def _make_session(
        self, cache_file: Path | None, expire_after: float | None = None
    ) -> requests.Session:
        import requests

        session: requests.Session
        if cache_file is None:
            session = requests.Session()
        else:
            import requests_cache

            cache_file.parent.mkdir(parents=True, exist_ok=True)
            session = requests_cache.CachedSession(
                str(cache_file),
                backend="sqlite",
                allowable_methods=("GET", "POST"),
                allowable_codes=(200,),
                filter_fn=_json_ok,
                # a release's data never changes; only /status is given an expiry
                expire_after=requests_cache.NEVER_EXPIRE if expire_after is None else expire_after,
                stale_if_error=False,
            )
        # The client sends list queries as POST with this override (query.py).
        session.headers.update(
            {"X-HTTP-Method-Override": "GET", "Content-type": "application/json"}
        )
        session.hooks["response"].append(self._remember)
        return session

    def _remember(
        self, response: requests.Response, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self._last = response
        if not getattr(response, "from_cache", False):
            self.requests_made += 1
        return response

    def _offline_release(self, marker: Path | None) -> str:
        known: dict[str, str] = {}
        if marker is not None and marker.is_file():
            known = json.loads(marker.read_text(encoding="utf-8"))
        if self.location not in known:
            raise ChemblSourceError(
                self.location,
                "has no cached release to answer --offline from",
                "run once online (without --offline) to fill the cache",
            )
        return known[self.location]

    def _remember_release(self, marker: Path) -> None:
        """Record the release last seen at this URL (atomically), for ``--offline``."""
        known: dict[str, str] = {}
        try:
            known = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        known[self.location] = str(self._release)
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_name(f".{marker.name}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(marker)

    def missing(self) -> list[str]:
        """Pages an ``offline`` source could not answer from the cache (empty otherwise)."""
        return list(self._missing)

    def _fetch_release(self) -> str:
        url = f"{self.location}/status.json"
        for attempt in range(self.retries + 1):
            try:
                response = self._session.get(url, timeout=self.timeout)
                if response.status_code == 200:
                    version = response.json().get("chembl_db_version")
                    if isinstance(version, str) and version:
                        return version
                    raise ChemblSourceError(
                        self.location,
                        "is not a ChEMBL API (/status has no chembl_db_version)",
                        "pass --chembl-url the ChEMBL REST API base (.../chembl/api/data)",
                    )
                error: str = f"HTTP {response.status_code}"
            except ValueError as exc:  # the body is not JSON
                error = f"unreadable /status ({exc})"
            except OSError as exc:  # requests' connection errors are OSErrors
                error = type(exc).__name__
            self._wait(attempt)
        raise ChemblSourceError(
            self.location,
            f"cannot be reached ({error}; {self.retries + 1} attempts)",
            "check --chembl-url and the network, or use a local release with --chembl-db",
        )

    def _build_client(self) -> Any:
        """The client for this base URL: Settings first, then the (lazy) import."""
        with _LOCK:
            from chembl_webresource_client.settings import Settings

            settings = Settings.Instance()
            settings.NEW_CLIENT_URL = self.location
            settings.CACHING = False  # the backend's session caches, with its own rules
            settings.MAX_LIMIT = self.page_size
            settings.TOTAL_RETRIES = 0
            settings.NEW_CLIENT_TIMEOUT = self.timeout
            settings.TIMEOUT = self.timeout[1]
            if self.location not in _CLIENTS:
                try:
                    with self._spore_cache():  # importing new_client itself reads /spore
                        from chembl_webresource_client import new_client as module

                        _CLIENTS[self.location] = module.client_from_url(f"{self.location}/spore")
                except Exception as error:  # noqa: BLE001 - the client raises bare Exception
                    if self.offline:
                        raise ChemblSourceError(
                            self.location,
                            "its /spore is not in the cache for --offline",
                            "run once online (without --offline) to fill the cache",
                        ) from None
                    raise ChemblSourceError(
                        self.location,
                        f"its /spore cannot be read ({error})",
                        "pass --chembl-url the ChEMBL REST API base",
                    ) from None
            return _CLIENTS[self.location]

    def _spore_cache(self) -> Any:
        """While the client reads ``/spore`` (with plain ``requests.get``), cache it like a page."""
        import contextlib

        if self.cache_file is None:
            return contextlib.nullcontext()
        import requests_cache

        return requests_cache.enabled(
            str(self.cache_file),
            only_if_cached=self.offline,
            backend="sqlite",
            allowable_codes=(200,),
            filter_fn=_json_ok,
            expire_after=requests_cache.NEVER_EXPIRE,
        )

    def _wait(self, attempt: int) -> None:
        """Sleep before the next attempt: Retry-After on 429, else exponential backoff."""
        delay = min(self.backoff * 2**attempt, 60.0)
        response = self._last
        if response is not None and response.status_code == 429:
            try:
                delay = float(response.headers.get("Retry-After", delay))
            except ValueError:
                pass
        time.sleep(delay)

    def _all(
        self, resource: str, key: str, only: Sequence[str], **filters: Any
    ) -> list[dict[str, Any]]:
        """Every row of a filtered query, page by page, retried and de-duplicated by ``key``."""
        import requests
        from chembl_webresource_client.http_errors import BaseHttpException

        with _LOCK:
            from chembl_webresource_client.settings import Settings

            Settings.Instance().NEW_CLIENT_URL = self.location
            queryset = getattr(self._client, resource).filter(**filters)
            query = (queryset.only(list(only)) if self.use_only else queryset).query
        query.session = self._session
        query.timeout = self.timeout
        query.limit = self.page_size
        rows: dict[Any, dict[str, Any]] = {}
        offset, total = 0, None
        while total is None or offset < total:
            for attempt in range(self.retries + 1):
                query.current_index, query.current_chunk, query.api_total_count = offset, None, None
                try:
                    chunk = query.get_page()
                    total = int(query.api_total_count or 0)
                    break
                except (
                    requests.RequestException,
                    ValueError,
                    KeyError,
                    BaseHttpException,
                ) as error:
                    failure = error
                    if self.offline:  # a cache miss: list it, ask nothing
                        shown = ", ".join(f"{k}={str(v)[:40]}" for k, v in filters.items())
                        self._missing.append(f"{resource} [{shown}] offset {offset}")
                        chunk, total = [], 0
                        break
                    logger.warning(
                        "ChEMBL %s page at offset %d failed (%s), attempt %d of %d",
                        resource,
                        offset,
                        type(error).__name__,
                        attempt + 1,
                        self.retries + 1,
                    )
                    if attempt < self.retries:
                        self._wait(attempt)
            else:
                raise ChemblSourceError(
                    self.location,
                    f"gave up on {resource} (offset {offset}) after {self.retries + 1} attempts "
                    f"({type(failure).__name__})",
                    "retry later; pages already read are cached and will not be fetched again",
                )
            for row in chunk or []:
                rows.setdefault(row.get(key), row)
            offset += self.page_size
        self.query_log.append((resource, int(total or 0)))
        return list(rows.values())

    def _frame(
        self, records: list[dict[str, Any]], columns: Sequence[str], numeric: Sequence[str] = ()
    ) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame.from_records(records, columns=list(columns)).astype(object)
        frame = frame.where(frame.notna(), None)
        for column in numeric:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame

    # -- ChemblSource --------------------------------------------------------------------------
    def release(self) -> str:
        """The release the API serves (``/status`` ``chembl_db_version``)."""
        assert self._release is not None  # noqa: S101 - set in __init__
        return self._release

    def search_targets(self, queries: Sequence[str], tax_id: int) -> pd.DataFrame:
        """Targets containing a component matched by gene symbol (or alias) or accession."""
        from senotarget.schema import UNIPROT_PATTERN

        only = ["target_chembl_id", "target_type", "pref_name", "tax_id", "target_components"]
        matches: set[tuple[str, str, str]] = set()  # (query, accession, matched_by)
        symbols = sorted({q.upper() for q in queries})
        for symbol in symbols:
            for target in self._all(
                "target", "target_chembl_id", only, target_synonym__iexact=symbol
            ):
                for component in target.get("target_components") or []:
                    for synonym in component.get("target_component_synonyms") or []:
                        kind = str(synonym.get("syn_type", ""))
                        if (
                            kind in ("GENE_SYMBOL", "GENE_SYMBOL_OTHER")
                            and str(synonym.get("component_synonym", "")).upper() == symbol
                        ):
                            matches.add((symbol, str(component["accession"]), kind.lower()))
        accessions = sorted({q for q in queries if UNIPROT_PATTERN.match(q)})
        wanted = sorted({a for _, a, _ in matches} | set(accessions))
        targets: list[dict[str, Any]] = []
        for chunk in batched(wanted, max_chars=MAX_ID_CHARS):
            targets += self._all(
                "target", "target_chembl_id", only, target_components__accession__in=chunk
            )
        found = {str(c["accession"]) for t in targets for c in t.get("target_components") or []}
        matches |= {(a, a, "accession") for a in accessions if a in found}
        rows: list[dict[str, Any]] = []
        for target in targets:
            if int(target.get("tax_id") or -1) != tax_id:
                continue
            components = target.get("target_components") or []
            for query, accession, matched_by in sorted(matches):
                for component in components:
                    if str(component.get("accession")) != accession:
                        continue
                    symbols_of = sorted(
                        str(s["component_synonym"])
                        for s in component.get("target_component_synonyms") or []
                        if s.get("syn_type") == "GENE_SYMBOL"
                    )
                    rows.append(
                        {
                            ComponentCols.QUERY: query,
                            ComponentCols.TARGET_CHEMBL_ID: target["target_chembl_id"],
                            ComponentCols.TARGET_TYPE: target.get("target_type"),
                            ComponentCols.TARGET_PREF_NAME: target.get("pref_name"),
                            ComponentCols.TAX_ID: target.get("tax_id"),
                            ComponentCols.ACCESSION: accession,
                            ComponentCols.GENE_SYMBOL: symbols_of[0] if symbols_of else None,
                            ComponentCols.MATCHED_BY: matched_by,
                            ComponentCols.N_COMPONENTS: len(components),
                        }
                    )
        frame = self._frame(
            rows, ComponentCols.ORDER, (ComponentCols.TAX_ID, ComponentCols.N_COMPONENTS)
        )
        if frame.empty:
            return frame
        return frame.sort_values(
            [ComponentCols.QUERY, ComponentCols.TARGET_CHEMBL_ID, ComponentCols.MATCHED_BY],
            ignore_index=True,
        ).drop_duplicates(ignore_index=True)

    def activities(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Activities on the targets, with confidence and relationship from their assays."""
        fields = [
            "activity_id",
            "molecule_chembl_id",
            "target_chembl_id",
            "assay_chembl_id",
            "document_chembl_id",
            "assay_type",
            "assay_description",
            "standard_type",
            "standard_relation",
            "standard_value",
            "standard_units",
            "pchembl_value",
            "data_validity_comment",
            "potential_duplicate",
            "activity_comment",
            "action_type",
        ]
        assay_fields = ["assay_chembl_id", "confidence_score", "relationship_type"]
        records: list[dict[str, Any]] = []
        assays: dict[str, dict[str, Any]] = {}
        for chunk in batched(target_chembl_ids, max_chars=MAX_ID_CHARS):
            records += self._all("activity", "activity_id", fields, target_chembl_id__in=chunk)
            for assay in self._all(
                "assay", "assay_chembl_id", assay_fields, target_chembl_id__in=chunk
            ):
                assays[str(assay["assay_chembl_id"])] = assay
        for record in records:
            action = record.get("action_type")
            if isinstance(action, dict):
                name = action.get("action_type")
                if name and action.get("parent_type"):
                    self._parent_types[str(name)] = str(action["parent_type"])
                record["action_type"] = name
            assay = assays.get(str(record.get("assay_chembl_id")), {})
            record["confidence_score"] = assay.get("confidence_score")
            record["relationship_type"] = assay.get("relationship_type")
            duplicate = record.get("potential_duplicate")
            record["potential_duplicate"] = None if duplicate is None else int(bool(duplicate))
        frame = self._frame(records, ActivityCols.ORDER, ActivityCols.NUMERIC)
        return frame.sort_values(ActivityCols.ACTIVITY_ID, kind="stable", ignore_index=True)

    def molecules(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Molecules by id, with canonical SMILES and molecule_hierarchy parent."""
        fields = [
            "molecule_chembl_id",
            "pref_name",
            "max_phase",
            "molecule_type",
            "molecule_hierarchy",
            "molecule_structures",
        ]
        records: list[dict[str, Any]] = []
        for chunk in batched(molecule_chembl_ids, max_chars=MAX_ID_CHARS):
            for molecule in self._all(
                "molecule", "molecule_chembl_id", fields, molecule_chembl_id__in=chunk
            ):
                hierarchy = molecule.get("molecule_hierarchy") or {}
                structures = molecule.get("molecule_structures") or {}
                records.append(
                    {
                        MoleculeCols.MOLECULE_CHEMBL_ID: molecule["molecule_chembl_id"],
                        MoleculeCols.PREF_NAME: molecule.get("pref_name"),
                        MoleculeCols.MAX_PHASE: molecule.get("max_phase"),
                        MoleculeCols.MOLECULE_TYPE: molecule.get("molecule_type"),
                        MoleculeCols.HIERARCHY_PARENT: hierarchy.get("parent_chembl_id"),
                        MoleculeCols.CANONICAL_SMILES: structures.get("canonical_smiles"),
                    }
                )
        return self._frame(records, MoleculeCols.ORDER, (MoleculeCols.MAX_PHASE,))

    def mechanisms(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """drug_mechanism records on the targets."""
        fields = [
            "mec_id",
            "molecule_chembl_id",
            "target_chembl_id",
            "action_type",
            "mechanism_of_action",
        ]
        records: list[dict[str, Any]] = []
        for chunk in batched(target_chembl_ids, max_chars=MAX_ID_CHARS):
            records += self._all("mechanism", "mec_id", fields, target_chembl_id__in=chunk)
        frame = self._frame(records, MechanismCols.ORDER, (MechanismCols.MEC_ID,))
        return frame.sort_values(MechanismCols.MEC_ID, kind="stable", ignore_index=True)

    def action_types(self) -> pd.DataFrame:
        """The action types (with parent type) that the activity replies carried.

        The REST API gives each activity's action type as an object with its ``parent_type``;
        mechanism records give only the name, whose sign then comes from the shipped table.
        """
        rows = sorted(self._parent_types.items())
        return self._frame(
            [dict(zip(ActionTypeCols.ORDER, r, strict=True)) for r in rows], ActionTypeCols.ORDER
        )

    def close(self) -> None:
        """Close the HTTP session (and its cache connection)."""
        self._session.close()
