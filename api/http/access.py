"""Who may call each route: one table, checked before every request.

Roles are per body. ``admin`` is the instance's administrator; ``chair``,
``secretary``, ``member`` and ``observer`` are the roles the body's own log
gives a member (:class:`voting.state.Role`), so a role granted or taken away
in the log holds over HTTP at once. ``PUBLIC`` routes need no token: they
show only what the log itself publishes.

A route missing from :data:`ROUTES` is refused with a 500 problem at run time,
and ``tests/api/http/test_access.py`` fails for it, so no route is ever open by
omission. The domain still checks each act itself (only the meeting's chair
may open its ballots, only a member present may vote): the table is the outer
gate, the rules are the inner one.
"""

from __future__ import annotations

__all__ = ["ADMIN", "DECIDED_IN_THE_LOG", "OFFICERS", "PUBLIC", "ROLES", "ROUTES", "SESSION",
           "VOTERS"]

ROLES = frozenset({"admin", "secretary", "chair", "member", "observer"})
PUBLIC: frozenset[str] = frozenset({"public"})
SESSION: frozenset[str] = frozenset({"session"})
"""A member's own page (:mod:`api.web`): no bearer token is looked at; the page acts only
for the member signed in to its session, and each act passes the gate of the API route it
stands for (:func:`api.web.signin.require`)."""
ADMIN = frozenset({"admin"})
OFFICERS = frozenset({"chair", "secretary"})
CHAIR = frozenset({"chair"})
VOTERS = frozenset({"chair", "secretary", "member"})
ANY_TOKEN = frozenset(ROLES | {"authenticated"})

V1 = "/api/v1"
B = f"{V1}/bodies/<body>"

