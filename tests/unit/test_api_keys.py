"""API key creation holds its limit in one transaction and rides out DynamoDB's transaction conflicts."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from passculture.errors import Conflict
from passculture.models.api_keys import ApiKey
from passculture.models.uniques import Unique
from passculture.services.accounts.auth import load_principal
from passculture.services.countermarks import api_keys
from tests.factories import make_member, make_offerer


def conflict() -> TransactWriteError:
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code="TransactionConflict"), None],
    )
    return TransactWriteError("conflict", cause=cause)


@pytest.fixture
def admin_of(aws):
    offerer = make_offerer()
    return offerer.siren, load_principal(make_member(offerer).id)


def test_a_transaction_conflict_is_retried_not_a_500(admin_of, monkeypatch):
    siren, principal = admin_of
    commits = []
    real_commit = TransactWrite._commit

    def commit_after_one_conflict(self):
        commits.append(1)
        if len(commits) == 1:
            raise conflict()
        return real_commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", commit_after_one_conflict)
    created = api_keys.create_api_key(principal, siren)
    assert len(commits) == 2
    assert ApiKey.get(created.prefix).siren == siren
    assert Unique.get(api_keys.live_keys_counter(siren)).count == 1


def test_endless_conflicts_end_in_a_409(admin_of, monkeypatch):
    siren, principal = admin_of
    monkeypatch.setattr(TransactWrite, "_commit", lambda self: (_ for _ in ()).throw(conflict()))
    with pytest.raises(Conflict):
        api_keys.create_api_key(principal, siren)
