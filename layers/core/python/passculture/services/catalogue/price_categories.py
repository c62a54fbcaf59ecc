"""Price categories: an event's prices, which its dates carry (``Stock.price_category_id``).

The list lives on the offer item (at most 50, ``rules.price_categories``), written
whole by one conditional ``UpdateItem`` on ``price_categories_version``, so two
racing changes cannot lose one another (the loser reads again and retries). A
date with a category has the category's price copied in ``price_cents``: the
booking reads only the stock, as before; so are its label and partner id, which the
booking copies (the partner API's ``priceCategoryId``/``priceCategoryLabel``). When a
category's price, label or partner id changes, the offer's dates of that category are
updated in transactions of 100 (each conditional on still having the category), then
the offer's summary is refreshed; a booking made meanwhile pays the price its date showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import Transaction, commit_retrying, utcnow
from passculture.models.offers import Offer, PriceCategory
from passculture.models.stocks import Stock
from passculture.rules import price_categories as rules
from passculture.rules.partners import new_public_id
from passculture.services.accounts.auth import Principal

NOT_FOUND = "The price category could not be found"
TX_ITEMS = 100


@dataclass(frozen=True)
class New:
    label: str
    price_cents: int
    id_at_provider: str | None = None


def categories(offer: Offer) -> list[PriceCategory]:
    return list(offer.price_categories or [])


def find(offer: Offer, category_id: int | None) -> PriceCategory | None:
    if category_id is None:
        return None
    return next((c for c in categories(offer) if int(c.id) == int(category_id)), None)


def _rule(c: Any) -> rules.Category:
    return rules.Category(int(c.id), c.label, int(c.price_cents), c.id_at_provider)


def _check(offer: Offer, wanted: list[PriceCategory], field: str) -> None:
    problems = rules.clashes([_rule(c) for c in categories(offer)], [_rule(c) for c in wanted])
    if problems:
        raise InvalidInput({field: problems})


def _write(offer: Offer, result: list[PriceCategory]) -> bool:
    """Saves ``result`` as the offer's list if nobody changed it since it was read; False otherwise."""
    from pynamodb.exceptions import UpdateError

    version = int(offer.price_categories_version or 0)
    unchanged = (
        Offer.price_categories_version.does_not_exist() if version == 0 else Offer.price_categories_version == version
    )
    try:
        offer.update(
            actions=[
                Offer.price_categories.set(result),
                Offer.price_categories_version.set(version + 1),
                Offer.updated_at.set(utcnow()),
            ],
            condition=Offer.id.exists() & unchanged,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        offer.refresh(consistent_read=True)
        return False
    return True


def add(offer: Offer, items: list[New], field: str = "priceCategories") -> list[PriceCategory]:
    """Adds ``items`` to the offer's categories (all or none); the new ones, with their ids."""
    for _ in range(5):
        taken = {int(c.id) for c in categories(offer)}
        created = []
        for item in items:
            new_id = new_public_id()
            while new_id in taken:
                new_id = new_public_id()
            taken.add(new_id)
            created.append(
                PriceCategory(
                    id=new_id, label=item.label, price_cents=item.price_cents, id_at_provider=item.id_at_provider
                )
            )
        _check(offer, created, field)
        if _write(offer, categories(offer) + created):
            return created
    raise Conflict("The offer's price categories keep changing; try again", field=field)


def update(offer: Offer, category_id: int, changes: dict[str, Any], field: str = "priceCategoryId") -> PriceCategory:
    """Changes a category (``label``, ``price_cents``, ``id_at_provider``); its dates follow its price."""
    for _ in range(5):
        current = find(offer, category_id)
        if current is None:
            raise NotFound(NOT_FOUND, field=field)
        changed = PriceCategory(
            id=int(current.id),
            label=changes.get("label", current.label),
            price_cents=int(changes.get("price_cents", current.price_cents)),
            id_at_provider=changes.get("id_at_provider", current.id_at_provider),
        )
        _check(offer, [changed], "priceCategories")
        result = [changed if int(c.id) == int(category_id) else c for c in categories(offer)]
        if _write(offer, result):
            if (changed.label, int(changed.price_cents), changed.id_at_provider) != (
                current.label,
                int(current.price_cents),
                current.id_at_provider,
            ):
                follow_category(offer, changed)
            return changed
    raise Conflict("The offer's price categories keep changing; try again", field=field)


def category_actions(category: PriceCategory, *, with_price: bool = True) -> list[Any]:
    """A date's copy of its category: the id, and the price (unless the caller sets it), label and partner id."""
    label, at_provider = Stock.price_category_label, Stock.price_category_id_at_provider
    actions = [
        Stock.price_category_id.set(int(category.id)),
        label.set(category.label),
        at_provider.set(category.id_at_provider) if category.id_at_provider is not None else at_provider.remove(),
    ]
    if with_price:
        actions.append(Stock.price_cents.set(int(category.price_cents)))
    return actions


def _stale(stock: Stock, category: PriceCategory) -> bool:
    return (int(stock.price_cents), stock.price_category_label, stock.price_category_id_at_provider) != (
        int(category.price_cents),
        category.label,
        category.id_at_provider,
    )


def follow_category(offer: Offer, category: PriceCategory) -> list[Stock]:
    """Gives the offer's live dates of the category its price, label and partner id, 100 a transaction;
    the offer refreshed (the feed shows prices). A booking made before keeps what it paid and was shown."""
    from passculture.services.catalogue.publication import live_stocks, refresh_offer

    category_id = int(category.id)
    stocks = live_stocks(offer.id)
    mine = [s for s in stocks if s.price_category_id is not None and int(s.price_category_id) == category_id]
    stale = [s for s in mine if _stale(s, category)]
    now = utcnow()
    for start in range(0, len(stale), TX_ITEMS):
        chunk = stale[start : start + TX_ITEMS]

        def build(chunk: list[Stock] = chunk) -> Transaction:
            tx = Transaction()
            for stock in chunk:
                tx.update(
                    stock.id,
                    stock,
                    actions=[*category_actions(category), Stock.updated_at.set(now)],
                    condition=Stock.price_category_id == category_id,
                )
            return tx

        if commit_retrying(build):  # a date changed category meanwhile: the others one by one
            for stock in chunk:
                _one(stock, category, now)
    for stock in stale:
        stock.price_cents, stock.price_category_label = int(category.price_cents), category.label
        stock.price_category_id_at_provider = category.id_at_provider
    refresh_offer(offer, stocks=stocks)
    return stale


def _one(stock: Stock, category: PriceCategory, now: Any) -> None:
    from pynamodb.exceptions import UpdateError

    try:
        stock.update(
            actions=[*category_actions(category), Stock.updated_at.set(now)],
            condition=Stock.price_category_id == int(category.id),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


# -- the pro routes --------------------------------------------------------------


def list_for(principal: Principal, offer_id: str) -> list[PriceCategory]:
    from passculture.services.catalogue.offers import offer_for

    return categories(offer_for(principal, offer_id))


def _editable(principal: Principal, offer_id: str) -> Offer:
    from passculture.services.catalogue.offers import offer_for

    return offer_for(principal, offer_id)


def add_for(principal: Principal, offer_id: str, items: list[New]) -> list[PriceCategory]:
    """``POST /offers/{id}/price-categories``: every category of the offer after the addition."""
    offer = _editable(principal, offer_id)
    add(offer, items)
    return categories(offer)


def update_for(principal: Principal, offer_id: str, category_id: int, changes: dict[str, Any]) -> PriceCategory:
    offer = _editable(principal, offer_id)
    return update(offer, category_id, changes)
