"""The Guichet's scene, set through the HTTP API of a running local server, as a venue and a young person would.

A pro signs up, confirms by the emailed link and is validated by the team, then
creates a venue, an offer and its dates; a young person signs up, confirms (and
so gets the national credit) and books. Nothing is written straight to a table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import TEAM_EMAIL, TEAM_PASSWORD, LocalServer
from tests.e2e.test_accounts_e2e import confirmation_token
from tests.factories import PASSWORD, random_siren


def _ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json() if answer.content else {}


@dataclass
class Structure:
    name: str
    siren: str
    email: str  # its admin's sign-in
    headers: dict[str, str]
    offer_name: str
    stocks: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (stock id, beginsAt)


def validated_structure(server: LocalServer, name: str, offer_name: str, dates: dict[str, timedelta]) -> Structure:
    """A validated structure with one venue and one offer with a date per ``dates`` entry (from now)."""
    email = f"guichet-{uuid.uuid4().hex[:8]}@example.org"
    siren = random_siren()
    _ok(
        server.post("/users/signup/pro", json={"email": email, "password": PASSWORD, "siren": siren, "name": name}),
        201,
    )
    _ok(server.patch(f"/users/validate/{confirmation_token(server, email)}"))
    team = server.sign_in(TEAM_EMAIL, TEAM_PASSWORD)
    _ok(server.patch(f"/admin/offerers/{siren}", json={"status": "validated"}, headers=team))
    pro = server.sign_in(email, PASSWORD)
    venue = _ok(
        server.post(
            f"/offerers/{siren}/venues",
            json={
                "name": f"{name}, salle principale",
                "address": "1 place du Théâtre",
                "postalCode": "75001",
                "city": "Paris",
                "latitude": 48.8606,
                "longitude": 2.3376,
                "bookingEmail": f"billetterie-{siren}@example.org",
            },
            headers=pro,
        ),
        201,
    )
    offer = _ok(
        server.post("/offers", json={"venueId": venue["id"], "name": offer_name, "category": "LIVE_SHOW"}, headers=pro),
        201,
    )
    structure = Structure(name, siren, email, pro, offer_name)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for label, delay in dates.items():
        stock = _ok(
            server.post(
                f"/offers/{offer['id']}/stocks",
                json={"beginsAt": (now + delay).isoformat(), "priceCents": 1250, "quantity": 20},
                headers=pro,
            ),
            201,
        )
        structure.stocks[label] = (stock["id"], stock["beginsAt"])
    return structure


def young_person(server: LocalServer, public_name: str) -> dict[str, str]:
    """A confirmed 18-year-old with the national credit, signed in."""
    email = f"jeune-{uuid.uuid4().hex[:8]}@example.org"
    birth = (datetime.now(UTC) - timedelta(days=18 * 365 + 30)).date().isoformat()
    body = {"email": email, "password": PASSWORD, "publicName": public_name, "dateOfBirth": birth}
    _ok(server.post("/users/signup", json={**body, "departmentCode": "75"}), 201)
    _ok(server.patch(f"/users/validate/{confirmation_token(server, email)}"))
    return server.sign_in(email, PASSWORD)


def book(server: LocalServer, young: dict[str, str], stock_id: str) -> str:
    """The countermark of a new booking of ``stock_id``."""
    key = uuid.uuid4().hex
    return _ok(server.post("/bookings", json={"stockId": stock_id}, headers={**young, "Idempotency-Key": key}), 201)[
        "token"
    ]


def cancel(server: LocalServer, young: dict[str, str], token: str) -> None:
    _ok(server.post(f"/bookings/{token}/cancel", headers=young))
