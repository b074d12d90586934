"""Verified access tokens are kept (``api.auth.TokenCache``): a kept token is still checked
against the clock, and a refused token is never kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.auth import TokenCache, TokenKeys, issue_token, verify_token
from api.errors import Problem

ISSUER = "tellers"


@pytest.fixture
def keys(tmp_path: Path) -> TokenKeys:
    return TokenKeys.ensure(tmp_path / "keys")


def test_a_kept_token_answers_what_verifying_it_answers(keys: TokenKeys) -> None:
    token = issue_token(keys, issuer=ISSUER, subject="p-1", lifetime=600, now=datetime.now(UTC))
    cache = TokenCache()
    first = cache.verify(keys, token, issuer=ISSUER, leeway=30, max_lifetime=3600)
    assert first == verify_token(keys, token, issuer=ISSUER, leeway=30, max_lifetime=3600)
    assert cache.verify(keys, token, issuer=ISSUER, leeway=30, max_lifetime=3600) is first


def test_a_kept_token_expires_on_time(keys: TokenKeys) -> None:
    moment = datetime.now(UTC)
    token = issue_token(keys, issuer=ISSUER, subject="p-1", lifetime=60, now=moment)
    cache = TokenCache()
    claims = cache.verify(keys, token, issuer=ISSUER, leeway=5, max_lifetime=3600)
    assert cache.verify(keys, token, issuer=ISSUER, leeway=5, max_lifetime=3600,
                        now=claims.expires + 5) == claims  # within the leeway
    with pytest.raises(Problem) as refused:
        cache.verify(keys, token, issuer=ISSUER, leeway=5, max_lifetime=3600,
                     now=claims.expires + 6)
    assert refused.value.status == 401 and "expired" in refused.value.detail


def test_other_checks_are_not_answered_from_a_token_kept_under_looser_ones(
        keys: TokenKeys) -> None:
    token = issue_token(keys, issuer=ISSUER, subject="p-1", lifetime=600, now=datetime.now(UTC))
    cache = TokenCache()
    cache.verify(keys, token, issuer=ISSUER, leeway=30, max_lifetime=3600)
    with pytest.raises(Problem, match="longer"):
        cache.verify(keys, token, issuer=ISSUER, leeway=30, max_lifetime=300)
    with pytest.raises(Problem):
        cache.verify(keys, token, issuer="someone-else", leeway=30, max_lifetime=3600)


def test_a_refused_token_is_refused_every_time(keys: TokenKeys, tmp_path: Path) -> None:
    other = TokenKeys.ensure(tmp_path / "other")
    forged = issue_token(other, issuer=ISSUER, subject="p-1", lifetime=600,
                         now=datetime.now(UTC))
    cache = TokenCache()
    for _ in range(2):
        with pytest.raises(Problem, match="names no key"):
            cache.verify(keys, forged, issuer=ISSUER, leeway=30)


def test_the_cache_stays_within_its_size(keys: TokenKeys) -> None:
    cache = TokenCache(size=4)
    moment = datetime.now(UTC)
    tokens = [issue_token(keys, issuer=ISSUER, subject=f"p-{n}", lifetime=600, now=moment)
              for n in range(9)]
    for token in tokens:
        cache.verify(keys, token, issuer=ISSUER, leeway=30)
        assert len(cache._kept) <= 4
    assert cache.verify(keys, tokens[0], issuer=ISSUER, leeway=30).subject == "p-0"
    with pytest.raises(ValueError, match="at least 2"):
        TokenCache(size=1)
