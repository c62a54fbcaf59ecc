"""Sets an offers scene straight in a running local server's tables; prints it as JSON.

Run in its own process (``python -m tests.e2e.offers_scene``) with the
server's environment and ``AWS_ENDPOINT_URL``: the models and the token key
must be the server's, not the test process's.
"""

from __future__ import annotations

import json

from tests.factories import auth, make_member, make_offerer, make_user, make_venue


def main() -> None:
    offerer = make_offerer(status="validated")
    pro = make_member(offerer)
    venue = make_venue(offerer)
    outsider = make_user({"pro"})
    print(
        json.dumps(
            {
                "siren": offerer.siren,
                "venueId": venue.id,
                "pro": auth(pro),
                "outsider": auth(outsider),
            }
        )
    )


if __name__ == "__main__":
    main()
