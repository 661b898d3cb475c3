"""Election counters and the last election's metrics, as serverStatus ``electionMetrics`` and replSetGetStatus
``electionCandidateMetrics`` / ``electionParticipantMetrics`` report them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bson.int64 import Int64

from mongosim.repl.format import now_ms

# serverStatus electionMetrics keys by the election reason that produced them.
REASON_KEYS = {"stepUpRequest": "stepUpCmd", "stepUpRequestSkipDryRun": "stepUpCmd",
               "priorityTakeover": "priorityTakeover", "catchUpTakeover": "catchUpTakeover",
               "electionTimeout": "electionTimeout", "freezeTimeout": "freezeTimeout",
               "singleNodePromptElection": "electionTimeout"}
_COUNTER_KEYS = ("stepUpCmd", "priorityTakeover", "catchUpTakeover", "electionTimeout", "freezeTimeout")
_CATCH_UP_KEYS = ("numCatchUps", "numCatchUpsSucceeded", "numCatchUpsAlreadyCaughtUp", "numCatchUpsSkipped",
                  "numCatchUpsTimedOut", "numCatchUpsFailedWithError", "numCatchUpsFailedWithNewTerm",
                  "numCatchUpsFailedWithReplSetAbortPrimaryCatchUpCmd")


@dataclass
class ElectionMetrics:
    called: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTER_KEYS, 0))
    successful: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTER_KEYS, 0))
    step_downs_higher_term: int = 0
    catch_ups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_CATCH_UP_KEYS, 0))
    candidate: dict[str, Any] | None = None
    participant: dict[str, Any] | None = None

    def election_called(self, reason: str) -> None:
        self.called[REASON_KEYS.get(reason, "electionTimeout")] += 1

    def election_won(self, reason: str, candidate: dict[str, Any]) -> None:
        self.successful[REASON_KEYS.get(reason, "electionTimeout")] += 1
        # A won election with nothing to catch up on: mongod counts it as already caught up.
        self.catch_ups["numCatchUps"] += 1
        self.catch_ups["numCatchUpsAlreadyCaughtUp"] += 1
        self.candidate = candidate

    def write_available(self, term: int) -> None:
        if self.candidate is not None and int(self.candidate.get("electionTerm", -1)) == term:
            self.candidate["numCatchUpOps"] = Int64(0)
            self.candidate["newTermStartDate"] = now_ms()
            self.candidate["wMajorityWriteAvailabilityDate"] = now_ms()

    def clear_candidate(self) -> None:
        """A node that stops being primary no longer reports candidate metrics (mongod clears them)."""
        self.candidate = None

    def server_status(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: {"called": Int64(self.called[key]), "successful": Int64(self.successful[key])}
                               for key in _COUNTER_KEYS}
        out["numStepDownsCausedByHigherTerm"] = Int64(self.step_downs_higher_term)
        for key in _CATCH_UP_KEYS:
            out[key] = Int64(self.catch_ups[key])
        out["averageCatchUpOps"] = 0.0
        return out
