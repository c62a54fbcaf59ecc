"""``models.base.batch_get``: several tables in one BatchGetItem, and more than DynamoDB's 100 keys in several."""

from __future__ import annotations

from bench.counting import count_dynamodb_calls
from passculture.models.base import batch_get
from passculture.models.users import User
from passculture.models.venues import Venue
from tests.factories import make_offerer, make_user, make_venue


def test_keys_of_two_tables_are_read_in_one_call(aws):
    user, venue = make_user(), make_venue(make_offerer())
    with count_dynamodb_calls() as calls:
        found = batch_get([(User, {"id": {"S": user.id}}), (Venue, {"id": {"S": venue.id}})])
    assert calls == {"BatchGetItem": 1}
    assert [u.id for u in found[User]] == [user.id] and [v.id for v in found[Venue]] == [venue.id]


def test_more_than_100_keys_take_one_call_per_100_and_miss_none(aws):
    users = [make_user() for _ in range(150)]
    venue = make_venue(make_offerer())
    wanted = [(User, {"id": {"S": u.id}}) for u in users] + [(Venue, {"id": {"S": venue.id}})]
    wanted.append((User, {"id": {"S": "no-such-user"}}))
    with count_dynamodb_calls() as calls:
        found = batch_get(wanted)
    assert calls == {"BatchGetItem": 2}
    assert sorted(u.id for u in found[User]) == sorted(u.id for u in users)
    assert [v.id for v in found[Venue]] == [venue.id]
