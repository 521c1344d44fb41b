"""Webhooks: each log entry a subscriber is entitled to, POSTed to each of its endpoints.

Two halves, joined by the outbox (the ``deliveries`` table, see
``newswire.store.webhooks``), so that nothing is lost when a receiver is down or
the server restarts:

- the **enqueuer** follows the event log from each endpoint's cursor and, in one
  transaction, adds a pending delivery for every entry the endpoint's subscriber is
  entitled to (``newswire.access.entitlement``, the rule of every other channel) and moves
  the cursor. The hub wakes it on each new batch; it also polls, so that entries stored
  by another process (``newswire ingest``) and deliveries redelivered from the CLI go out.
- one **sender** per endpoint sends that endpoint's deliveries one at a time, in sequence
  order, flash items ahead of those not yet attempted, but never ahead of an earlier entry
  of their own item (a flash correction waits for the version it corrects), and never an
  entry older than one of its item the endpoint got (it is ``superseded``). A failure (an
  answer other than 2xx, a timeout, a connection error) blocks the endpoint: the same
  delivery is retried with exponential backoff until ``webhook_retry_for`` has passed
  since its first attempt; then it is a dead letter (status ``failed``, redeliverable) and the endpoint
  moves on. Senders run concurrently, on one shared HTTP client: a slow or dead receiver
  holds up only its own endpoint. A ``410 Gone`` is not retried: the endpoint is disabled
  (``Webhooks.disable``), the delivery kept pending and the endpoint's cursor where it is,
  until it is enabled again (``Webhooks.enable``): then it gets that delivery and
  everything published after it, in order.
- the **purger** removes, when the server starts and every hour, the deliveries that were
  delivered or given up more than ``webhook_keep_days`` ago: one row per delivery per
  endpoint, they would otherwise outgrow the archive itself (``Webhooks.purge``).

Receivers verify ``X-Newswire-Signature`` (an HMAC-SHA256 of the exact body with the
endpoint's secret) and may deduplicate on ``X-Newswire-Delivery``, which stays the same
across retries: delivery is at least once. A receiver keeping the highest
``X-Newswire-Sequence`` it applied for each ``X-Newswire-Item`` drops anything older
whatever happens on the way (a request the sender gave up on, arriving late).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import random
import re
import socket
import time
import urllib.request
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpcore
import httpx
from starlette.concurrency import run_in_threadpool

from newswire import __version__, formats
from newswire.access.entitlement import grant_for, previous_from
from newswire.access.products import Product
from newswire.access.subscribers import Subscriber
from newswire.delivery.meter import Meter, Metrics
from newswire.delivery.renderer import Renderer
from newswire.errors import BadInput, NewswireError, Unprocessable
from newswire.store.base import Change, Store, held
from newswire.store.webhooks import Advance, Outgoing, Target, now
from newswire.validation import UNNAMEABLE

log = logging.getLogger("newswire.webhooks")

MIN_SECRET = 16
MAX_SECRET = 1024
MAX_URL = 2048
MAX_BACKOFF = 3600.0
PURGE_EVERY = 3600.0
"""Seconds between two purges of finished deliveries by one process."""
"""Longest wait between two attempts, in seconds, however many failed before."""
PAGE = 500
SCAN = 5000
"""Log entries one endpoint enqueues per round at most (the next round goes on at once)."""
LEASE_GRACE = 5.0
"""Seconds past an attempt's deadline before another sender may take a claimed delivery."""
IDLE = 30.0
"""Longest a sender with nothing to send sleeps without being woken (a safety net)."""
ANSWER_BYTES = 64 * 1024
"""Bytes of a receiver's answer read at most (reading it lets the connection be reused)."""
USER_AGENT = f"newswire/{__version__}"


# --- what a webhook may be -----------------------------------------------------------------


