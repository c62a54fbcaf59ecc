"""Loading a function's handler imports no library that only some requests need (cold start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.catalog import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]

# pydantic comes with the first request that needs a schema; the others with the service that uses them.
REQUEST_TIME_ONLY = ("pydantic", "argon2", "jwt", "PIL", "icalendar", "requests")

_PROBE = "import importlib, json, sys\nimportlib.import_module(sys.argv[1])\nprint(json.dumps(sorted(sys.modules)))"


def fresh_interpreter(code: str, *args: str) -> Any:
    """What ``code`` (run by a fresh interpreter with the project on its path) prints last, read as JSON."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "core" / "python"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def modules_after_importing(module: str) -> list[str]:
    """``sys.modules`` of a fresh interpreter that imported ``module`` and nothing else."""
    return fresh_interpreter(_PROBE, module)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_loading_the_handler_imports_no_request_time_library(name):
    loaded = modules_after_importing(f"functions.{name}.app")
    assert "chalice" in loaded  # the probe did import the app
    early = sorted({m.split(".", 1)[0] for m in loaded} & set(REQUEST_TIME_ONLY))
    assert early == [], f"functions.{name}.app imports {early}: import them inside the handlers that need them"


# What the cold read routes of bench/cold_request.py load on their first request: no pydantic either.
COLD_READS = (
    "passculture.services.accounts.admin",
    "passculture.services.accounts.signup",
    "passculture.services.booking.bookings",
    "passculture.services.booking.views",
    "passculture.services.catalogue.offers",
    "passculture.services.countermarks.transactions",
    "passculture.services.partners.providers",
    "passculture.presenters.accounts",
    "passculture.presenters.bookings",
    "passculture.presenters.catalogue",
    "passculture.presenters.partners",
    "passculture.web.queries",
)


@pytest.mark.parametrize("module", COLD_READS)
def test_what_a_cold_read_route_runs_imports_no_pydantic(module):
    loaded = modules_after_importing(module)
    assert not [m for m in loaded if m.split(".", 1)[0] in ("pydantic", "pydantic_core")], module


# GET /bookings lists a booker's bookings: none of what booking, cancelling or publishing needs.
BOOKING_MACHINERY = (
    "passculture.services.booking.bookings",
    "passculture.services.booking.cancellation",
    "passculture.services.booking.places",
    "passculture.services.booking.ticketing",
    "passculture.services.booking.wallets",
    "passculture.services.catalogue",
    "passculture.services.jobs",
    "passculture.services.territories",
    "passculture.rules.geo",
)


def test_listing_a_bookers_bookings_imports_no_booking_machinery():
    loaded = modules_after_importing("passculture.services.booking.views")
    assert "passculture.models.bookings" in loaded
    assert not [m for m in loaded if m.startswith(BOOKING_MACHINERY)]


def test_listing_a_structures_offers_imports_neither_the_publication_rule_nor_the_venue_service():
    loaded = modules_after_importing("passculture.services.catalogue.offers")
    assert "passculture.models.offers" in loaded
    heavy = (
        "passculture.services.catalogue.publication",
        "passculture.services.catalogue.venues",
        "passculture.services.jobs",
        "passculture.rules.geo",
    )
    assert not [m for m in loaded if m.startswith(heavy)]


# notify's first record sends two emails: their modules write the message without email.policy's header
# parser and registry, which email.mime and any policy but compat32 import.
EMAIL_SENDERS = (
    "passculture.adapters.email",
    "passculture.services.notifications.booking_emails",
    "passculture.services.notifications.failed_mails",
    "passculture.services.notifications.partner_messages",
)
HEAVY_EMAIL_MODULES = ("email.policy", "email.headerregistry", "email._header_value_parser", "email.mime")


@pytest.mark.parametrize("module", EMAIL_SENDERS)
def test_what_sends_an_email_imports_no_email_policy_or_mime(module):
    loaded = modules_after_importing(module)
    assert not [m for m in loaded if m.startswith(HEAVY_EMAIL_MODULES)], module


