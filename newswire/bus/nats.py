"""The NATS JetStream bus (``nats://127.0.0.1:4222?stream=NEWSWIRE&subject=newswire.items``).

For several nodes sharing one store: every node publishes what it stores and every node's
deliveries follow the same stream.

- One JetStream stream (``stream``, default ``NEWSWIRE``) takes one subject (``subject``,
  default ``newswire.items``). It is created on first use when missing (file storage,
  messages kept 24 hours) and must take that subject when it exists.
- An event travels as JSON (``newswire.bus.base.encode``) with the header
  ``Nats-Msg-Id: <seq>``, so JetStream drops a second publication of the same seq inside
  its duplicate window (2 minutes by default). ``publish`` waits for JetStream's ack.
  One stream serves one store: a new store whose seq starts again at 1 needs a new
  stream (or two minutes' wait), or its first events are taken for duplicates.
- A subscription is an ephemeral push consumer with ``DeliverPolicy.NEW``: it receives the
  messages stored from its start on (``start()``, ``async with`` or the first iteration),
  and the client keeps those with ``seq > after`` (and above the last yielded).
  Our seq is not the stream's sequence, so there is no mapping to start from; older events
  are not replayed, which the contract leaves to the store.
- A consumer can be lost under a running node: the stream deleted (and made again by the
  next publish, here or on another node), the consumer deleted, a server restarted without
  its storage or away longer than an idle consumer is kept. The bus checks that its
  consumers are still there when the server announces a consumer deleted (its advisory),
  when the connection comes back, when a publish finds the stream gone, and every
  ``WATCH_EVERY`` seconds. A subscription whose consumer is gone, or whose consumer skipped
  messages, ends with ``Lost`` (an ``Overflow``): its consumer resumes from the store and
  subscribes again. Until a subscription is made again ``status()`` says ``resubscribing``;
  the log says so once, and once when the bus is followed again. (An ordered consumer,
  which the client re-makes by itself, went on waiting for the old stream's sequence:
  after the stream was made again it delivered nothing, and nobody was told.)
- Messages are handed from the NATS client's callback to the subscription's bounded queue
  without waiting; a consumer that falls behind gets ``Overflow``, as on the memory bus.

``nats-py`` is imported only when the bus connects, so the package works without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import re
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newswire.bus.base import (
    Event,
    FanOut,
    Subscription,
    decode,
    encode,
    queue_size_option,
    url_options,
)
from newswire.errors import BadInput, Unavailable

log = logging.getLogger(__name__)

DEFAULT_STREAM = "NEWSWIRE"
DEFAULT_SUBJECT = "newswire.items"
DEFAULT_PORT = 4222
TIMEOUT = 5.0
"""Seconds to wait for any one answer of the server (connect, ack, consumer creation)."""
MAX_AGE = 24 * 3600.0
"""Seconds a message stays in a stream this bus creates."""
WATCH_EVERY = 5.0
"""Seconds between two checks that the consumers of live subscriptions are still there, for
a loss no advisory told of (the server's advisories may be denied to this user)."""

_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_SUBJECT = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


class NatsBus(FanOut):
    """``nats://[user:password@]host:port`` with options ``stream``, ``subject``, ``queue_size``."""

    def __init__(self, url: str, *, queue_size: int | None = None):
        super().__init__()
        options = url_options(url, ("stream", "subject", "queue_size"))
        parts = urlsplit(url)
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as exc:
            raise BadInput(f"bus URL {url!r}: {exc}", field="bus") from exc
        if parts.path not in ("", "/"):
            raise BadInput(f"bus URL {url!r}: a NATS URL has no path", field="bus")
        self.url = url
        self.stream = options.get("stream", DEFAULT_STREAM)
        self.subject = options.get("subject", DEFAULT_SUBJECT)
        self.queue_size = queue_size or queue_size_option(url, options)
        if not _STREAM_NAME.fullmatch(self.stream):
            raise BadInput(
                f"bus URL {url!r}: stream name {self.stream!r} may only hold letters, "
                "digits, '-' and '_'",
                field="bus",
            )
        if not _SUBJECT.fullmatch(self.subject):
            raise BadInput(
                f"bus URL {url!r}: subject {self.subject!r} must be dot-separated tokens "
                "of letters, digits, '-' and '_' (no wildcards)",
                field="bus",
            )
        if importlib.util.find_spec("nats") is None:
            raise BadInput("a nats:// bus needs the nats-py package", field="bus")
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        userinfo = parts.netloc.rpartition("@")[0]
        self.server = f"nats://{userinfo + '@' if userinfo else ''}{host}:{port}"
        self._where = f"NATS at {host}:{port}"
        self._nc: Any = None
        self._js: Any = None
        self._connecting = asyncio.Lock()
        self._listening: dict[Any, weakref.ref[_NatsSubscription]] = {}
        """The NATS subscriptions feeding live subscriptions of ours, and which."""
        self._lost: str | None = None
        """Why a subscription was lost, until one is made again: ``status()`` is not ready."""
        self._check = asyncio.Event()
        """Set to have the watcher check now that every consumer is still there."""
        self._watcher: asyncio.Task[None] | None = None
        self._abandoned: list[Any] = []
        """NATS subscriptions whose subscription of ours was dropped unclosed, to end."""

    # --- the Bus protocol ----------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        import nats.errors
        from nats.js.errors import NoStreamResponseError

        js = await self._jetstream()
        await self._reap()
        data, headers = encode(event), {"Nats-Msg-Id": f"{event.seq}"}
        try:
            try:
                await js.publish(
                    self.subject, data, timeout=TIMEOUT, stream=self.stream, headers=headers
                )
            except NoStreamResponseError:
                # The stream is gone (deleted, or a NATS server that lost its storage) while
                # this bus was connected: made again as on first use, or every publish would
                # fail until the node restarted. Every consumer went with it.
                self._check.set()
                await self._ensure_stream(js)
                log.warning("%s: stream %r was gone: made again", self._where, self.stream)
                await js.publish(
                    self.subject, data, timeout=TIMEOUT, stream=self.stream, headers=headers
                )
        except (nats.errors.Error, OSError) as exc:
            raise Unavailable(
                f"{self._where} did not take event {event.seq}: {_reason(exc)}", field="bus"
            ) from exc

    def _subscription(self, after: int) -> Subscription:
        return _NatsSubscription(self, after, self.queue_size)

    async def close(self) -> None:
        self._end_all()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        self._abandoned.extend(self._listening)
        self._listening.clear()
        await self._reap()
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            await nc.close()

    def status(self) -> str:
        nc = self._nc
        if self._closed:
            return "closed"
        if nc is None:  # never connected yet, or the last try failed (delivery retries)
            return "not connected"
        if nc.is_connected:
            # A subscription lost its consumer (its stream deleted, ...) and none is made
            # again yet: this node is not woken by the others' publishes.
            return "ready" if self._lost is None else "resubscribing"
        if nc.is_reconnecting:  # lost: the client keeps trying; publishes fail meanwhile
            return "reconnecting"
        return "not connected"

    # --- connection and subscriptions ----------------------------------------------------

    async def _jetstream(self) -> Any:
        """The JetStream context, connecting and making sure of the stream the first time."""
        import nats.errors

        if self._closed:
            raise Unavailable("the bus is closed", field="bus")
        async with self._connecting:
            if self._js is None:
                nc = await self._connect()
                js = nc.jetstream(timeout=TIMEOUT)
                try:
                    await self._ensure_stream(js)
                except BaseException:
                    await nc.close()
                    raise
                if self._closed:
                    await nc.close()
                    raise Unavailable("the bus is closed", field="bus")
                with contextlib.suppress(nats.errors.Error):
                    # The server says when a consumer of the stream is deleted (the stream
                    # deleted with it): a hint to check ours now, not at the next round.
                    await nc.subscribe(
                        f"$JS.EVENT.ADVISORY.CONSUMER.DELETED.{self.stream}.*",
                        cb=self._advised,
                    )
                self._nc, self._js = nc, js
        return self._js

    async def _connect(self) -> Any:
        import nats
        import nats.errors

        # The client reports every failed try. Before the first connection the caller is
        # told (``Unavailable``, logged once by the hub and the herald, which try again
        # twice a second): a line a try made four a second for as long as NATS was out of
        # reach. Once connected, a reason is logged once, not at every reconnect try,
        # until the connection is back.
        connected, said = False, ""

        async def report(exc: Exception) -> None:
            nonlocal said
            if connected and _reason(exc) != said:
                said = _reason(exc)
                log.warning("%s: %s", self._where, said)

        async def reconnected() -> None:
            nonlocal said
            self._check.set()  # consumers may have gone while the connection was down
            if said:
                log.warning("%s: connected again", self._where)
            said = ""

        try:
            # A few quick tries, so a bus that is not there is an error at once...
            nc = await nats.connect(
                self.server,
                name="newswire",
                error_cb=report,
                reconnected_cb=reconnected,
                connect_timeout=2,
                reconnect_time_wait=0.25,
                max_reconnect_attempts=3,
            )
        except (nats.errors.Error, OSError) as exc:
            raise Unavailable(f"cannot reach {self._where}: {_reason(exc)}", field="bus") from exc
        connected = True
        # ... and, once connected, reconnecting for as long as it takes (a restarting server).
        nc.options["max_reconnect_attempts"] = -1
        nc.options["reconnect_time_wait"] = 2
        return nc

    async def _ensure_stream(self, js: Any) -> None:
        import nats.errors
        from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
        from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

        try:
            try:
                info = await js.stream_info(self.stream)
            except NotFoundError:
                await js.add_stream(
                    StreamConfig(
                        name=self.stream,
                        subjects=[self.subject],
                        retention=RetentionPolicy.LIMITS,
                        storage=StorageType.FILE,
                        discard=DiscardPolicy.OLD,
                        max_age=MAX_AGE,
                    )
                )
                return
        except ServiceUnavailableError as exc:
            raise Unavailable(f"{self._where}: {_reason(exc)}", field="bus") from exc
        except APIError as exc:
            raise BadInput(
                f"{self._where}: cannot use stream {self.stream!r}: {_reason(exc)}", field="bus"
            ) from exc
        except (nats.errors.Error, OSError) as exc:
            raise Unavailable(f"{self._where}: {_reason(exc)}", field="bus") from exc
        if self.subject not in (info.config.subjects or []):
            raise BadInput(
                f"{self._where}: stream {self.stream!r} does not take subject {self.subject!r}",
                field="bus",
            )

    async def _listen(self, subscription: _NatsSubscription) -> Any:
        """A NATS subscription feeding ``subscription`` (held weakly) from now on."""
        import nats.errors
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        js = await self._jetstream()
        await self._reap()
        target = weakref.ref(subscription)
        expected = 1  # the consumer's sequence of the next message

        async def deliver(msg: Any) -> None:
            nonlocal expected
            receiver = target()
            if receiver is None:
                return
            delivered = msg.metadata.sequence.consumer
            if delivered != expected:  # the consumer skipped some: they are not coming
                receiver.lose(f"the consumer of stream {self.stream!r} skipped messages")
                return
            expected += 1
            try:
                event = decode(msg.data)
            except BadInput as exc:
                log.warning("%s: skipped a message on %s: %s", self._where, self.subject, exc)
                return
            receiver.push(event)

        def consume() -> Any:
            # Each message once, none acknowledged; the consumer's state in memory, as an
            # ordered consumer's: one lost with its server is found missing and made again.
            config = ConsumerConfig(
                ack_policy=AckPolicy.NONE, max_deliver=1, num_replicas=1, mem_storage=True
            )
            return js.subscribe(
                self.subject,
                stream=self.stream,
                cb=deliver,
                config=config,
                deliver_policy=DeliverPolicy.NEW,
            )

        try:
            try:
                listening = await consume()
            except NotFoundError:
                # The stream is gone (deleted, or a server that lost its storage) and no
                # publish has made it again yet: made again here, as on first use.
                await self._ensure_stream(js)
                log.warning("%s: stream %r was gone: made again", self._where, self.stream)
                listening = await consume()
        except (nats.errors.Error, OSError) as exc:
            raise Unavailable(
                f"{self._where}: cannot subscribe: {_reason(exc)}", field="bus"
            ) from exc
        self._listening[listening] = target
        if self._lost is not None:
            log.warning("%s: stream %r is followed again", self._where, self.stream)
            self._lost = None
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return listening

    async def _advised(self, msg: Any) -> None:
        """The server's advisory that a consumer of the stream was deleted."""
        self._check.set()

    async def _watch(self) -> None:
        """Check that every live subscription's consumer is still there, every
        ``WATCH_EVERY`` seconds and whenever something says one may be gone."""
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._check.wait(), WATCH_EVERY)
            self._check.clear()
            try:
                await self._check_consumers()
            except asyncio.CancelledError:
                raise
            except Exception:  # the watch must outlive any one check: no one else looks
                log.exception("%s: checking the consumers failed", self._where)

    async def _check_consumers(self) -> None:
        import nats.errors
        from nats.js.errors import NotFoundError

        gone = []
        for listening in tuple(self._listening):
            try:
                await listening.consumer_info()
            except NotFoundError:
                gone.append(listening)
            except (TypeError, KeyError, ValueError):
                # An answer the client cannot read as a consumer's (seen in the suite: a
                # consumer_info_response with no name, no stream, no config, the moment its
                # consumer was deleted): gone as far as this node can tell. Subscribing
                # again costs a resume from the store; waiting on it, no wake-ups ever.
                gone.append(listening)
            except (nats.errors.Error, OSError, TimeoutError) as exc:
                # Out of reach: the connection's state says so; checked again when it is back.
                log.debug("%s: consumer info: %s", self._where, _reason(exc))
                return
        if not gone:
            return
        reason = (
            f"the consumer following stream {self.stream!r} is gone (the server removes"
            " a node's consumer a few seconds after the node is cut off from it; or the"
            " stream or the consumer was deleted, or the server lost it)"
        )
        told = False
        for listening in gone:
            target = self._listening.pop(listening, None)
            self._abandoned.append(listening)
            subscription = target() if target is not None else None
            if subscription is not None:
                subscription.lose(reason)
                told = True
        if told and self._lost is None:
            self._lost = reason
            log.warning("%s: %s: resuming from the store and subscribing again", self._where, reason)
        await self._reap()

    async def _unlisten(self, listening: Any) -> None:
        import nats.errors

        self._listening.pop(listening, None)
        if self._nc is None or self._nc.is_closed:
            return
        try:
            await asyncio.wait_for(listening.unsubscribe(), TIMEOUT)
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            log.debug("%s: unsubscribe: %s", self._where, _reason(exc))

    def _abandon(self, listening: Any) -> None:
        """Called when a subscription of ours is garbage collected without being closed."""
        if listening in self._listening:
            del self._listening[listening]
            self._abandoned.append(listening)

    async def _reap(self) -> None:
        while self._abandoned:
            await self._unlisten(self._abandoned.pop())


class _NatsSubscription(Subscription):
    def __init__(self, bus: NatsBus, after: int, queue_size: int):
        super().__init__(after, queue_size)
        self._bus = bus
        self._listening: Any = None
        self._starting = asyncio.Lock()
        self._finalizer: weakref.finalize[[Any], _NatsSubscription] | None = None

    async def start(self) -> None:
        if self._listening is not None or self._ended:
            return
        async with self._starting:
            if self._listening is not None or self._ended:
                return
            listening = await self._bus._listen(self)
            if self._stopped:  # closed while it was starting
                await self._bus._unlisten(listening)
                return
            self._listening = listening
            self._finalizer = weakref.finalize(self, self._bus._abandon, listening)

    async def _stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
        if self._listening is not None:
            await self._bus._unlisten(self._listening)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__



# The contract, checked by mypy (nothing runs): the backend satisfies ``Bus``.
if TYPE_CHECKING:
    from newswire.bus.base import Bus

    _bus: type[Bus] = NatsBus