def private(address: str) -> bool:
    """Whether an IP address is one a subscriber must not make the server call: loopback,
    private, link-local (cloud metadata), multicast, reserved or unspecified, and any other
    the public internet does not route (``is_global``: the shared address space
    100.64.0.0/10 of carrier-grade NAT and cloud networks, 100.100.100.200 a cloud's
    metadata service among them). An IPv6 address carrying an IPv4 one (mapped, 6to4) is
    refused as well when the IPv4 address it reaches is."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        try:  # the other forms a resolver reads as IPv4: 127.1, 2130706433, 0x7f.0.0.1, 0177.1
            ip = ipaddress.IPv4Address(socket.inet_aton(address))
        except (OSError, ValueError):
            return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None and private(str(ip.sixtofour)):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def refused_target(url: str) -> str | None:
    """Why a delivery to ``url`` is refused (its host resolves to a private address); None
    when it may go. Checked before each attempt, since a name may resolve anew each time."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or (443 if url.lower().startswith("https") else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    for *_, sockaddr in infos:
        if private(str(sockaddr[0])):
            return f"{host} resolves to {sockaddr[0]}, a private address: refused"
    return None


class PublicOnly(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to public addresses: the name is
    resolved here, every address it gives checked (``private``), and the connection made
    to a checked address, so what was checked is what is reached. ``refused_target``
    before each attempt names the plain cases; this closes the one it cannot: a name
    that resolves to a public address when checked and to an internal one a moment
    later, when the connection is made (DNS rebinding). TLS still names the host (SNI,
    the certificate's check): httpcore passes the origin's name, not the address."""

    def __init__(self, refuse: Callable[[str], bool] = private) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._refuse = refuse
        """Whether an address is refused (``private``)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        addresses = list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in infos))
        for address in addresses:
            if self._refuse(address):
                raise httpcore.ConnectError(
                    f"{host} resolves to {address}, a private address: refused"
                )
        failed: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failed = exc
        raise failed or httpcore.ConnectError(f"{host}: no address to connect to")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PublicTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on ``PublicOnly``. httpx takes no network backend, so its pool
    is made again as httpx makes it (``httpx/_transports/default.py``), with that backend;
    env proxies are not used (a webhook goes straight to its receiver)."""

    def __init__(self, limits: httpx.Limits, refuse: Callable[[str], bool] = private) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnly(refuse),
        )


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H16 = r"[0-9A-Fa-f]{1,4}"
_LS32 = rf"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "|".join(
    (
        rf"(?:{_H16}:){{6}}{_LS32}",
        rf"::(?:{_H16}:){{5}}{_LS32}",
        rf"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
        rf"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
        rf"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
        rf"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
        rf"(?:(?:{_H16}:){{0,6}}{_H16})?::",
    )
)
_PORT = r"0*(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"
# No white space (as str.isspace has it) and no control character anywhere.
_VISIBLE = r"[^\u0000-\u0020\u007f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
URL_PATTERN = (
    rf"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[(?:{_IPV6})\])"
    rf"(?::(?:{_PORT})?)?(?:[/?#]{_VISIBLE}*)?$"
)
"""What a webhook URL is (the OpenAPI declares it, ``check_url`` holds to it): http or
https, a host (an ASCII name, punycode for others, or an IP address) with no user name or
password, an optional port, then anything without spaces or control characters."""
_URL = re.compile(URL_PATTERN.removesuffix("$") + r"\Z")


def check_url(url: object, *, allow_private: bool = False) -> str:
    """An absolute http(s) URL with a host and no credentials (the secret authenticates),
    not aimed at a loopback or private address unless ``allow_private`` (``URL_PATTERN``:
    exactly what the OpenAPI declares)."""
    if not isinstance(url, str) or not url:
        raise BadInput("give the URL the deliveries are POSTed to", field="url")
    if len(url) > MAX_URL:
        raise BadInput(f"the URL is longer than {MAX_URL} characters", field="url")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadInput("the URL has spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not one
    except ValueError as exc:
        raise BadInput(f"not a URL: {exc}", field="url") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadInput(
            f"a webhook URL is http:// or https://, not {parts.scheme or 'scheme-less'}",
            field="url",
        )
    if "@" in parts.netloc:
        raise BadInput(
            "the URL must not carry a user name or password: each delivery is signed with "
            "the secret instead",
            field="url",
        )
    if not parts.hostname:
        raise BadInput("the URL has no host", field="url")
    if not _URL.match(url):
        raise BadInput(
            "the URL's host is an ASCII name (punycode for others) or an IP address,"
            " with an optional port",
            field="url",
        )
    host = parts.hostname.lower().rstrip(".")
    if not allow_private and (
        private(host) or host == "localhost" or host.endswith((".localhost", ".local"))
    ):
        raise Unprocessable(
            f"{parts.hostname} is a loopback or private address: webhooks go to the public"
            " internet (an operator may allow private ones: NEWSWIRE_WEBHOOK_ALLOW_PRIVATE)",
            field="url",
        )
    return url


def check_secret(secret: object) -> str:
    if not isinstance(secret, str) or not secret:
        raise BadInput("give a secret: each delivery is signed with it", field="secret")
    if len(secret) < MIN_SECRET:
        raise BadInput(
            f"the secret is at least {MIN_SECRET} characters (it has {len(secret)})",
            field="secret",
        )
    if len(secret) > MAX_SECRET:
        raise BadInput(f"the secret is at most {MAX_SECRET} characters", field="secret")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in secret):
        # A NUL cannot even be stored in PostgreSQL; none of them can be typed into the
        # receiver's configuration reliably either.
        raise BadInput("the secret has control characters", field="secret")
    return secret


def check_format(fmt: object, subscriber: Subscriber) -> str:
    """A format that renders one item (not a feed) and that the subscriber may use."""
    if not isinstance(fmt, str) or not fmt:
        raise BadInput("give the format of the deliveries", field="format")
    single = [n for n, c in formats.CODECS.items() if c.can_render and not c.is_feed]
    codec = formats.CODECS.get(fmt.lower()) if fmt.isascii() else None
    if codec is None or not codec.can_render:
        raise BadInput(
            f"{fmt!r} is not a format newswire renders ({', '.join(single)})", field="format"
        )
    if codec.is_feed:
        raise BadInput(
            f"{codec.name} is a feed format; a webhook carries one item ({', '.join(single)})",
            field="format",
        )
    if subscriber.formats and codec.name not in subscriber.formats:
        raise Unprocessable(
            f"subscriber {subscriber.name} may use {', '.join(subscriber.formats)},"
            f" not {codec.name}",
            field="format",
        )
    return codec.name


_ID_SAFE = ":/@!$&'()*+,;=-._~"
"""Left as they are in ``X-Newswire-Item``: an id is percent-encoded only where a header
could not carry it (spaces, non-ASCII)."""


def sign(secret: str, body: bytes) -> str:
    """The ``X-Newswire-Signature`` of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_after(value: str | None, at: datetime) -> float | None:
    """Seconds a receiver asked the sender to wait before trying again (``Retry-After``,
    RFC 9110 section 10.2.3: delay-seconds or an HTTP-date), counted from ``at``; None
    when there is none or it cannot be read."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(min(int(value), 10**9))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - at).total_seconds())


def backoff(attempt: int, base: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, ...): ``base``
    doubling each time, capped, and spread by a random fifth either way so that
    deliveries failing together do not all come back together."""
    delay: float = min(MAX_BACKOFF, base * 2 ** min(attempt - 1, 40))
    return min(MAX_BACKOFF, delay * random.uniform(0.8, 1.2))


