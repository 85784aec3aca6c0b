"""The ``web`` source: the ChEMBL REST API through ``chembl-webresource-client``.

The client is configured before ``new_client`` is imported (importing it fetches ``/spore``), and
imported lazily inside this backend only. Its query objects build the requests (Django-style
filters, ``.only()`` field lists, 1000 rows a page: the server's maximum, against the client's
default of 20), but this backend owns the session and the page loop, because the client's urllib3
retries never apply to its POST list queries and its cache stores error pages:

* the base URL must be an ``http(s)`` URL with a host, or the source fails at once, asking nothing;
* ``/status`` and every page go through one retry policy (:meth:`WebSource._with_retries`, built
  on ``tenacity``) with finite connect/read timeouts. Only transient failures are retried:
  connection errors and timeouts, HTTP 429 and 5xx, and a malformed or non-JSON body. The wait is
  the server's ``Retry-After`` on 429 and 503, otherwise exponential backoff; nothing sleeps after
  the last attempt. Any other 4xx (a 404 above all: a wrong ``--chembl-url``) fails at once;
* a failed page is retried from its own offset (the pages already read are kept: resume, not
  restart); rows are de-duplicated by primary key (a row that moved between pages is read once);
* replies are cached with requests-cache in a SQLite file under the cache folder whose name holds
  the ChEMBL release (a new release misses every old page); the POST body is part of the key and
  only 200 replies whose body is valid JSON are stored, so a fault is never cached as data (an error
  status is raised from the session's response hook, before requests-cache could store it);
* id lists are chunked so each query stays under the client's URL limit.

ChEMBL REST documentation: https://chembl.gitbook.io/chembl-interface-documentation/web-services
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

import tenacity

from senotarget.errors import ChemblSourceError
from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    ChemblPropertyCols,
    ComponentCols,
    MechanismCols,
    MoleculeCols,
    MoleculeNameCols,
    SynonymCols,
)
from senotarget.util.batches import batched

if TYPE_CHECKING:
    import pandas as pd
    import requests

__all__ = ["WebSource"]

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

PAGE_SIZE: Final = 1000
#: Attempts after the first for one request (``/status`` or one page), and the first backoff wait
#: in seconds, doubled after each failure: waits of 1, 2, 4 and 8 s, 15 s in all. ChEMBL's
#: transient faults (a 502/503 from the EBI proxy, a 429 under load) clear within seconds; a longer
#: outage is better reported than waited out, because every page read is cached and a re-run
#: resumes at the failed page. So a refused connection (a wrong port, a server that is down) fails
#: after 5 attempts and about 15 s, not minutes.
RETRIES = 4
BACKOFF = 1.0
#: The longest single wait, in seconds: the backoff's cap, and the longest ``Retry-After`` obeyed
#: (a server asking for more is answered with an error at once: retry later, nothing is lost).
MAX_WAIT: Final = 60.0
#: What ``--chembl-url`` should look like, for the error on a URL that cannot work.
EXAMPLE_URL: Final = "https://www.ebi.ac.uk/chembl/api/data"
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


def _check_url(base_url: str) -> None:
    """Fail at once on a base URL no request could use (no ``http(s)`` scheme, or no host).

    Such a URL would otherwise fail each attempt with a requests error that looks like a bad
    reply, and be retried for nothing.

    :raises ChemblSourceError: naming the URL and an example of a good one
    """
    try:
        parts = urlsplit(base_url.strip())
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        ok = False
    if not ok:
        raise ChemblSourceError(base_url, "is not an http(s) URL", f"pass e.g. {EXAMPLE_URL}")


def _retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (RFC 9110 10.2.3), ``None`` when absent or bad.

    Both forms are read: delay-seconds (``"2"``; a fraction is accepted) and an HTTP-date, which
    counts from ``now`` (default: the current UTC time) and is never negative.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None  # not -1, NaN or inf


class _HttpStatusError(Exception):
    """A reply whose status is an error (>= 400), raised by the session's response hook.

    Raising there, inside ``requests``, keeps the response (its status and ``Retry-After``) with
    the failure, and stops the reply before requests-cache could store it or the client read it.
    """

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class _Transient(Exception):
    """One attempt failed in a way the next attempt may not: why, and the server's wait, if any."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _WaitRetryAfter(tenacity.wait.wait_base):
    """The failure's ``Retry-After`` when it has one, else the ``fallback`` wait."""

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return error.retry_after
        return float(self.fallback(retry_state))