def test_building_an_email_loads_no_email_policy_or_mime():
    probe = (
        "import json, sys\n"
        "from passculture.adapters.email import build_message\n"
        "build_message('no-reply@passculture.local', [('Jeanne \u00e9', 'a@b.org')], 'Sujet \u00e9', 'Corps')\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    assert not [m for m in fresh_interpreter(probe) if m.startswith(HEAVY_EMAIL_MODULES)]


_QUERY_PROBE = """
import json, sys
from chalice.test import Client
from passculture.web import Auth, RouteSet, create_app

def blueprint():
    routes = RouteSet("probe")

    @routes.get("/things", auth=Auth.PUBLIC, query=sys.argv[1])
    def things(req):
        return {"limit": req.query.limit}

    return routes.blueprint

with Client(create_app("probe", blueprint)) as client:
    answer = client.http.get("/things?" + sys.argv[2])
print(json.dumps([answer.status_code, "pydantic" in sys.modules]))
"""


@pytest.mark.parametrize(
    ("ref", "query"),
    [
        ("offers:OfferQuery", "siren=123456789&limit=5"),
        ("transactions:TransactionsQuery", "siren=123456789&status=used"),
        ("admin:OfferersQuery", "status=validated&cursor=abc"),
        ("bookings:BookingsQuery", ""),
    ],
)
def test_a_well_formed_query_is_read_without_pydantic(ref, query):
    assert fresh_interpreter(_QUERY_PROBE, ref, query) == [200, False]


_COLLECTOR_PROBE = """
import gc, json
from passculture.web.entry import make_handler

class App:
    app_name = "probe"
    routes = {}

seen = []

def on_schedule(event, context):
    seen.append({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()})
    if len(seen) == 1:
        young = lambda: sum(s["collected"] for s in gc.get_stats()[:2])
        start = young()
        for _ in range(5000):  # cycles made during the first invocation: young collections still reclaim them
            a = []
            a.append(a)
        del a
        seen[-1]["young_collected"] = young() - start
        seen[-1]["full_collections"] = gc.get_stats()[2]["collections"]
    return {}

before = gc.get_threshold()
handler = make_handler(App(), schedule=on_schedule)
handler({"source": "aws.events"}, None)
after_first = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
handler({"source": "aws.events"}, None)
print(json.dumps({"before": before, "seen": seen, "after_first": after_first, "after": gc.get_threshold()}))
"""


def test_the_first_invocation_defers_full_collections_then_freezes_the_loaded_code():
    """A cold container's first request pays no full collection of the code it loads (20 ms of nothing collected)."""
    out = fresh_interpreter(_COLLECTOR_PROBE)
    young, middle, full = out["before"]
    first, second = out["seen"]
    assert first["threshold"][:2] == [young, middle] and first["threshold"][2] >= 1000 * full
    assert first["young_collected"] >= 4000  # young collections still run, on their own
    assert first["full_collections"] == 0
    assert out["after_first"]["threshold"] == [young, middle, full]  # put back as soon as the first one ends
    assert out["after_first"]["frozen"] > 10_000  # what the first invocation loaded is never scanned again
    assert second["threshold"] == [young, middle, full]
    assert out["after"] == [young, middle, full]


_HTTP_STACK_PROBE = """
import json, sys
from passculture.web.entry import make_handler

class App:
    app_name = "probe"
    routes = {}

depths = []

class Spy:  # the depth of the stack urllib3's URL parser (its regular expressions) is imported at
    def find_spec(self, name, path=None, target=None):
        if name == "urllib3.util.url":
            frame, depth = sys._getframe(), 0
            while frame is not None:
                frame, depth = frame.f_back, depth + 1
            depths.append(depth)
        return None

sys.meta_path.insert(0, Spy())
loaded = ["urllib3" in sys.modules]
handler = make_handler(App(), schedule=lambda event, context: loaded.append("urllib3" in sys.modules) or {})
handler({"source": "aws.events"}, None)
print(json.dumps({"loaded": loaded, "depths": depths}))
"""


def test_the_first_invocation_imports_the_http_stack_from_the_bottom_of_the_stack():
    """urllib3's regular expressions compile 4-8x slower when it is first imported deep inside a request."""
    out = fresh_interpreter(_HTTP_STACK_PROBE)
    assert out["loaded"] == [False, True]  # not at the handler's import; already there when the event is handled
    (depth,) = out["depths"]
    assert depth < 40  # the handler, the first invocation and the import machinery: not a request's whole chain


# The modules every cold request imports: their classes are ``passculture.records.record``s, whose
# methods are not exec-compiled at import as a dataclass's are (~3.6 ms for config.Settings alone).
NO_COMPILED_METHODS = (
    "passculture.config",
    "passculture.web.routing",
    "passculture.web.queries",
    "passculture.services.accounts.auth",
    "passculture.services.accounts.offerers",
    "passculture.services.accounts.signup",
    "passculture.services.partners.providers",
)

_COUNT_COMPILED = """
import dataclasses, importlib, json, sys
compiled = []
original = dataclasses._create_fn
def counting(name, *args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None and "cls" not in frame.f_locals:
        frame = frame.f_back
    cls = frame.f_locals["cls"] if frame is not None else None
    if cls is None or cls.__module__.partition(".")[0] in ("passculture", "functions"):
        compiled.append(f"{getattr(cls, '__qualname__', '?')}.{name}")
    return original(name, *args, **kwargs)
dataclasses._create_fn = counting
importlib.import_module(sys.argv[1])
print(json.dumps(compiled))
"""


@pytest.mark.skipif(not hasattr(__import__("dataclasses"), "_create_fn"), reason="dataclasses compiles differently")
@pytest.mark.parametrize("module", NO_COMPILED_METHODS)
def test_the_cold_path_classes_compile_no_method_at_import(module):
    compiled = fresh_interpreter(_COUNT_COMPILED, module)
    assert compiled == [], f"importing {module} compiled dataclass methods {compiled}: use passculture.records.record"