# --- the worker ----------------------------------------------------------------------------


class WebhookWorker:
    """The enqueuer and the senders of one server process."""

    def __init__(
        self,
        store: Store,
        renderer: Renderer,
        *,
        metrics: Metrics,
        meter: Meter,
        timeout: float = 10.0,
        retry_base: float = 10.0,
        retry_for: float = 86400.0,
        poll: float = 0.5,
        allow_private: bool = False,
        keep_days: int = 30,
    ):
        self.allow_private = allow_private
        self.keep = timedelta(days=keep_days)
        self.store, self.renderer = store, renderer
        self.metrics, self.meter = metrics, meter
        self.timeout, self.retry_base, self.retry_for = timeout, retry_base, retry_for
        self.poll = poll
        self.previous = previous_from(store)
        self._new = asyncio.Event()
        self._senders: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}
        self._suspended: set[str] = set()
        self._seen: dict[int, float] = {}
        """seq -> time.time() this process first saw the entry (for the latency metric)."""
        self._idle = False
        """The last round found no endpoint: new log entries wait for the next poll (an
        endpoint added in this process says so, ``refresh``; one added by another
        process is found within ``poll``, its cursor where the log was when it was)."""
        self._enqueuer: asyncio.Task[None] | None = None
        self._purger: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False
        """``stop`` has begun: senders begin no delivery, and end once their own is done."""
        self._sending: set[str] = set()
        """The endpoints whose sender is sending a delivery now (claimed, not yet recorded)."""

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        # No pool limit: a wait for a connection must never make one endpoint wait on
        # another's slow receiver.
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            limits=limits,
            # Unless the operator allows private receivers (tests, an intranet), the
            # address is checked when the connection is made, not only before; through
            # a proxy the environment names (HTTP(S)_PROXY), the proxy connects, and
            # only the check before each attempt is newswire's.
            transport=(
                None if self.allow_private or urllib.request.getproxies() else PublicTransport(limits)
            ),
            headers={"User-Agent": USER_AGENT},
        )
        self._enqueuer = asyncio.create_task(self._enqueue_loop(), name="webhooks.enqueue")
        self._purger = asyncio.create_task(self._purge_loop(), name="webhooks.purge")

    async def stop(self) -> None:
        """Stop sending. No delivery is begun from now on, and those being sent are given
        the webhook timeout to be answered and recorded: a receiver that took one during a
        graceful stop is not sent it again after the restart (only a process that dies
        before it knows the answer sends a delivery twice). Past that, what is still being
        sent is cut and stays in the outbox, to be sent again."""
        self._stopping = True
        tasks = [task for task, _ in self._senders.values()]
        if self._purger is not None:
            self._purger.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._purger
            self._purger = None
        if self._enqueuer is not None:
            self._enqueuer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._enqueuer
        for _, wake in self._senders.values():
            wake.set()  # an idle sender sees the stop now, not at its next look
        if self._sending:
            log.info(
                "stopping: waiting up to %g s for the answers to %d webhook deliveries being sent",
                self.timeout,
                len(self._sending),
            )
        if tasks:
            await asyncio.wait(tasks, timeout=self.timeout + LEASE_GRACE)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._senders.clear()
        self._enqueuer = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def notify(self, changes: list[Change]) -> None:
        """The hub's ``on_changes`` callback: new entries are in the log."""
        seen = time.time()
        for change in changes:
            self._seen.setdefault(change.seq, seen)
        if len(self._seen) > 10_000:
            for old in sorted(self._seen)[:5_000]:
                del self._seen[old]
        if not self._idle:  # with no endpoint, a round per publish costs a thread hop
            self._new.set()

    def refresh(self) -> None:
        """Look at the endpoints and the log now (an endpoint was added or removed)."""
        self._new.set()

    def wake(self, webhook_id: str) -> None:
        """Let an endpoint's sender look at its queue now (a delivery was redelivered).
        Called in the event loop's thread, like ``refresh``."""
        sender = self._senders.get(webhook_id)
        if sender is not None:
            sender[1].set()
        else:
            self._new.set()

    # --- the purger -----------------------------------------------------------------------

    async def _purge_loop(self) -> None:
        """Remove the deliveries finished more than ``keep`` ago, now and every
        ``PURGE_EVERY`` seconds. Every process of every node does it: a purge another did
        meanwhile leaves this one nothing to remove. A failure is logged once, and tried
        again at the next round."""
        failing = False
        while True:
            try:
                removed = await run_in_threadpool(self.store.webhooks.purge, now() - self.keep)
            except asyncio.CancelledError:
                raise
            except Exception:
                if not failing:
                    log.exception("removing old webhook deliveries failed; tried again in an hour")
                failing = True
            else:
                failing = False
                if removed:
                    log.info(
                        "removed %d webhook deliveries finished more than %d days ago",
                        removed,
                        self.keep.days,
                    )
            await asyncio.sleep(PURGE_EVERY)

    # --- the enqueuer ----------------------------------------------------------------------

    async def _enqueue_loop(self) -> None:
        more = False
        while True:
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new.wait(), self.poll)
            self._new.clear()
            try:
                ids, added, due, more = await run_in_threadpool(self._round)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep going; the next round starts from the stored cursors
                log.exception("enqueuing webhook deliveries failed")
                more = False
                continue
            self._idle = not ids
            self._sync_senders(ids)
            for webhook_id in set(added) | due:
                if webhook_id in self._senders:
                    self._senders[webhook_id][1].set()

    def _round(self) -> tuple[set[str], dict[str, int], set[str], bool]:
        """One pass over every endpoint (in a worker thread): enqueue what the log has for
        it. Returns the endpoints, the deliveries added to each, the endpoints with a
        delivery due now, and whether some endpoint has more of the log to go through."""
        listed = self.store.webhooks.list()
        if not listed:  # most deployments' nodes, after every publish: one query, not four
            return set(), {}, set(), False
        subscribers = {s.name: s for s in self.store.subscribers.list()}
        hooks = [h for h in listed if h.active]
        # A disabled endpoint (410) of a suspended subscriber goes through the log too,
        # enqueuing nothing, as an active one does: enabled later, it is sent nothing of
        # what was published while its subscriber was suspended (a suspension is not
        # undone by a 410 and an enable).
        skipping = [
            h
            for h in listed
            if not h.active
            and (s := subscribers.get(h.subscriber)) is not None
            and s.status != "active"
        ]
        products: dict[str, list[Product] | None] = {}
        pages: dict[int, list[Change]] = {}
        moves: list[Advance] = []
        more = False
        last = self.store.last_seq()
        for hook in [*hooks, *skipping]:
            subscriber = subscribers.get(hook.subscriber)
            if subscriber is None or hook.cursor >= last:
                continue
            # A suspended subscriber gets nothing of what is published while it is: its
            # cursor moves on all the same.
            active = subscriber.status == "active"
            if active and subscriber.name not in products:
                products[subscriber.name] = self._products(subscriber)
            theirs = products.get(subscriber.name) or []
            if active and not theirs:
                continue
            cursor, rows, scanned = hook.cursor, [], 0
            while scanned < SCAN:
                if cursor not in pages:
                    pages[cursor] = self.store.changes(cursor, PAGE)
                changes = pages[cursor]
                for change in changes:
                    g = grant_for(theirs, change, self.previous) if active else None
                    if g is not None:
                        rows.append(
                            Outgoing(
                                change.seq,
                                change.item.id,
                                change.item.version,
                                change.kind,
                                g.access,
                                g.product,
                                0 if change.item.urgency == 1 else 1,
                            )
                        )
                    cursor = change.seq
                scanned += len(changes)
                if len(changes) < PAGE:
                    break
            else:
                more = True
            if cursor != hook.cursor:
                moves.append(Advance(hook.id, hook.cursor, cursor, rows))
        added = self.store.webhooks.advance(moves) if moves else {}
        self._suspended = {n for n, s in subscribers.items() if s.status != "active"}
        due = self.store.webhooks.due(now())
        return {h.id for h in hooks}, {k: n for k, n in added.items() if n}, due, more

    def _products(self, subscriber: Subscriber) -> list[Product] | None:
        try:
            return [self.store.products.get(p) for p in subscriber.products]
        except NewswireError:  # a product removed meanwhile: try again next round
            return None

    def _sync_senders(self, ids: set[str]) -> None:
        for webhook_id in ids - self._senders.keys():
            wake = asyncio.Event()
            task = asyncio.create_task(
                self._send_loop(webhook_id, wake), name=f"webhook.{webhook_id}"
            )
            self._senders[webhook_id] = (task, wake)
        for webhook_id in self._senders.keys() - ids:
            task, _ = self._senders.pop(webhook_id)
            task.cancel()

    # --- the senders -----------------------------------------------------------------------

    async def _send_loop(self, webhook_id: str, wake: asyncio.Event) -> None:
        """Send one endpoint's deliveries, one at a time, for as long as it exists."""
        hooks = self.store.webhooks
        while not self._stopping:
            wake.clear()
            try:
                target = await run_in_threadpool(hooks.head, webhook_id)
                if target is None:
                    await _wait(wake, IDLE)
                    continue
                delivery = target.delivery
                if delivery.subscriber in self._suspended:
                    await _wait(wake, self.poll)
                    continue
                started = now()
                delay = (delivery.next_attempt_at - started).total_seconds()
                if delay > 0:
                    await _wait(wake, delay)
                    continue
                lease = started + timedelta(seconds=self.timeout + LEASE_GRACE)
                attempt = delivery.attempts + 1
                if self._stopping:
                    return
                try:
                    if not await run_in_threadpool(hooks.claim, delivery, started, lease):
                        await _wait(wake, 0.05)  # another sender has it; look again
                        continue
                    self._sending.add(webhook_id)
                    await self._attempt(target, attempt, started)
                except asyncio.CancelledError:
                    with contextlib.suppress(Exception):
                        hooks.release(delivery.id, attempt)
                    raise
                finally:
                    self._sending.discard(webhook_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database busy, say: the delivery stays in the outbox
                log.exception("webhook %s: sending failed", webhook_id)
                await asyncio.sleep(self.poll)

    async def _attempt(self, target: Target, attempt: int, started: datetime) -> None:
        """POST one delivery once and record the outcome."""
        delivery = target.delivery
        status, error, asked = None, "", None
        try:
            body, embargoed = await run_in_threadpool(self._body, target)
        except Exception as exc:
            log.exception("webhook %s: rendering %s failed", delivery.webhook, delivery.id)
            body, error = None, f"the item could not be rendered: {exc}"
        # The POST ends within the attempt's time, counted from its claim, not from when
        # the body is ready: past the lease, another sender may have taken the delivery,
        # sent it and the item's next version, which a late POST of this one would undo.
        left = self.timeout - (now() - started).total_seconds()
        if body is not None and left <= 0:
            error = f"not sent: the server took the attempt's {self.timeout:g} s to prepare it"
        elif body is not None:
            status, error, asked = await self._post(target, body, embargoed, left)
        done = now()
        hooks = self.store.webhooks
        if status is not None and 200 <= status < 300:
            self.metrics.webhook_attempts.labels("delivered").inc()
            if await run_in_threadpool(hooks.succeeded, delivery.id, attempt, status, done):
                self.metrics.deliveries.labels("webhook").inc()
                self.meter.add(delivery.subscriber, "webhook", delivery.product)
                seen = self._seen.get(delivery.seq)
                if seen is not None:
                    self.metrics.latency.labels("webhook").observe(max(0.0, time.time() - seen))
            return
        if status == 410:
            await self._gone(target, attempt, error, done)
            return
        first = delivery.first_attempt_at or started
        if (done - first).total_seconds() >= self.retry_for:
            self.metrics.webhook_attempts.labels("dead").inc()
            log.warning(
                "webhook %s: delivery %s (sequence %d) failed for %.0f s: a dead letter (%s)",
                delivery.webhook,
                delivery.id,
                delivery.seq,
                (done - first).total_seconds(),
                error,
            )
            await run_in_threadpool(hooks.failed, delivery.id, attempt, status, error, None)
            return
        self.metrics.webhook_attempts.labels("retry").inc()
        self.metrics.webhook_retries.inc()
        # A receiver saying when to come back (429, 503 with Retry-After) is not called
        # before then, the hour between two attempts at most still holding.
        delay = max(backoff(attempt, self.retry_base), min(asked or 0.0, MAX_BACKOFF))
        retry_at = done + timedelta(seconds=delay)
        await run_in_threadpool(hooks.failed, delivery.id, attempt, status, error, retry_at)

    async def _gone(self, target: Target, attempt: int, error: str, at: datetime) -> None:
        """The receiver answered ``410 Gone``: the endpoint is no more, and retrying would
        call it for ``retry_for`` per delivery, for ever. It is disabled at once (nothing
        sent to it, nothing enqueued for it: its cursor stays), and the delivery stays
        pending, the first sent once its owner enables it again. Logged once, by the
        sender that disabled it."""
        delivery = target.delivery
        self.metrics.webhook_attempts.labels("gone").inc()
        hooks = self.store.webhooks
        if await run_in_threadpool(
            hooks.disable, delivery.webhook, delivery.id, attempt, 410, error, at
        ):
            log.warning(
                "webhook %s of %s (%s): the receiver answered 410 Gone (%s); the endpoint is"
                " disabled, delivery %s (sequence %d) kept pending. `newswire webhook enable"
                " %s` (or POST /v1/webhooks/%s/enable) sends to it again",
                delivery.webhook,
                delivery.subscriber,
                target.url,
                error,
                delivery.id,
                delivery.seq,
                delivery.webhook,
                delivery.webhook,
            )
        self._new.set()  # the next round ends the endpoint's sender

    def _body(self, target: Target) -> tuple[bytes, bool]:
        """The bytes every endpoint in this format and access level gets (rendered once),
        and whether the entry goes out before its embargo lifts (early-delivery products)."""
        delivery = target.delivery
        stored = self.store.get(delivery.item_id, delivery.version)
        body = self.renderer.render(delivery.seq, stored.item, target.format, delivery.access)
        embargoed = delivery.kind != "embargo-lift" and held(stored.item, stored.stored_at)
        return body, embargoed

    async def _post(
        self, target: Target, body: bytes, embargoed: bool, left: float
    ) -> tuple[int | None, str, float | None]:
        """(HTTP status, error, seconds the receiver asked to wait before the next try):
        status None when no answer came (timeout, refused...). ``left``: the seconds the
        attempt has still, the whole exchange cut after them."""
        delivery = target.delivery
        media_type = formats.get(target.format).media_type
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        headers = {
            "Content-Type": media_type,
            "X-Newswire-Signature": sign(target.secret, body),
            "X-Newswire-Delivery": delivery.id,
            "X-Newswire-Sequence": str(delivery.seq),
            "X-Newswire-Event": delivery.kind,
            "X-Newswire-Access": delivery.access,
            # The item without parsing the body (text, NewsML-G2, NITF bodies differ).
            "X-Newswire-Item": quote(delivery.item_id, safe=_ID_SAFE),
            "X-Newswire-Version": str(delivery.version),
        }
        if embargoed:
            headers["X-Newswire-Embargoed"] = "true"
        client = self._client
        if client is None:
            return None, "the server is stopping", None
        if not self.allow_private:
            # The plain cases, named before anything is sent; a name that resolves
            # elsewhere at connect time (DNS rebinding) is refused by ``PublicOnly``.
            refused = await refused_target(target.url)
            if refused:
                return None, refused, None
        try:
            # One deadline for the whole exchange: httpx's own timeouts are per read, so a
            # receiver trickling its answer a byte at a time would never trip them.
            async with asyncio.timeout(left):
                request = client.build_request("POST", target.url, content=body, headers=headers)
                response = await client.send(request, stream=True)
                try:
                    answer = b""
                    async for chunk in response.aiter_raw():
                        answer += chunk
                        if len(answer) >= ANSWER_BYTES:
                            break
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return None, f"no complete answer within {self.timeout:g} s", None
        except Exception as exc:  # refused, reset, DNS, TLS...: all are a failed attempt
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return None, error, None
        status = response.status_code
        if 200 <= status < 300:
            return status, "", None
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            return status, f"HTTP {status}: redirects are not followed ({location[:200]})", None
        # What the receiver said, shown to the operator (``webhook list``, ``deliveries``)
        # and the subscriber: a control or a bidi override in it would reorder or split
        # the lines it is shown in, so each is a space.
        text = " ".join(UNNAMEABLE.sub(" ", answer[:200].decode("utf-8", "replace")).split())
        asked = None
        if status in (429, 503):
            asked = retry_after(response.headers.get("retry-after"), now())
        error = f"HTTP {status}" + (f": {text}" if text else "")
        if asked is not None:
            error += f" (Retry-After: {asked:.0f} s)"
        return status, error, asked


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)
