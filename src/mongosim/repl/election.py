"""Elections (protocol version 1): the election timer, dry runs, vote requests, votes, priority takeover,
and the primary's own check that it still sees a majority.

A secondary that has not heard from a primary of its term for ``electionTimeoutMillis`` (plus a random offset
of up to ``electionTimeoutOffsetLimitFraction`` = 15%) runs a dry run at its current term, then increments
the term, votes for itself (persisted) and asks every voter; a majority of voting members makes it primary.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.repl import codes
from mongosim.repl.format import now_ms
from mongosim.repl.metrics import ElectionMetrics
from mongosim.repl.optime import MemberState, OpTime
from mongosim.repl.peer import PeerError

if TYPE_CHECKING:
    from mongosim.repl.config import MemberConfig
    from mongosim.repl.coordinator import ReplicationCoordinator

OFFSET_LIMIT_FRACTION = 0.15
# A secondary is fresh enough for a priority takeover when within this of the primary (seconds).
PRIORITY_TAKEOVER_FRESHNESS_S = 2


def _optime_text(optime: OpTime) -> str:
    return f"{{ ts: Timestamp({optime.ts.time}, {optime.ts.inc}), t: {optime.term} }}"


class ElectionManager:
    def __init__(self, coord: ReplicationCoordinator) -> None:
        self.coord = coord
        self.metrics = ElectionMetrics()
        self.deadline = float("inf")
        self.takeover_at: float | None = None
        self.in_progress = False
        self._became_primary_at = 0.0

    # ------------------------------------------------------------------------------------------- timer
    def reset_timer(self) -> None:
        config = self.coord.config
        if config is None:
            self.deadline = float("inf")
            return
        timeout = config.election_timeout_s
        self.deadline = time.monotonic() + timeout + random.uniform(0, timeout * OFFSET_LIMIT_FRACTION)

    def electable_reason(self) -> str | None:
        """Why this node may not stand for election now (None: it may)."""
        coord = self.coord
        me = coord.self_member
        if coord.config is None or me is None:
            return "not a member of a valid replica set config"
        if me.arbiter_only:
            return "member is an arbiter"
        if me.effective_priority <= 0:
            return "member has zero priority"
        if not me.is_voter:
            return "member is not currently a voting member"
        if coord.state is not MemberState.SECONDARY:
            return "member is not currently a secondary"
        now = time.monotonic()
        if now < coord.frozen_until or now < coord.stepdown_until:
            return "member is in a stepdown or freeze period"
        return None

    async def run(self) -> None:
        """The timer loop: elections on timeout or for a priority takeover; the primary's majority check."""
        coord = self.coord
        while not coord.server.shutting_down:
            config = coord.config
            tick = min(0.05, config.heartbeat_interval_s / 4) if config is not None else 0.1
            await asyncio.sleep(tick)
            if config is None or self.in_progress:
                continue
            try:
                if coord.is_primary:
                    self._check_majority_visible()
                    await self._promote_newly_added()
                elif coord.state is MemberState.SECONDARY:
                    await self._secondary_tick()
            except Exception as exc:  # the timer must survive any one failed attempt
                coord.log.error("ELECTION", 23000, "ReplCoord-0", "Election timer step failed", {"error": repr(exc)})

    async def _secondary_tick(self) -> None:
        coord = self.coord
        config = coord.config
        assert config is not None
        now = time.monotonic()
        if len(config.voting_members) == 1 and coord.self_member is not None and coord.self_member.is_voter:
            if self.electable_reason() is None:
                await self.start_election("singleNodePromptElection", skip_dry_run=True)
            return
        if now >= self.deadline:
            self.reset_timer()
            if self.electable_reason() is None:
                coord.log_repl(codes.ELECTION_TIMEOUT, "Starting an election, since we've seen no PRIMARY in "
                               "election timeout period", {"electionTimeoutPeriodMillis":
                                                           config.settings["electionTimeoutMillis"]},
                               component="ELECTION")
                await self.start_election("electionTimeout")
            return
        self._check_priority_takeover(now)
        if self.takeover_at is not None and now >= self.takeover_at:
            self.takeover_at = None
            if self._takeover_wanted():
                coord.log_repl(codes.PRIORITY_TAKEOVER, "Starting an election for a priority takeover",
                               component="ELECTION")
                await self.start_election("priorityTakeover")

    def _takeover_wanted(self) -> bool:
        coord = self.coord
        me, primary = coord.self_member, None
        if coord.primary_id is not None and coord.primary_id != coord.self_id and coord.config is not None:
            primary = coord.config.find_id(coord.primary_id)
        if me is None or primary is None or self.electable_reason() is not None:
            return False
        if me.effective_priority <= primary.effective_priority:
            return False
        data = coord.members.get(primary.id)
        if data is None or data.term != coord.term:
            return False
        # Fresh enough: within two seconds of the primary's last applied write.
        return coord.applied.ts.time + PRIORITY_TAKEOVER_FRESHNESS_S >= data.applied.ts.time

    def _check_priority_takeover(self, now: float) -> None:
        coord = self.coord
        if not self._takeover_wanted():
            self.takeover_at = None
            return
        if self.takeover_at is None and coord.config is not None and coord.self_member is not None:
            rank = coord.config.priority_rank(coord.self_member.effective_priority)
            timeout = coord.config.election_timeout_s
            self.takeover_at = now + (rank + 1) * timeout + random.uniform(0, timeout * OFFSET_LIMIT_FRACTION)

    async def _promote_newly_added(self) -> None:
        """A newly added member that reached SECONDARY gets its vote (the primary's automatic reconfig)."""
        from mongosim.repl.reconfig import clear_newly_added

        coord = self.coord
        for data in list(coord.members.values()):
            if data.config.newly_added and data.state is MemberState.SECONDARY and coord.is_writable_primary:
                await clear_newly_added(coord, data.id)

    def _check_majority_visible(self) -> None:
        """A primary that has not heard from a majority of voters within the election timeout steps down."""
        coord = self.coord
        config = coord.config
        assert config is not None
        now = time.monotonic()
        timeout = config.election_timeout_s
        if now - self._became_primary_at < timeout:
            return
        seen = 1 if coord.self_member is not None and coord.self_member.is_voter else 0
        seen += sum(1 for d in coord.members.values() if d.config.is_voter and now - d.last_update < timeout)
        if seen < config.majority_vote_count:
            coord.log.log("I", "REPL", codes.NO_MAJORITY, "ReplCoord-0",
                          "Can't see a majority of the set, relinquishing primary",
                          {"msg": "can't see a majority of the set, relinquishing primary"})
            coord.step_down("can't see a majority of the set, relinquishing primary")

    # ------------------------------------------------------------------------------------------- candidate
    async def start_election(self, reason: str, *, skip_dry_run: bool = False) -> bool:
        """Stand for election; True when this node won (and became primary)."""
        if self.in_progress or self.electable_reason() is not None:
            return False
        self.in_progress = True
        try:
            return await self._elect(reason, skip_dry_run)
        finally:
            self.in_progress = False
            self.reset_timer()

    async def _elect(self, reason: str, skip_dry_run: bool) -> bool:
        coord = self.coord
        config, me = coord.config, coord.self_member
        assert config is not None and me is not None
        voters = [m for m in config.voting_members if m.id != me.id]
        needed = config.majority_vote_count
        self.metrics.election_called(reason)
        prior_primary = coord.primary_id
        if not skip_dry_run:
            coord.log_repl(codes.DRY_RUN, "Conducting a dry run election to see if we could be elected",
                           {"currentTerm": coord.term}, component="ELECTION")
            dry_run_term = coord.term
            if not await self._request_votes(voters, needed, dry_run_term, dry_run=True):
                coord.log_repl(codes.DRY_RUN_FAILED, "Not running for primary, we received insufficient votes",
                               component="ELECTION")
                return False
            if coord.term != dry_run_term:
                # Another candidate won (or started) a newer term while we asked: mongod abandons the candidacy.
                coord.log_repl(codes.DRY_RUN_FAILED, "Not running for primary, the current term has changed",
                               {"oldTerm": dry_run_term, "newTerm": coord.term}, component="ELECTION")
                return False
            if coord.config is not config or self.electable_reason() is not None:
                return False
            coord.log_repl(codes.DRY_RUN_SUCCEEDED, "Dry election run succeeded, running for election",
                           {"newTerm": coord.term + 1}, component="ELECTION")
        term = coord.term + 1
        coord.term = term
        coord.record_vote(term, config.index_of(me.id))
        last_committed, last_seen = coord.last_committed, coord.applied
        if not await self._request_votes(voters, needed, term, dry_run=False):
            coord.log_repl(codes.ELECTION_LOST, "Not becoming primary, we received insufficient votes",
                           {"term": term}, component="ELECTION")
            return False
        if coord.term != term or coord.state is not MemberState.SECONDARY or coord.config is not config:
            return False
        coord.log_repl(codes.ELECTION_WON, "Election succeeded, assuming primary role", {"term": term},
                       component="ELECTION")
        candidate: dict[str, Any] = {
            "lastElectionReason": reason, "lastElectionDate": now_ms(), "electionTerm": Int64(term),
            "lastCommittedOpTimeAtElection": last_committed.to_document(),
            "lastSeenWrittenOpTimeAtElection": last_seen.to_document(),
            "lastSeenOpTimeAtElection": last_seen.to_document(), "numVotesNeeded": needed,
            "priorityAtElection": float(me.effective_priority),
            "electionTimeoutMillis": Int64(config.settings["electionTimeoutMillis"])}
        if prior_primary is not None and prior_primary != me.id:
            candidate["priorPrimaryMemberId"] = prior_primary
        self.metrics.election_won(reason, candidate)
        self._became_primary_at = time.monotonic()
        await coord.become_primary()
        return True

    async def _request_votes(self, voters: list[MemberConfig], needed: int, term: int, *, dry_run: bool) -> bool:
        """Ask every voter; True as soon as ``needed`` votes (ours included) are in."""
        coord = self.coord
        config = coord.config
        assert config is not None and coord.self_member is not None
        votes = 1
        if votes >= needed:
            return True
        request = {"replSetRequestVotes": 1, "setName": config.name, "dryRun": dry_run, "term": Int64(term),
                   "candidateIndex": config.index_of(coord.self_member.id), "configVersion": config.version,
                   "configTerm": config.term, "lastWrittenOpTime": coord.applied.to_document(),
                   "lastAppliedOpTime": coord.applied.to_document()}
        timeout = config.election_timeout_s

        async def ask(member: MemberConfig) -> dict[str, Any] | None:
            try:
                return await coord.peers.get(member.host, "election").command("admin", request, timeout)
            except PeerError:
                return None

        pending = {asyncio.ensure_future(ask(m)) for m in voters}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    reply = future.result()
                    if reply is None or reply.get("ok") != 1:
                        continue
                    if int(reply.get("term", -1)) > term:
                        coord.update_term(int(reply["term"]), "vote response")
                        return False
                    if reply.get("voteGranted"):
                        votes += 1
                if votes >= needed:
                    return True
            return False
        finally:
            for future in pending:
                future.cancel()

    # ------------------------------------------------------------------------------------------- voter
    def handle_vote_request(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """``replSetRequestVotes``: grant or refuse, with mongod's reasons; real votes are persisted first."""
        coord = self.coord
        config = coord.config
        if config is None:
            raise CommandError("NotYetInitialized", "no replset config has been received")
        term = int(cmd.get("term", -1))
        dry_run = bool(cmd.get("dryRun"))
        candidate_index = int(cmd.get("candidateIndex", -1))
        if not dry_run and term > coord.term:
            coord.update_term(term, "vote request")
        candidate = config.members[candidate_index] if 0 <= candidate_index < len(config.members) else None
        their_version, their_term = int(cmd.get("configVersion", -1)), int(cmd.get("configTerm", -1))
        last = OpTime.from_document(cmd.get("lastWrittenOpTime") or cmd.get("lastAppliedOpTime"))
        reason = ""
        if term < coord.term:
            reason = f"candidate's term ({term}) is lower than mine ({coord.term})"
        elif (their_term, their_version) < (config.term, config.version) and their_term != -1:
            reason = (f"candidate's config with {{version: {their_version}, term: {their_term}}} is older than "
                      f"mine with {config.version_term_string()}")
        elif cmd.get("setName") != config.name:
            reason = f"candidate's set name ({cmd.get('setName')}) differs from mine ({config.name})"
        elif last < coord.applied:
            reason = (f"candidate's data is staler than mine. candidate's last applied OpTime: {_optime_text(last)}, "
                      f"my last applied OpTime: {_optime_text(coord.applied)}")
        elif not dry_run and coord.last_vote[0] == term:
            voted = config.members[coord.last_vote[1]].host if 0 <= coord.last_vote[1] < len(config.members) else "?"
            reason = f"already voted for another candidate ({voted}) this term ({term})"
        else:
            reason = self._arbiter_refusal(candidate)
        granted = reason == "" and candidate is not None
        if granted and not dry_run:
            coord.record_vote(term, candidate_index)
            self.reset_timer()
        if not dry_run:
            self.metrics.participant = {
                "votedForCandidate": granted, "electionTerm": Int64(term), "lastVoteDate": now_ms(),
                "electionCandidateMemberId": candidate.id if candidate is not None else -1, "voteReason": reason,
                "lastWrittenOpTimeAtElection": coord.applied.to_document(),
                "maxWrittenOpTimeInSet": self._max_applied().to_document(),
                "lastAppliedOpTimeAtElection": coord.applied.to_document(),
                "maxAppliedOpTimeInSet": self._max_applied().to_document(),
                "priorityAtElection": float(coord.self_member.effective_priority) if coord.self_member else 0.0}
        coord.log_repl(codes.VOTE_REQUEST, "Voting for a candidate" if granted else "Refusing to vote",
                       {"dryRun": dry_run, "term": term, "candidateIndex": candidate_index, "reason": reason},
                       component="ELECTION")
        return {"term": Int64(coord.term), "voteGranted": granted, "reason": reason}

    def _arbiter_refusal(self, candidate: MemberConfig | None) -> str:
        """An arbiter does not vote for a candidate while it sees a healthy primary of equal or higher priority."""
        coord = self.coord
        me = coord.self_member
        if me is None or not me.arbiter_only or candidate is None or coord.primary_id is None:
            return ""
        data = coord.members.get(coord.primary_id)
        if data is None or data.health != 1.0 or data.state is not MemberState.PRIMARY:
            return ""
        if data.config.effective_priority >= candidate.effective_priority:
            return f"can see a healthy primary ({data.host}) of equal or greater priority"
        return ""

    def _max_applied(self) -> OpTime:
        best = self.coord.applied
        for data in self.coord.members.values():
            best = max(best, data.applied)
        return best
