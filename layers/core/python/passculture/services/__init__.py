"""The rules that need I/O: plain Python over the models and adapters. No HTTP, no Chalice.

Grouped by area, each package's ``__init__`` saying what it owns (importing a
package imports none of its modules: cold start):

- ``accounts``: users, credentials, signup and signin, structures, members, who may see what, the team;
- ``catalogue``: venues, offers, stocks, images, the publication rule;
- ``booking``: the app's feed, bookings and cancellations, wallets and the national credit;
- ``countermarks``: the v2 countermark API, API keys, a structure's transactions;
- ``notifications``: the emails of the bookings stream;
- ``imports``: agenda imports; ``territories``: local authorities.

Shared by them: ``ratelimit`` (fixed-window limits), ``pagination`` (signed
cursors), and ``jobs`` (background work).
Pure rules without I/O live below, in ``passculture.rules``; a service returns
models or small dataclasses, and ``passculture.schemas`` presents them.
"""
