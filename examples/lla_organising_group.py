"""The organising group's meeting, replayed with the library alone, no store, no server.

An organising group of fifteen debates a motion setting conditions for
joining a common left slate. An amendment leaves out the conditions and the
fallback; it is carried 8-5 with no abstentions on a recorded vote, and the
substantive motion as amended is carried 9-5 with 1 abstention. The meeting
itself (members, motion, amendment, votes) is written out command by command
in ``api/demo_meeting.py``; ``tellers demo`` runs the same meeting on the
embedded store with the signed log.

Run: ``python examples/lla_organising_group.py``
"""

from __future__ import annotations

from api.demo_meeting import run
from voting.decider import replay
from voting.minutes import render_minutes
from voting.report import watered_down


def main() -> None:
    state, events = run()
    # The log is the one source of truth: replaying it rebuilds the state exactly.
    if replay(events) != state:
        raise SystemExit("replaying the events did not rebuild the state")
    print(render_minutes(state, events))
    print(watered_down(state, events, "slate"))
    for ballot in state.ballots.values():
        print(f"{ballot.question}: {ballot.outcome}")


if __name__ == "__main__":
    main()
