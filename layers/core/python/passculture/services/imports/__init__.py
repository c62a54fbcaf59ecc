"""Agenda imports: OpenAgenda and iCalendar feeds turned into offers and their dates."""
