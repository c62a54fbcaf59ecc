"""Accounts: users and their credentials, signup, signin, structures and their members, the team's work.

``users`` (creation, unique email), ``auth`` (password hashes, access tokens,
API key hashes, the ``Principal``), ``signin``, ``signup`` (pro and young
signups, email confirmation, what a user sees of themselves), ``offerers``
(structures), ``memberships``, ``access`` (who may see a structure's things),
``admin`` (the team's validation and roles), ``mail`` (their emails).
"""
