"""Shared storage helpers: unique emails, labelled transactions, cursor pagination."""

from __future__ import annotations

from functools import partial

import pytest

from passculture.errors import Conflict, InvalidInput
from passculture.models.base import Transaction, utcnow
from passculture.models.uniques import Unique
from passculture.services.accounts.users import create_user
from passculture.services.pagination import decode_cursor, encode_cursor, paginate


def test_an_email_is_unique_whatever_its_case(aws):
    create_user("Ada@Example.org", "pw-123456789", {"pro"})
    with pytest.raises(Conflict) as err:
        create_user("ada@example.ORG", "pw-123456789", {"young"})
    assert "email" in err.value.errors


def test_transaction_failures_are_reported_by_label(aws):
    Unique("taken", target="x", created_at=utcnow()).save()
    Unique("also-taken", target="x", created_at=utcnow()).save()
    tx = Transaction()
    tx.save("free", Unique("free", target="y", created_at=utcnow()), condition=Unique.key.does_not_exist())
    tx.update("counter", Unique("taken"), actions=[Unique.version.add(1)], condition=Unique.version.exists())
    tx.condition_check("guard", Unique, "also-taken", condition=Unique.key.does_not_exist())
    assert tx.commit() == {"counter": "ConditionalCheckFailed", "guard": "ConditionalCheckFailed"}
    with pytest.raises(Unique.DoesNotExist):
        Unique.get("free")


def test_pages_cover_every_item_once(aws):
    from passculture.models.memberships import Membership

    for n in range(7):
        Membership(f"user-{n}", "123456782", role="editor", status="validated", created_at=utcnow()).save()
    query = partial(Membership.siren_index.query, "123456782")
    seen, cursor, pages = [], None, 0
    while True:
        items, cursor = paginate(query, 3, cursor)
        seen += [m.user_id for m in items]
        pages += 1
        if cursor is None:
            break
    assert sorted(seen) == [f"user-{n}" for n in range(7)]
    assert pages == 3


def test_an_exact_last_page_has_no_next_cursor(aws):
    from passculture.models.memberships import Membership

    for n in range(4):
        Membership(f"user-{n}", "123456782", created_at=utcnow()).save()
    items, cursor = paginate(partial(Membership.siren_index.query, "123456782"), 4, None)
    assert len(items) == 4 and cursor is None


def test_a_forged_cursor_is_a_400(aws):
    from passculture.models.memberships import Membership

    with pytest.raises(InvalidInput):
        decode_cursor("not-base64-json!")
    forged = encode_cursor({"siren": {"S": "x"}}).replace(".", "x.", 1)
    with pytest.raises(InvalidInput):
        paginate(partial(Membership.siren_index.query, "123456782"), 3, forged)


def test_a_transaction_conflict_is_told_apart_and_retried(aws, monkeypatch):
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
    from pynamodb.transactions import TransactWrite

    from passculture.models.base import TransactionConflict, commit_retrying

    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code="TransactionConflict")],
    )
    real_commit, calls = TransactWrite._commit, []

    def conflict_once(self):
        calls.append(1)
        if len(calls) == 1:
            raise TransactWriteError("conflict", cause=cause)
        return real_commit(self)

    monkeypatch.setattr(TransactWrite, "_commit", conflict_once)

    def build():
        tx = Transaction()
        tx.save("item", Unique("retried", target="x", created_at=utcnow()), condition=Unique.key.does_not_exist())
        return tx

    with pytest.raises(TransactionConflict):
        build().commit()
    calls.clear()
    assert commit_retrying(build) == {}
    assert len(calls) == 2
    assert Unique.get("retried").target == "x"
