"""``SyncManager``: a secondary's data replication — sync source, oplog fetching, applying, progress upstream.

Lifecycle (``repl/install.py`` owns it): ``SyncManager(server)`` after ``server.oplog`` exists, then ``start()``
(subscribes to the coordinator's state changes, registers the step-up hook that stops fetching before a new
primary writes its "new primary" entry, starts the loop); ``await stop()`` at shutdown.

The loop, by member state:
- STARTUP2: an initial sync (``initial_sync.py``) when this node has no oplog (or an interrupted initial sync),
  else SECONDARY at once.
- SECONDARY / RECOVERING: choose a sync source (``source.py``), then run the oplog fetcher against it:
  ``find`` on ``local.oplog.rs`` ``{ts: {$gte: <last fetched>}}`` tailable + awaitData with ``term``, then
  ``getMore`` with ``maxTimeMS`` = min(electionTimeoutMillis / 2, 30 s). The first entry returned must be our
  last one; otherwise the node is too stale (the source's oplog starts after it: RECOVERING, another source) or
  has diverged (``rollback.py``). Batches are applied (``applier.py``), the journal is flushed, the coordinator's
  applied/durable optimes advance, and a reporter sends ``replSetUpdatePosition`` with
  ``progress_for_upstream()`` to the source whenever they change. The source is left when
  ``source.reason_to_change`` says so, when it fails (it is then denied for a while), or when this node becomes
  primary. After a rollback the node stays RECOVERING until it has applied up to the source's optime at the
  time of the rollback (minValid), then becomes SECONDARY. A delayed member (``secondaryDelaySecs``) applies
  each entry only once it is that old; a ``buildIndexes: false`` member builds no index but ``_id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim.repl import source as sources
from mongosim.repl.applier import Applier
from mongosim.repl.cloner import READ_PREFERENCE, SourceError
from mongosim.repl.optime import EPOCH, MemberState, OpTime
from mongosim.repl.peer import PeerClient, PeerError

if TYPE_CHECKING:
    from mongosim.repl.coordinator import ReplicationCoordinator
    from mongosim.repl.oplog import Oplog
    from mongosim.server import Server

ID_SOURCE_CHOSEN = 21799
ID_NO_SOURCE = 21798
ID_SOURCE_CLEARED = 21104
ID_TOO_STALE = 21800
ID_FETCHER_ERROR = 21115
ID_SYNC_LOOP_ERROR = 21116
DENY_SECONDS = 10.0
FETCH_BATCH_SIZE = 13_981_010  # bgSyncOplogFetcherBatchSize
INITIAL_FIND_MAX_MS = 60_000   # oplogInitialFindMaxSeconds
APPLY_CHUNK = 256
REPORT_KEEPALIVE_S = 5.0


class Divergence(Exception):
    """Our last entry is not the sync source's: ``first`` is the source's first entry at or after it (None when
    the source has nothing that recent)."""

    def __init__(self, first: dict[str, Any] | None) -> None:
        super().__init__("our last fetched optime is not in the sync source's oplog")
        self.first = first


class SyncManager:
    def __init__(self, server: Server) -> None:
        assert server.storage is not None and server.oplog is not None and server.repl is not None
        self.server = server
        self.repl: ReplicationCoordinator = server.repl
        self.oplog: Oplog = server.oplog
        self.applier = Applier(server.storage, self.oplog, server.log)
        self.source = ""
        self.denied: dict[str, float] = {}
        # RECOVERING after a rollback until this optime is applied.
        self.min_valid: OpTime | None = None
        self._task: asyncio.Task[None] | None = None
        self._paused = False
        self._stopped = False
        self._no_source_logged = False

    # ------------------------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self.repl.state_listeners.append(self._state_changed)
        # Before the oplog's "new primary" hook: no fetched entry may land after it.
        self.repl.step_up_hooks.insert(0, self._drain)
        self._ensure_running()

    async def stop(self) -> None:
        self._stopped = True
        await self._cancel()

    def _ensure_running(self) -> None:
        if self._stopped or self._paused or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="BackgroundSync")

    async def _cancel(self) -> None:
        """Stop the loop and wait until it has: a cancellation can be lost (``wait_for`` completing at the same
        moment), so it is repeated until the task is done."""
        task, self._task = self._task, None
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=1.0)

    async def _drain(self) -> None:
        """Step-up: stop fetching (every fetched batch is already applied) before the node writes."""
        self._paused = True
        self._set_source("", "this node became primary")
        await self._cancel()

    def _state_changed(self, old: MemberState, new: MemberState) -> None:
        if old is MemberState.PRIMARY and new is not MemberState.PRIMARY:
            self._paused = False
            self._ensure_running()

    # ------------------------------------------------------------------------------------------- main loop
    async def _run(self) -> None:
        while not self._stopped:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop must survive anything one attempt runs into
                self.server.log.error("REPL", ID_SYNC_LOOP_ERROR, "BackgroundSync", "Replication loop error",
                                      {"error": repr(exc)})
                await asyncio.sleep(1.0)

    async def _step(self) -> None:
        state = self.repl.state
        if state is MemberState.STARTUP2:
            from mongosim.repl.initial_sync import InitialSync, needs_initial_sync

            if needs_initial_sync(self.server):
                await InitialSync(self).run()
            else:
                self.repl.set_follower_state(MemberState.SECONDARY)
            return
        if state in (MemberState.SECONDARY, MemberState.RECOVERING):
            chosen = self.choose_source()
            if chosen is None:
                await self.repl.wait_progress(None, 0.5)
                return
            await self._sync_from(chosen)
            return
        await self.repl.wait_progress(None, 1.0)

    def choose_source(self) -> str | None:
        now = time.monotonic()
        self.denied = {host: until for host, until in self.denied.items() if until > now}
        config = self.repl.config
        chaining = bool(config.settings.get("chainingAllowed", True)) if config is not None else True
        requested = self.repl.requested_sync_source
        chosen = sources.choose(self.repl.members_view(), self.oplog.top(), chaining=chaining,
                                requested=requested, denied=set(self.denied))
        if requested and chosen is not None and chosen.host == requested:
            self.repl.requested_sync_source = None
        if chosen is None:
            if not self._no_source_logged:
                self.server.log.info("REPL", ID_NO_SOURCE, "BackgroundSync", "Could not find member to sync from")
                self._no_source_logged = True
            return None
        self._no_source_logged = False
        return chosen.host

    def deny(self, host: str, seconds: float = DENY_SECONDS) -> None:
        self.denied[host] = time.monotonic() + seconds

    def _set_source(self, host: str, reason: str = "") -> None:
        if host == self.source:
            return
        if host:
            self.server.log.info("REPL", ID_SOURCE_CHOSEN, "BackgroundSync", "Sync source candidate chosen",
                                 {"syncSource": host})
        elif self.source:
            self.server.log.info("REPL", ID_SOURCE_CLEARED, "BackgroundSync", "Clearing sync source to choose a "
                                 "new one", {"syncSource": self.source, "reason": reason})
        self.source = host
        self.repl.sync_source_host = host
        self.server.bump_topology()

    # ------------------------------------------------------------------------------------------- fetching
    def _await_ms(self) -> int:
        config = self.repl.config
        timeout_s = config.election_timeout_s if config is not None else 10.0
        return int(min(timeout_s * 1000 / 2, 30_000))

    def _still_wanted(self, host: str) -> str | None:
        """Why fetching from ``host`` must stop now, or None."""
        if self._stopped or self._paused or self.repl.state not in (MemberState.SECONDARY, MemberState.RECOVERING):
            return f"member state is {self.repl.state.name}"
        config = self.repl.config
        chaining = bool(config.settings.get("chainingAllowed", True)) if config is not None else True
        return sources.reason_to_change(self.repl.members_view(), host, chaining=chaining,
                                        requested=self.repl.requested_sync_source)

    async def _sync_from(self, host: str) -> None:
        client = PeerClient(host)
        self._set_source(host)
        reporter = asyncio.get_running_loop().create_task(self._report(host), name="SyncSourceFeedback")
        reason = "fetcher stopped"
        try:
            reason = await self._fetch(client, host)
        except Divergence as divergence:
            reason = await self._diverged(client, host, divergence)
        except (PeerError, SourceError, OSError) as exc:
            reason = str(exc)
            self.server.log.info("REPL", ID_FETCHER_ERROR, "BackgroundSync", "Error returned from oplog query",
                                 {"syncSource": host, "error": str(exc)})
            self.deny(host, 1.0)
        finally:
            reporter.cancel()
            await asyncio.wait([reporter])
            client.close()
            self._set_source("", reason)

    def _find_command(self, last: OpTime) -> dict[str, Any]:
        return {"find": "oplog.rs", "filter": {"ts": {"$gte": last.ts}}, "tailable": True, "awaitData": True,
                "maxTimeMS": INITIAL_FIND_MAX_MS, "batchSize": FETCH_BATCH_SIZE, "term": Int64(self.repl.term),
                "readConcern": {"level": "local", "afterClusterTime": Timestamp(0, 1)},
                "$readPreference": READ_PREFERENCE}

    async def _fetch(self, client: PeerClient, host: str) -> str:
        last = self.oplog.top()
        reply = await client.command("local", self._find_command(last), INITIAL_FIND_MAX_MS / 1000 + 5)
        if reply.get("ok") != 1:
            raise SourceError(host, reply)
        cursor = reply["cursor"]
        batch = list(cursor.get("firstBatch", []))
        if not batch or OpTime.of_entry(batch[0]) != last:
            raise Divergence(batch[0] if batch else None)
        await self.apply(batch[1:])
        cursor_id = int(cursor.get("id", 0))
        await_ms = self._await_ms()
        while cursor_id:
            reason = self._still_wanted(host)
            if reason is not None:
                with contextlib.suppress(PeerError):
                    await client.command("local", {"killCursors": "oplog.rs", "cursors": [Int64(cursor_id)]}, 2.0)
                return reason
            reply = await client.command("local", {
                "getMore": Int64(cursor_id), "collection": "oplog.rs", "maxTimeMS": await_ms,
                "term": Int64(self.repl.term), "lastKnownCommittedOpTime": self.repl.last_committed.to_document(),
                "$readPreference": READ_PREFERENCE}, await_ms / 1000 + 5)
            if reply.get("ok") != 1:
                raise SourceError(host, reply)
            await self.apply(reply["cursor"].get("nextBatch", []))
            cursor_id = int(reply["cursor"].get("id", 0))
        return "the sync source closed the oplog cursor"

    @property
    def build_indexes(self) -> bool:
        me = self.repl.self_member
        return me is None or me.build_indexes

    async def apply(self, entries: list[dict[str, Any]]) -> None:
        """Apply fetched entries in chunks (the event loop keeps serving between them), flush the journal,
        advance the optimes; entries at or before our top are skipped. A delayed member (secondaryDelaySecs)
        applies each entry only once it is that old."""
        top = self.oplog.top()
        fresh = [entry for entry in entries if OpTime.of_entry(entry) > top]
        self.applier.build_indexes = self.build_indexes
        me = self.repl.self_member
        delay = me.secondary_delay_secs if me is not None else 0
        chunk_size = 1 if delay else APPLY_CHUNK
        for start in range(0, len(fresh), chunk_size):
            chunk = fresh[start:start + chunk_size]
            if delay:
                await self._wait_until_ripe(chunk[0], delay)
            self.applier.apply_batch(chunk)
            last = chunk[-1]
            self.oplog.advance_applied(OpTime.of_entry(last), last["wall"])
            if start + APPLY_CHUNK < len(fresh):
                await asyncio.sleep(0)
        if fresh:
            assert self.server.storage is not None
            self.server.storage.sync_journal()
        self._check_min_valid()

    async def _wait_until_ripe(self, entry: dict[str, Any], delay: int) -> None:
        wall = entry.get("wall")
        if not isinstance(wall, dt.datetime):
            return
        ripe_in = (wall - EPOCH).total_seconds() + delay - time.time()
        if ripe_in > 0:
            await asyncio.sleep(ripe_in)

    def _check_min_valid(self) -> None:
        if self.min_valid is not None and self.oplog.top() >= self.min_valid:
            self.min_valid = None
            if self.repl.state is MemberState.RECOVERING:
                self.repl.set_follower_state(MemberState.SECONDARY)

    async def _diverged(self, client: PeerClient, host: str, divergence: Divergence) -> str:
        """Too stale (the source's oplog no longer holds our last entry) or diverged (rollback)."""
        from mongosim.repl import cloner
        from mongosim.repl.rollback import Rollback

        last = self.oplog.top()
        oldest = [entry async for entry in cloner.cursor(client, "local", {
            "find": "oplog.rs", "sort": {"$natural": 1}, "limit": 1, "singleBatch": True})]
        if oldest and oldest[0]["ts"] > last.ts:
            self.server.log.error("REPL", ID_TOO_STALE, "BackgroundSync", "Too stale to catch up -- entering "
                                  "maintenance mode", {"lastOpTimeFetched": last.to_document(),
                                                       "syncSource": host,
                                                       "earliestOpTimeSeen": OpTime.of_entry(oldest[0])
                                                       .to_document()})
            self.deny(host)
            self.repl.set_follower_state(MemberState.RECOVERING)
            return "too stale to sync from this source"
        await Rollback(self, client, host).run()
        return "rollback finished"

    # ------------------------------------------------------------------------------------------- feedback
    async def _report(self, host: str) -> None:
        """SyncSourceFeedback: replSetUpdatePosition to the source whenever our (or downstream) progress moves,
        and at least every few seconds."""
        peer = self.repl.peers.get(host, "updatePosition")
        last_sent: list[dict[str, Any]] | None = None
        last_time = 0.0
        while True:
            positions = self.repl.progress_for_upstream()
            if positions and (positions != last_sent or time.monotonic() - last_time > REPORT_KEEPALIVE_S):
                try:
                    await peer.command("admin", {"replSetUpdatePosition": 1, "optimes": positions}, 10.0)
                    last_sent, last_time = positions, time.monotonic()
                except PeerError:
                    await asyncio.sleep(0.5)
            await self.repl.wait_progress(None, 1.0)
