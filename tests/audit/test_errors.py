"""The audit error hierarchy (audit.errors): every error is ours and the builtin it is."""

from __future__ import annotations

import pytest

import audit.errors as errors
from tallying.errors import TellersError


@pytest.mark.parametrize("name", errors.__all__)
def test_every_audit_error_is_a_tellers_value_error(name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.AuditError)
    assert issubclass(cls, TellersError)
    assert issubclass(cls, ValueError)


def test_narrower_builtins() -> None:
    assert issubclass(errors.UnknownLogError, LookupError)
    assert issubclass(errors.EquivocationError, errors.ConsistencyError)
    assert issubclass(errors.PolicyError, errors.SignatureError)


def test_the_docstring_draws_every_class() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc, name


def test_details_travel_with_the_error() -> None:
    error = errors.ConsistencyError("moved on", latest_size=7)
    assert error.latest_size == 7
    policy = errors.PolicyError("1 of 2", reasons=("witness a: no cosignature",))
    assert policy.reasons == ("witness a: no cosignature",)
    assert "witness a" in str(policy)
