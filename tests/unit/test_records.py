"""``passculture.records.record`` behaves as the ``dataclass`` it replaces on the cold path."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from passculture.records import record


def _pair(frozen: bool):
    def body():
        class Thing:
            name: str
            count: int = 0
            tags: list[str] = dataclasses.field(default_factory=list)
            secret: str = dataclasses.field(default="", repr=False, compare=False)

        return Thing

    made = dataclasses.dataclass(frozen=frozen)(body()), record(frozen=frozen)(body())
    return made


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_constructs_compares_and_shows_as_its_dataclass(frozen):
    as_dataclass, as_record = _pair(frozen)
    for args, kwargs in [(("a",), {}), (("a", 2), {"tags": ["x"]}), ((), {"name": "b", "secret": "s"})]:
        expected, got = as_dataclass(*args, **kwargs), as_record(*args, **kwargs)
        assert dataclasses.asdict(got) == dataclasses.asdict(expected)
        assert repr(got) == repr(expected)
        assert got == as_record(*args, **kwargs)
        assert got != as_record("other")
    assert as_record("a", secret="one") == as_record("a", secret="two")  # compare=False, as the dataclass
    assert as_record("a").tags is not as_record("a").tags  # a fresh default each time
    assert [f.name for f in dataclasses.fields(as_record)] == ["name", "count", "tags", "secret"]
    assert dataclasses.replace(as_record("a", 1), count=5) == as_record("a", 5)


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_refuses_the_calls_its_dataclass_refuses(frozen):
    as_dataclass, as_record = _pair(frozen)
    for args, kwargs in [((), {}), (("a",), {"name": "b"}), (("a", 1, [], "", "extra"), {}), (("a",), {"nope": 1})]:
        with pytest.raises(TypeError):
            as_dataclass(*args, **kwargs)
        with pytest.raises(TypeError):
            as_record(*args, **kwargs)


def test_a_frozen_record_is_immutable_and_hashable_a_mutable_one_is_not_hashable():
    _, frozen = _pair(True)
    thing = frozen("a", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        thing.count = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del thing.count
    assert hash(frozen("a", 1, ())) == hash(frozen("a", 1, ()))
    _, mutable = _pair(False)
    changed = mutable("a")
    changed.count = 3
    assert changed.count == 3
    with pytest.raises(TypeError):
        hash(changed)


def test_the_settings_are_a_frozen_record_that_replace_and_pickle_keep():
    from passculture.config import get_settings

    settings = get_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.stage = "prod"  # type: ignore[misc]
    smaller = dataclasses.replace(settings, csv_export_max_rows=2)
    assert smaller.csv_export_max_rows == 2 and smaller.stage == settings.stage
    assert smaller != settings
    assert dataclasses.replace(smaller, csv_export_max_rows=settings.csv_export_max_rows) == settings
    assert pickle.loads(pickle.dumps(settings)) == settings
