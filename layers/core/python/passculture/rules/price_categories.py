"""Price categories: an event's prices (label and price), which its dates take theirs from.

Pure rules: at most ``MAX_PRICE_CATEGORIES`` an offer, unique by (label, price)
and by the partner's ``idAtProvider`` within the offer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_PRICE_CATEGORIES = 50
TOO_MANY = f"An offer cannot have more than {MAX_PRICE_CATEGORIES} price categories"


@dataclass(frozen=True)
class Category:
    id: int
    label: str
    price_cents: int
    id_at_provider: str | None = None


def clashes(existing: Iterable[Category], wanted: Iterable[Category], field: str = "priceCategories") -> list[str]:
    """Why ``existing`` followed by ``wanted`` (the new or changed ones, which replace those of their id) breaks
    the rules; empty when it does not."""
    wanted = list(wanted)
    replaced = {c.id for c in wanted}
    result = [c for c in existing if c.id not in replaced] + wanted
    problems: list[str] = []
    if len(result) > MAX_PRICE_CATEGORIES:
        problems.append(TOO_MANY)
    seen_pairs: set[tuple[str, int]] = set()
    seen_ids: set[str] = set()
    for c in result:
        pair = (c.label, c.price_cents)
        if pair in seen_pairs:
            problems.append(f"The price category `{c.label}` at {c.price_cents} cents already exists")
        seen_pairs.add(pair)
        if c.id_at_provider is not None:
            if c.id_at_provider in seen_ids:
                problems.append(f"`{c.id_at_provider}` is already taken by another price category of this offer")
            seen_ids.add(c.id_at_provider)
    return problems
