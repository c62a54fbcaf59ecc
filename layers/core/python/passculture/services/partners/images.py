"""A partner's ``image: {file: base64, credit}`` on an event or a product: the pro uploads' checks, at once.

The file is decoded from base64 and checked by ``catalogue.media.check_image``
(JPEG, PNG or WebP, at least 400x400, decoded fully, its thumbnail made), so a
refused image is a 400 on ``image.file`` saying why. The image and its
thumbnail are written where a pro's accepted upload goes
(``media.store_checked``: ``images/<offer>/...``, ``thumbs/<offer>/...``)
and the offer points at them: a new offer is saved with the keys (the objects
removed if it is not), an edition sets them with its other changes and removes
the objects they replace. The body limit (1 MB) bounds an image to about 750 KB.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from passculture.errors import InvalidInput
from passculture.models.offers import Offer


def _checked(image: Any) -> tuple[bytes, Any]:
    from passculture.services.catalogue.media import ImageRefused, check_image

    try:
        data = base64.b64decode(image.file, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput({"image.file": ["The file is not base64-encoded"]}) from exc
    try:
        return data, check_image(data)
    except ImageRefused as refusal:
        raise InvalidInput({"image.file": [str(refusal)]}) from refusal


def store(offer: Offer, image: Any) -> dict[str, Any]:
    """Checks and writes ``image`` for ``offer``; the offer's attributes to set (image, thumbnail, credit)."""
    from passculture.services.catalogue.media import store_checked

    data, checked = _checked(image)
    image_key, thumb_key = store_checked(offer.id, str(uuid.uuid4()), data, checked)
    return {"image_key": image_key, "thumb_key": thumb_key, "image_credit": image.credit, "image_error": None}


def remove(*keys: str | None) -> None:
    """Removes objects no offer points at any more (an old image, or a new one its offer was not saved with)."""
    from passculture.adapters import storage

    for key in keys:
        if key:
            storage.delete_object(key)
