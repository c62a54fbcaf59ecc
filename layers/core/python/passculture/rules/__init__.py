"""Pure rules, below both schemas and services: no I/O, no tables, no settings, nothing heavy.

What belongs here is a rule that a request schema and a service both need and that
needs nothing but its arguments: email, password, department and role checks
(``accounts``), SIREN/SIRET numbers (``siren``), geohashes, the feed's grid, distances and postal
codes (``geo``), the countermark format (``countermark``), euro amounts in
words (``money``), what a name or a description may hold and text made safe for
an email (``text``), and date bounds (``dates``). Nothing here imports models,
adapters, services or schemas.
"""
