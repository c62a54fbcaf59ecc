"""DynamoDB round trips per countermark call: the key, the booking and the counters come in one BatchGetItem."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.counting import count_dynamodb_calls
from passculture.models.api_keys import ApiKey
from passculture.models.base import utcnow
from passculture.services.accounts.auth import parse_authorization
from passculture.services.countermarks import v2 as countermarks
from tests.factories import (
    PASSWORD,
    auth,
    basic_auth,
    bearer,
    make_api_key,
    make_booking,
    make_member,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    make_young,
)


@pytest.fixture
def calls():
    """The DynamoDB operations made, in order (the bench's botocore hook, every client)."""
    with count_dynamodb_calls() as counted:
        yield counted.order


@pytest.fixture
def scene(aws):
    offerer = make_offerer()
    venue = make_venue(offerer)
    offer = make_offer(venue)
    stock = make_stock(offer, begins_at=utcnow() + timedelta(hours=3))
    young = make_young()
    key, item = make_api_key(offerer)
    ApiKey(item.prefix).update(actions=[ApiKey.last_used_at.set(utcnow())])

    def booking():
        return make_booking(
            stock,
            offer,
            venue,
            young,
            venue_name=venue.name,
            venue_address=venue.address,
            venue_department_code=venue.department_code,
            user_date_of_birth=young.date_of_birth,
        ).token

    return {"key": key, "member": make_member(offerer), "booking": booking, "prefix": item.prefix}


def credentials(headers):
    return parse_authorization(headers["Authorization"])


# With an API key, the key's request of the minute is counted (one UpdateItem) in a thread beside
# the first batch: one more call, no more waiting. Their order is the threads', hence sorted().


def test_check_with_an_api_key_is_one_batch_get_and_the_key_s_count_beside_it(scene, calls):
    token = scene["booking"]()
    calls.clear()
    countermarks.check(credentials(bearer(scene["key"])), token, "192.0.2.1")
    assert sorted(calls) == ["BatchGetItem", "UpdateItem"]


def test_use_with_an_api_key_adds_one_conditional_update(scene, calls):
    token = scene["booking"]()
    calls.clear()
    countermarks.use(credentials(bearer(scene["key"])), token, "192.0.2.1")
    assert sorted(calls[:2]) == ["BatchGetItem", "UpdateItem"] and calls[2:] == ["UpdateItem"]


def test_last_used_at_costs_one_write_an_hour(scene, calls):
    ApiKey(scene["prefix"]).update(actions=[ApiKey.last_used_at.set(utcnow() - timedelta(hours=2))])
    token = scene["booking"]()
    calls.clear()
    countermarks.check(credentials(bearer(scene["key"])), token, "192.0.2.1")
    countermarks.check(credentials(bearer(scene["key"])), token, "192.0.2.1")
    # each check: the batch and the count; the first one also notes last_used_at
    assert sorted(calls[:2]) == ["BatchGetItem", "UpdateItem"] and calls[2] == "UpdateItem"
    assert sorted(calls[3:]) == ["BatchGetItem", "UpdateItem"]


def test_a_failure_touches_the_caller_source_and_structure_counters(scene, calls):
    with pytest.raises(countermarks.NotFound):
        countermarks.check(credentials(bearer(scene["key"])), "ZZZZZZ", "192.0.2.1")
    assert sorted(calls[:2]) == ["BatchGetItem", "UpdateItem"]  # the key's count beside the batch
    assert calls[2:] == ["UpdateItem", "UpdateItem", "UpdateItem"]


def test_access_token_and_basic_add_the_membership_read(scene, calls):
    token = scene["booking"]()
    calls.clear()
    countermarks.check(credentials(auth(scene["member"])), token, "192.0.2.1")
    # booking + counters; then the membership and its structure's counter
    assert calls == ["BatchGetItem", "BatchGetItem"]
    calls.clear()
    countermarks.check(credentials(basic_auth(scene["member"].email, PASSWORD)), token, "192.0.2.1")
    # booking + counters (password ones too), then the email guard and the user (password check),
    # then the membership and its structure's counter
    assert calls == ["BatchGetItem", "GetItem", "GetItem", "BatchGetItem"]


def test_a_key_made_before_keys_named_their_structure_adds_one_read(scene, calls):
    from passculture.services.accounts.auth import sha256_hex

    legacy = "pck_01d01d00_" + "x" * 43
    offerer_siren = ApiKey.get(scene["prefix"]).siren
    ApiKey(
        "01d01d00", secret_hash=sha256_hex(legacy), siren=offerer_siren, created_at=utcnow(), last_used_at=utcnow()
    ).save()
    token = scene["booking"]()
    calls.clear()
    countermarks.check(credentials(bearer(legacy)), token, "192.0.2.1")
    assert sorted(calls[:2]) == ["BatchGetItem", "UpdateItem"]
    assert calls[2:] == ["GetItem"]  # the structure's counter, which the key does not name
