"""The public company directory (SIRENE, through the "recherche-entreprises" API).

Used only to fill a new structure's name and address. It is best effort: one
request with a short timeout and no retry, and any failure means "unknown", so
the directory being slow or down never blocks a signup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from passculture.config import get_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Company:
    siren: str
    name: str
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_search(siren: str, payload: Any) -> Company | None:
    """The result whose SIREN is ``siren`` in a ``/search`` answer, if any."""
    results = payload.get("results") if isinstance(payload, dict) else None
    for result in results or ():
        if not isinstance(result, dict) or result.get("siren") != siren:
            continue
        name = _text(result.get("nom_complet")) or _text(result.get("nom_raison_sociale"))
        if name is None:
            return None
        seat = result.get("siege") if isinstance(result.get("siege"), dict) else {}
        return Company(
            siren=siren,
            name=name[:140],
            address=_text(seat.get("adresse")),
            postal_code=_text(seat.get("code_postal")),
            city=_text(seat.get("libelle_commune")),
        )
    return None


def lookup(siren: str) -> Company | None:
    """The company registered under ``siren``, or None when disabled, unknown or unreachable."""
    settings = get_settings()
    if not settings.sirene_enabled:
        return None
    import requests

    timeout = settings.sirene_timeout_seconds
    try:
        # A bare requests.get makes exactly one attempt: no retry storm on a struggling directory.
        answer = requests.get(
            f"{settings.sirene_base_url}/search",
            params={"q": siren, "page": 1, "per_page": 1},
            headers={"Accept": "application/json"},
            timeout=(timeout, timeout),
        )
        if answer.status_code != 200:
            logger.warning("SIRENE answered %s for %s", answer.status_code, siren)
            return None
        return parse_search(siren, answer.json())
    except (requests.RequestException, ValueError):
        logger.warning("SIRENE lookup failed for %s", siren, exc_info=True)
        return None
