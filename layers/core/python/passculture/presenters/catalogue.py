"""Offers, their dates and prices as the contract shows them to a pro (``passculture.schemas.offers``, ``stocks``)."""

from __future__ import annotations

from typing import Any

from passculture.presenters import iso


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def price_category(category: Any) -> dict[str, Any]:
    return {
        "id": int(category.id),
        "label": category.label,
        "priceCents": int(category.price_cents),
        "idAtProvider": category.id_at_provider,
    }


def stock(stock: Any, categories: Any = None) -> dict[str, Any]:
    """``stock``, with its price category found in ``categories`` (its offer's, when the caller read them)."""
    category = None
    if stock.price_category_id is not None:
        wanted = int(stock.price_category_id)
        category = next((c for c in categories or [] if int(c.id) == wanted), None)
    return {
        "id": stock.id,
        "offerId": stock.offer_id,
        "beginsAt": iso(stock.begins_at),
        "priceCents": int(stock.price_cents),
        "priceCategoryId": _int(stock.price_category_id),
        "priceCategory": None
        if category is None
        else {"id": int(category.id), "label": category.label, "priceCents": int(category.price_cents)},
        "quantity": _int(stock.quantity),
        "booked": int(stock.booked or 0),
        "remainingQuantity": stock.places_left,
        "bookingLimitAt": iso(stock.booking_limit_at),
        "shards": stock.shard_count,
    }


def offer(view: Any) -> dict[str, Any]:
    """A ``services.catalogue.offers.OfferView``: the offer, its image URLs, its stocks when listed."""
    offer = view.offer
    return {
        "id": offer.id,
        "venueId": offer.venue_id,
        "siren": offer.siren,
        "name": offer.name,
        "category": offer.category,
        "description": offer.description,
        "hook": offer.hook,
        "videoUrl": offer.video_url,
        "durationMinutes": _int(offer.duration_minutes),
        "url": offer.url,
        "isDuo": bool(offer.is_duo),
        "isDigital": bool(offer.is_digital),
        "status": offer.status,
        "isActive": bool(offer.is_active),
        "isVisibleInApp": bool(offer.in_feed),
        "imageUrl": view.image_url,
        "thumbUrl": view.thumb_url,
        "imageError": offer.image_error,
        "departmentCode": offer.department_code,
        "createdAt": iso(offer.created_at),
        "updatedAt": iso(offer.updated_at),
        "stocks": None if view.stocks is None else [stock(s, offer.price_categories) for s in view.stocks],
        "priceCategories": [price_category(c) for c in offer.price_categories or []],
    }


def offer_page(views: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """A page of offers (``GET /offers``)."""
    return {"items": [offer(v) for v in views], "nextCursor": next_cursor}