ROUTES: dict[tuple[str, str], frozenset[str]] = {
    # the API description
    ("GET", f"{V1}/openapi.json"): PUBLIC,
    ("GET", f"{V1}/docs"): PUBLIC,
    # tokens
    ("POST", f"{V1}/auth/token"): PUBLIC,
    ("DELETE", f"{V1}/auth/token"): ANY_TOKEN,
    ("GET", f"{V1}/auth/me"): ANY_TOKEN,
    # bodies
    ("GET", f"{V1}/bodies"): PUBLIC,
    ("POST", f"{V1}/bodies"): ADMIN,
    ("GET", B): PUBLIC,
    # members
    ("GET", f"{B}/members"): PUBLIC,
    ("GET", f"{B}/college"): PUBLIC,
    ("POST", f"{B}/college"): OFFICERS,
    ("POST", f"{B}/members"): OFFICERS,
    ("GET", f"{B}/members/<member>"): PUBLIC,
    ("POST", f"{B}/members/<member>/invites"): OFFICERS,
    # meetings
    ("POST", f"{B}/meetings"): OFFICERS,
    ("GET", f"{B}/meetings/<meeting>"): PUBLIC,
    ("GET", f"{B}/meetings/<meeting>/minutes"): PUBLIC,
    ("POST", f"{B}/meetings/<meeting>/attendance"): OFFICERS,
    ("POST", f"{B}/meetings/<meeting>/start"): CHAIR,
    ("POST", f"{B}/meetings/<meeting>/close"): CHAIR,
    # motions and amendments
    ("POST", f"{B}/motions"): VOTERS,
    ("GET", f"{B}/motions/<motion>"): PUBLIC,
    ("GET", f"{B}/motions/<motion>/report"): PUBLIC,
    ("POST", f"{B}/motions/<motion>/second"): VOTERS,
    ("POST", f"{B}/motions/<motion>/debate"): CHAIR,
    ("POST", f"{B}/motions/<motion>/consent"): VOTERS,
    ("POST", f"{B}/motions/<motion>/amendments"): VOTERS,
    ("GET", f"{B}/amendments/<amendment>"): PUBLIC,
    ("POST", f"{B}/amendments/<amendment>/second"): VOTERS,
    ("POST", f"{B}/amendments/<amendment>/take"): CHAIR,
    ("POST", f"{B}/amendments/<amendment>/ruling"): CHAIR,
    ("POST", f"{B}/amendments/<amendment>/consent"): VOTERS,
    # procedural motions
    ("POST", f"{B}/procedurals"): VOTERS,
    ("GET", f"{B}/procedurals/<procedural>"): PUBLIC,
    ("POST", f"{B}/procedurals/<procedural>/second"): VOTERS,
    # petitions
    ("POST", f"{B}/petitions"): VOTERS,
    ("GET", f"{B}/petitions/<petition>"): PUBLIC,
    ("POST", f"{B}/petitions/<petition>/signatures"): VOTERS,
    ("POST", f"{B}/petitions/<petition>/close"): OFFICERS,
    # ballots
    ("POST", f"{B}/ballots"): CHAIR,
    ("GET", f"{B}/ballots/<ballot>"): PUBLIC,
    ("POST", f"{B}/ballots/<ballot>/votes"): VOTERS,
    ("POST", f"{B}/ballots/<ballot>/close"): CHAIR,
    # members' ballots (cast and read as ballots, above)
    ("POST", f"{B}/members-ballots"): OFFICERS,
    ("POST", f"{B}/members-ballots/<ballot>/close"): OFFICERS,
    # elections
    ("POST", f"{B}/elections"): OFFICERS,
    ("GET", f"{B}/elections/<election>"): PUBLIC,
    ("POST", f"{B}/elections/<election>/nominations"): VOTERS,
    ("POST", f"{B}/elections/<election>/nominations/<candidate>/second"): VOTERS,
    ("POST", f"{B}/elections/<election>/nominations/close"): OFFICERS,
    ("POST", f"{B}/elections/<election>/rankings"): VOTERS,
    ("POST", f"{B}/elections/<election>/close"): OFFICERS,
    # the log
    ("GET", f"{B}/log/checkpoint"): PUBLIC,
    ("GET", f"{B}/log/entries"): PUBLIC,
    ("GET", f"{B}/log/stream"): PUBLIC,
    ("GET", f"{B}/log/proofs/inclusion"): PUBLIC,
    ("GET", f"{B}/log/proofs/consistency"): PUBLIC,
    ("GET", f"{B}/receipts"): VOTERS,
    ("GET", f"{B}/bundles/latest/<path:name>"): PUBLIC,
    ("GET", f"{B}/bundles/<int:size>/<path:name>"): PUBLIC,
    # the browser pages (api.web): the public record, showing what the API shows publicly
    ("GET", "/"): PUBLIC,
    ("GET", "/static/<path:filename>"): PUBLIC,
    ("GET", "/bodies/<body>/"): PUBLIC,
    ("GET", "/bodies/<body>/meetings/<meeting>/"): PUBLIC,
    ("GET", "/bodies/<body>/meetings/<meeting>/minutes.md"): PUBLIC,
    ("GET", "/bodies/<body>/meetings/<meeting>/minutes.json"): PUBLIC,
    ("GET", "/bodies/<body>/motions/<motion>/"): PUBLIC,
    ("GET", "/bodies/<body>/ballots/<ballot>/"): PUBLIC,
    ("GET", "/bodies/<body>/ballots/<ballot>/result.json"): PUBLIC,
    ("GET", "/bodies/<body>/ballots/<ballot>/result.csv"): PUBLIC,
    ("GET", "/bodies/<body>/elections/<election>/"): PUBLIC,
    ("GET", "/bodies/<body>/elections/<election>/result.json"): PUBLIC,
    ("GET", "/bodies/<body>/elections/<election>/result.csv"): PUBLIC,
    ("GET", "/bodies/<body>/elections/<election>/ballots.blt"): PUBLIC,
    ("GET", "/bodies/<body>/verify"): PUBLIC,
    ("GET", "/bodies/<body>/log/entry/<int:index>"): PUBLIC,
    ("GET", "/bodies/<body>/bundle.zip"): PUBLIC,
    # a member's own pages: signing in with an invite, the ballot paper, the console
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    ("POST", "/signout"): PUBLIC,
    ("GET", "/bodies/<body>/mine"): SESSION,
    ("GET", "/bodies/<body>/meetings/<meeting>/console"): SESSION,
    ("POST", "/bodies/<body>/meetings/<meeting>/act/<act>"): SESSION,
    ("GET", "/bodies/<body>/meetings/<meeting>/paper"): SESSION,
    ("POST", "/bodies/<body>/meetings/<meeting>/paper/vote/<ballot>"): SESSION,
    ("POST", "/bodies/<body>/meetings/<meeting>/paper/rank/<election>"): SESSION,
}

DECIDED_IN_THE_LOG: frozenset[tuple[str, str]] = frozenset({
    ("POST", f"{B}/ballots/<ballot>/votes"),
})
"""Routes whose every effect follows from one logged act that the ledger decides again under
the body's lock, on a state caught up with every worker's entries, before anything is
written (a cast's claim and receipt are kept only for a logged vote). Their gate answers
from the roles as the worker last saw them, when those allow the route, without looking
for other workers' entries first: a role taken away meanwhile refuses the act there
instead (a suspended member's vote: ``NotEntitled``). A role newly given is looked for
as on every other route."""