class _StopIfWaitTooLong(tenacity.stop.stop_base):
    """Stop when the next wait (a server's ``Retry-After``) would exceed :data:`MAX_WAIT`."""

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return retry_state.upcoming_sleep > MAX_WAIT


def _client_error_fix(status: int) -> str:
    """The fix for a 4xx that is not worth a retry."""
    if status in (404, 405, 410):
        return f"pass --chembl-url the ChEMBL REST API base, e.g. {EXAMPLE_URL}"
    if status in (401, 403, 407):
        return "the server refuses access: check the proxy (HTTPS_PROXY) or firewall on the way"
    return "the server rejects this query; please report it as a senotarget bug"


def _remove_sqlite(path: Path) -> None:
    """Remove a SQLite file this process created, with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink()


class WebSource:
    """ChEMBL through its REST API (or the local stand-in in tests).

    :param base_url: API base, e.g. ``https://www.ebi.ac.uk/chembl/api/data``
    :param cache_dir: folder of the requests-cache files (``None``: no cache)
    :param timeout: (connect, read) seconds for every request
    :param retries: attempts after the first for ``/status`` and for each page (default
        :data:`RETRIES`: with the default backoff a refused connection fails after 5 attempts and
        15 s of waiting; an unanswered one after 5 connect timeouts more)
    :param backoff: first wait in seconds, doubled after each failed attempt, at most
        :data:`MAX_WAIT` (default :data:`BACKOFF`); a ``Retry-After`` on 429 or 503 replaces it
    :param page_size: rows per page (the API's maximum, 1000, unless a test wants more pages)
    :param status_ttl: seconds a cached ``/status`` is trusted (default :data:`STATUS_TTL`)
    :param offline: answer from the cache only, sending nothing: the release is the last one seen
        at this URL, and every page not in the cache is listed by :meth:`missing`
    :param use_only: ask for the needed fields only (``False``: every field, the client's default;
        for the benchmark that compares the two)
    :param sleep: how the retry policy waits (default :func:`time.sleep`; tests pass a recorder)
    :raises ChemblSourceError: the URL is not an http(s) URL, the API cannot be reached, answers a
        non-transient error, or does not look like ChEMBL
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
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_url(base_url)
        self.location = base_url.strip().rstrip("/")
        self.timeout = timeout
        self.retries = RETRIES if retries is None else retries
        self.backoff = BACKOFF if backoff is None else backoff
        self._sleep = sleep
        self.page_size = page_size
        self.use_only = use_only
        self.offline = offline
        self._missing: list[str] = []
        #: (resource, rows) of every list query, for the request benchmark's minimum
        self.query_log: list[tuple[str, int]] = []
        self.requests_made = 0
        self._release: str | None = None
        self._parent_types: dict[str, str] = {}
        ttl = STATUS_TTL if status_ttl is None else status_ttl
        status_file = None if cache_dir is None else cache_dir / "chembl_web_status.sqlite"
        # what this source creates before it knows the API answers: removed again if it does not
        created = [] if cache_dir is None else [d for d in (cache_dir, *cache_dir.parents)]
        created = [d for d in created if not d.exists()]
        fresh_status = status_file is not None and not status_file.exists()
        self._session = self._make_session(status_file, expire_after=ttl)
        marker = None if cache_dir is None else cache_dir / "chembl_web_releases.json"
        try:
            self._release = self._offline_release(marker) if offline else self._fetch_release()
        except BaseException:
            self._session.close()
            if fresh_status and status_file is not None:
                _remove_sqlite(status_file)
            for folder in created:  # deepest first; only folders left empty
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
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
        session.hooks["response"].append(self._check)
        return session

    def _check(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Response hook: count the request; raise an error status before anyone stores it.

        requests-cache runs the hooks a second time on the replies it wraps (``from_cache`` set,
        true or false); only the first call, on the bare reply from the network, is counted.
        """
        if not hasattr(response, "from_cache"):
            self.requests_made += 1
        if response.status_code >= 400:
            response.content  # noqa: B018 - read the (small) error body: frees the connection
            raise _HttpStatusError(response)
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

        def ask() -> Any:
            return self._session.get(url, timeout=self.timeout).json()  # not JSON: transient

        status = self._with_retries(
            ask,
            name="/status",
            gave_up="cannot be reached",
            fix="check --chembl-url and the network, or use a local release with --chembl-db",
        )
        version = status.get("chembl_db_version") if isinstance(status, dict) else None
        if isinstance(version, str) and version:
            return version
        raise ChemblSourceError(
            self.location,
            "is not a ChEMBL API (/status has no chembl_db_version)",
            "pass --chembl-url the ChEMBL REST API base (.../chembl/api/data)",
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

    # -- the retry policy ------------------------------------------------------------------------
    def _policy(self, name: str) -> tenacity.Retrying:
        """The one retry policy, for ``/status`` and for every page.

        At most ``retries + 1`` attempts; only :class:`_Transient` failures are retried; the wait
        is the server's ``Retry-After`` when it sent one (429, 503), else ``backoff`` doubled after
        each failure up to :data:`MAX_WAIT`. tenacity sleeps only between attempts, never after
        the last, and every wait is logged (WARNING, so it shows with or without ``-v``).
        """
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retries + 1) | _StopIfWaitTooLong(),
            wait=_WaitRetryAfter(
                tenacity.wait_exponential(multiplier=self.backoff, exp_base=2, max=MAX_WAIT)
            ),
            retry=tenacity.retry_if_exception_type(_Transient),
            before_sleep=functools.partial(self._log_retry, name),
            sleep=self._sleep,
            reraise=True,
        )

    def _log_retry(self, name: str, retry_state: tenacity.RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        logger.warning(
            "ChEMBL %s at %s: attempt %d of %d failed (%s); next attempt in %g s",
            name,
            self.location,
            retry_state.attempt_number,
            self.retries + 1,
            error,
            retry_state.upcoming_sleep,
        )

    def _with_retries(self, call: Callable[[], _T], *, name: str, gave_up: str, fix: str) -> _T:
        """``call()`` under :meth:`_policy`; a failure that outlasts it becomes a one-line error.

        :param name: what is asked, for the log (``"/status"``, ``"activity page at offset 10"``)
        :param gave_up: the error's text before ``after N attempts (reason)``
        :param fix: the error's fix
        :raises ChemblSourceError: at once on a non-transient failure, or when the policy stops
        """
        policy = self._policy(name)
        try:
            return policy(lambda: self._attempt(call))
        except _Transient as failure:
            attempts = policy.statistics.get("attempt_number", self.retries + 1)
            reason = failure.reason
            if failure.retry_after is not None and failure.retry_after > MAX_WAIT:
                reason += f"; the server asks to wait {failure.retry_after:g} s"
            plural = "" if attempts == 1 else "s"
            raise ChemblSourceError(
                self.location, f"{gave_up} after {attempts} attempt{plural} ({reason})", fix
            ) from None

    def _attempt(self, call: Callable[[], _T]) -> _T:
        """One attempt: its failure becomes :class:`_Transient` or a :class:`ChemblSourceError`."""
        import requests

        try:
            return call()
        except _HttpStatusError as error:
            response = error.response
            status = response.status_code
            if status == 429 or status >= 500:
                wait = _retry_after(response.headers.get("Retry-After"))
                raise _Transient(f"HTTP {status}", wait if status in (429, 503) else None) from None
            raise ChemblSourceError(
                self.location,
                f"{response.url} answered HTTP {status} {response.reason or ''}".rstrip()
                + " (not retried)",
                _client_error_fix(status),
            ) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ):
            raise ChemblSourceError(
                self.location, "is not an http(s) URL", f"pass e.g. {EXAMPLE_URL}"
            ) from None
        except requests.exceptions.SSLError as error:  # a certificate never fixes itself
            raise ChemblSourceError(
                self.location,
                f"refused the TLS connection ({error.__class__.__name__}; not retried)",
                "check the URL's host and the machine's CA certificates (REQUESTS_CA_BUNDLE)",
            ) from None
        except (
            requests.ConnectionError,  # a refused or reset connection, a connect timeout
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,  # the connection dropped mid-body
            requests.exceptions.ContentDecodingError,
        ) as error:
            raise _Transient(type(error).__name__) from None
        except (ValueError, KeyError) as error:  # not JSON, or JSON without the page's keys
            raise _Transient(f"malformed reply: {type(error).__name__}") from None

    def _all(
        self, resource: str, key: str, only: Sequence[str], **filters: Any
    ) -> list[dict[str, Any]]:
        """Every row of a filtered query, page by page, retried and de-duplicated by ``key``."""
        import requests
        from chembl_webresource_client.http_errors import BaseHttpException

        query = self._query(resource, only, self.page_size, **filters)
        rows: dict[Any, dict[str, Any]] = {}
        offset, total = 0, None
        while total is None or offset < total:
            read = functools.partial(self._read_page, query, offset)
            if self.offline:  # from the cache only: a miss is listed, nothing is asked
                try:
                    chunk, total = read()
                except (
                    requests.RequestException,
                    ValueError,
                    KeyError,
                    BaseHttpException,  # requests-cache's 504 for a miss, as the client raises it
                    _HttpStatusError,
                ):
                    shown = ", ".join(f"{k}={str(v)[:40]}" for k, v in filters.items())
                    self._missing.append(f"{resource} [{shown}] offset {offset}")
                    chunk, total = [], 0
            else:
                chunk, total = self._with_retries(
                    read,
                    name=f"{resource} page at offset {offset}",
                    gave_up=f"gave up on {resource} (offset {offset})",
                    fix="retry later; pages already read are cached and will not be fetched again",
                )
            for row in chunk:
                rows.setdefault(row.get(key), row)
            offset += self.page_size
        self.query_log.append((resource, int(total or 0)))
        return list(rows.values())

    def _query(self, resource: str, only: Sequence[str], limit: int, **filters: Any) -> Any:
        """The client's query for a filtered resource, on this backend's session and timeout."""
        with _LOCK:
            from chembl_webresource_client.settings import Settings

            Settings.Instance().NEW_CLIENT_URL = self.location
            queryset = getattr(self._client, resource).filter(**filters)
            query = (queryset.only(list(only)) if self.use_only and only else queryset).query
        query.session = self._session
        query.timeout = self.timeout
        query.limit = limit
        return query

    @staticmethod
    def _read_page(query: Any, offset: int) -> tuple[list[dict[str, Any]], int]:
        """The page of ``query`` at ``offset`` and the query's total row count (one request).

        The client's page state is reset first, so a retry asks for this page again rather than
        the next one.
        """
        query.current_index, query.current_chunk, query.api_total_count = offset, None, None
        chunk = query.get_page()
        return list(chunk or []), int(query.api_total_count or 0)

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

    def synonyms(self, tax_id: int) -> pd.DataFrame:
        """Every synonym and accession of the components of the taxon's targets.

        One paged ``/target?tax_id=`` query (cached like every reply): the components' nested
        ``target_component_synonyms`` are the rows of ChEMBL's ``component_synonyms``.
        """
        only = ["target_chembl_id", "target_components"]
        seen: dict[tuple[str, str, str], dict[str, Any]] = {}
        for target in self._all("target", "target_chembl_id", only, tax_id=tax_id):
            for component in target.get("target_components") or []:
                accession = component.get("accession")
                if not accession:
                    continue
                synonyms = component.get("target_component_synonyms") or []
                symbols = sorted(
                    str(s["component_synonym"])
                    for s in synonyms
                    if s.get("syn_type") == "GENE_SYMBOL" and s.get("component_synonym")
                )
                symbol = symbols[0] if symbols else None
                pairs = [(str(accession), "ACCESSION")] + [
                    (str(s["component_synonym"]), str(s.get("syn_type") or ""))
                    for s in synonyms
                    if s.get("component_synonym") and s.get("syn_type") != "EC_NUMBER"
                ]
                for synonym, kind in pairs:
                    seen.setdefault(
                        (str(accession), kind, synonym),
                        {
                            SynonymCols.SYNONYM: synonym,
                            SynonymCols.SYN_TYPE: kind,
                            SynonymCols.ACCESSION: str(accession),
                            SynonymCols.GENE_SYMBOL: symbol,
                        },
                    )
        return self._frame([seen[k] for k in sorted(seen)], SynonymCols.ORDER)

    def molecules_by_name(self, names: Sequence[str]) -> pd.DataFrame:
        """Molecules whose preferred name or a synonym is one of ``names``, ignoring case.

        Two filtered ``/molecule`` queries per name: ``pref_name__iexact`` and
        ``molecule_synonyms__molecule_synonym__iexact``.
        """
        only = ["molecule_chembl_id", "pref_name"]
        found: set[tuple[str, str, str]] = set()
        for name in sorted({n.upper() for n in names if n}):
            for field in ("pref_name__iexact", "molecule_synonyms__molecule_synonym__iexact"):
                for row in self._all("molecule", "molecule_chembl_id", only, **{field: name}):
                    found.add(
                        (name, str(row["molecule_chembl_id"]), str(row.get("pref_name") or ""))
                    )
        records = [
            {
                MoleculeNameCols.NAME: name,
                MoleculeNameCols.MOLECULE_CHEMBL_ID: molecule,
                MoleculeNameCols.PREF_NAME: pref or None,
            }
            for name, molecule, pref in sorted(found)
        ]
        return self._frame(records, MoleculeNameCols.ORDER)

    def chembl_properties(self, molecule_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """The release's own QED and PAINS/Dundee alerts for the molecules (ChemblPropertyCols).

        ``molecule_structures.standard_inchi_key`` and ``molecule_properties.qed_weighted`` of
        ``/molecule``, and ``/compound_structural_alert``.
        """
        from senotarget.sources.sql import _property_rows

        ids = list(dict.fromkeys(molecule_chembl_ids))
        keys: dict[str, str] = {}
        qed: dict[str, float] = {}
        alerts: dict[str, dict[str, set[str]]] = {}
        screened = float(self._count("compound_structural_alert") > 0)
        for chunk in batched(ids, max_chars=MAX_ID_CHARS):
            for row in self._all(
                "molecule",
                "molecule_chembl_id",
                ["molecule_chembl_id", "molecule_properties", "molecule_structures"],
                molecule_chembl_id__in=chunk,
            ):
                key = (row.get("molecule_structures") or {}).get("standard_inchi_key")
                if key:
                    keys[str(row["molecule_chembl_id"])] = str(key)
                value = (row.get("molecule_properties") or {}).get("qed_weighted")
                if value not in (None, ""):
                    qed[str(row["molecule_chembl_id"])] = float(value)
            if screened:
                for row in self._all(
                    "compound_structural_alert",
                    "cpd_str_alert_id",
                    ["cpd_str_alert_id", "molecule_chembl_id", "alert"],
                    molecule_chembl_id__in=chunk,
                ):
                    alert = row.get("alert") or {}
                    set_name = str((alert.get("alert_set") or {}).get("set_name") or "")
                    if set_name in ("PAINS", "Dundee"):
                        sets = alerts.setdefault(
                            str(row["molecule_chembl_id"]), {"PAINS": set(), "Dundee": set()}
                        )
                        sets[set_name].add(str(alert.get("alert_name")))
        records = [
            dict(zip(ChemblPropertyCols.ORDER, row, strict=True))
            for row in _property_rows(ids, keys, qed, alerts, screened)
        ]
        return self._frame(
            records,
            ChemblPropertyCols.ORDER,
            (ChemblPropertyCols.QED_WEIGHTED, ChemblPropertyCols.ALERTS_SCREENED),
        )

    def _count(self, resource: str) -> int:
        """How many rows a resource has (one page of one row)."""
        read = functools.partial(self._read_page, self._query(resource, (), 1), 0)
        if self.offline:  # from the cache only, as _all reads
            import requests
            from chembl_webresource_client.http_errors import BaseHttpException

            try:
                return read()[1]
            except (requests.RequestException, ValueError, KeyError, BaseHttpException,
                    _HttpStatusError):  # fmt: skip
                self._missing.append(f"{resource} count")
                return 0
        _rows, total = self._with_retries(
            read,
            name=f"{resource} count",
            gave_up=f"gave up counting {resource}",
            fix="retry later",
        )
        return total

    def activities(self, target_chembl_ids: Sequence[str]) -> pd.DataFrame:
        """Activities on the targets, with confidence and relationship from their assays."""
        import pandas as pd

        frames = list(self._activity_chunks(target_chembl_ids))
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return frame.sort_values(ActivityCols.ACTIVITY_ID, kind="stable", ignore_index=True)

    def activity_batches(
        self, target_chembl_ids: Sequence[str], rows: int
    ) -> Iterator[pd.DataFrame]:
        """The activities of :meth:`activities` in frames of at most ``rows`` rows.

        The same requests as :meth:`activities` (so a cache filled by one answers the other): one
        listing per chunk of target ids, each chunk's rows held until they are handed on. The
        REST API pages through a listing; a whole release is read from a download, not from it
        (ChEMBL web services documentation: bulk data is in the downloads).
        """
        for frame in self._activity_chunks(target_chembl_ids):
            for start in range(0, len(frame), rows):
                yield frame.iloc[start : start + rows].reset_index(drop=True)

    def _activity_chunks(self, target_chembl_ids: Sequence[str]) -> Iterator[pd.DataFrame]:
        """One frame (maybe of no rows) per chunk of target ids: the listings of that chunk."""
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
            "bao_format",
        ]
        chunks = list(batched(target_chembl_ids, max_chars=MAX_ID_CHARS)) or [[]]
        for chunk in chunks:
            yield self._activity_chunk(chunk, fields)

    def _activity_chunk(self, chunk: list[str], fields: list[str]) -> pd.DataFrame:
        assay_fields = ["assay_chembl_id", "confidence_score", "relationship_type"]
        records: list[dict[str, Any]] = []
        assays: dict[str, dict[str, Any]] = {}
        if chunk:
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
