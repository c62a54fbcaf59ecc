"""Amounts of money: integer cents in, French text out."""

from __future__ import annotations


def euros(cents: int | float) -> str:
    """``1250`` -> ``"12,50 €"``, ``2000`` -> ``"20 €"``: how emails and refusals write an amount."""
    value = int(cents) / 100
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return f"{text.removesuffix(',00')} €"
