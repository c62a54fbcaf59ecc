"""pass Culture's category ids (its subcategories), as partners send them, mapped onto this project's ten.

THE one table (shown in the README, "Partner API"): an event category a partner
may create an event in, a product category a product (a thing) in. An id that is
not here is a 400 naming ``categoryRelatedFields.category``.
"""

from __future__ import annotations

from typing import NamedTuple


class EventCategory(NamedTuple):
    label: str
    category: str  # this project's (vocabulary.Category)


class ProductCategory(NamedTuple):
    category: str
    location_type: str  # "PHYSICAL" or "DIGITAL", as pass Culture shows it


EVENT_CATEGORIES: dict[str, EventCategory] = {
    "CONCERT": EventCategory("Concert", "MUSIC"),
    "FESTIVAL_MUSIQUE": EventCategory("Festival de musique", "MUSIC"),
    "LIVESTREAM_MUSIQUE": EventCategory("Livestream musical", "MUSIC"),
    "SPECTACLE_REPRESENTATION": EventCategory("Spectacle, représentation", "LIVE_SHOW"),
    "FESTIVAL_SPECTACLE": EventCategory("Festival de spectacle vivant", "LIVE_SHOW"),
    "SEANCE_CINE": EventCategory("Séance de cinéma", "CINEMA"),
    "CINE_PLEIN_AIR": EventCategory("Cinéma plein air", "CINEMA"),
    "FESTIVAL_CINE": EventCategory("Festival de cinéma", "CINEMA"),
    "EVENEMENT_CINE": EventCategory("Ciné-club ou autre évènement cinéma", "CINEMA"),
    "CONFERENCE": EventCategory("Conférence", "CONFERENCE"),
    "RENCONTRE": EventCategory("Rencontre", "CONFERENCE"),
    "RENCONTRE_EN_LIGNE": EventCategory("Rencontre en ligne", "CONFERENCE"),
    "SALON": EventCategory("Salon, convention", "CONFERENCE"),
    "FESTIVAL_LIVRE": EventCategory("Festival et salon du livre", "BOOK"),
    "RENCONTRE_JEU": EventCategory("Rencontres - jeux", "GAME"),
    "ESCAPE_GAME": EventCategory("Escape game", "GAME"),
    "EVENEMENT_JEU": EventCategory("Concours - jeux", "GAME"),
    "ATELIER_PRATIQUE_ART": EventCategory("Atelier, stage de pratique artistique", "ART_CLASS"),
    "SEANCE_ESSAI_PRATIQUE_ART": EventCategory("Séance d'essai", "ART_CLASS"),
    "VISITE": EventCategory("Visite", "MUSEUM_HERITAGE"),
    "VISITE_GUIDEE": EventCategory("Visite guidée", "MUSEUM_HERITAGE"),
    "EVENEMENT_PATRIMOINE": EventCategory("Évènement et atelier patrimoine", "MUSEUM_HERITAGE"),
}

PRODUCT_CATEGORIES: dict[str, ProductCategory] = {
    "LIVRE_PAPIER": ProductCategory("BOOK", "PHYSICAL"),
    "LIVRE_NUMERIQUE": ProductCategory("BOOK", "DIGITAL"),
    "LIVRE_AUDIO_PHYSIQUE": ProductCategory("BOOK", "PHYSICAL"),
    "SUPPORT_PHYSIQUE_MUSIQUE_CD": ProductCategory("MUSIC", "PHYSICAL"),
    "SUPPORT_PHYSIQUE_MUSIQUE_VINYLE": ProductCategory("MUSIC", "PHYSICAL"),
    "ABO_PLATEFORME_MUSIQUE": ProductCategory("MUSIC", "DIGITAL"),
    "SUPPORT_PHYSIQUE_FILM": ProductCategory("AUDIOVISUAL", "PHYSICAL"),
    "VOD": ProductCategory("AUDIOVISUAL", "DIGITAL"),
    "ABO_PLATEFORME_VIDEO": ProductCategory("AUDIOVISUAL", "DIGITAL"),
    "PODCAST": ProductCategory("AUDIOVISUAL", "DIGITAL"),
    "CARTE_CINE_MULTISEANCES": ProductCategory("CINEMA", "PHYSICAL"),
    "ABO_PRESSE_EN_LIGNE": ProductCategory("PRESS", "DIGITAL"),
    "APP_CULTURELLE": ProductCategory("PRESS", "DIGITAL"),
    "JEU_SUPPORT_PHYSIQUE": ProductCategory("GAME", "PHYSICAL"),
    "ABO_JEU_VIDEO": ProductCategory("GAME", "DIGITAL"),
    "MATERIEL_ART_CREATIF": ProductCategory("ART_CLASS", "PHYSICAL"),
    "CARTE_MUSEE": ProductCategory("MUSEUM_HERITAGE", "PHYSICAL"),
}

UNKNOWN = "This category does not exist, or offers of it cannot be created through this API"


def event_category(partner_id: str) -> str | None:
    """This project's category for pass Culture's event category ``partner_id``; None when unmapped."""
    found = EVENT_CATEGORIES.get(partner_id)
    return found.category if found else None


def product_category(partner_id: str) -> str | None:
    found = PRODUCT_CATEGORIES.get(partner_id)
    return found.category if found else None
