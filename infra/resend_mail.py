"""``make resend-mail``: the parked emails (and partner messages) sent again through the running ``make run`` server.

    PORT=8000 python -m infra.resend_mail      # or LOCAL_URL=http://127.0.0.1:8000

It calls the local-only ``POST /_local/resend-mail``, which invokes the notify
function's handler with ``{"action": "resend-mail"}``, exactly what the deployed
command sends (README "Failure modes")::

    aws lambda invoke --function-name passculture-pro-<stage>-notify \\
      --cli-binary-format raw-in-base64-out --payload '{"action":"resend-mail"}' out.json

Prints what was resent, what failed again, what another resend held and the
partner messages no longer due (dropped); exits
1 when some failed again or the run was cut short (run it again), 2 when no
server answers.
"""

from __future__ import annotations

import os
import sys

import requests


def main() -> int:
    base = os.environ.get("LOCAL_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
    try:
        answer = requests.post(f"{base.rstrip('/')}/_local/resend-mail", timeout=120)
    except requests.RequestException as exc:
        print(f"no local server at {base} ({exc}): start it with `make run`", file=sys.stderr)
        return 2
    if answer.status_code != 200:
        print(f"{base} answered {answer.status_code}: {answer.text}", file=sys.stderr)
        return 2
    report = answer.json()
    for outcome in ("resent", "failed", "skipped", "dropped"):
        ids = report.get(outcome) or []
        print(f"{outcome}: {len(ids)}" + "".join(f"\n  {mail_id}" for mail_id in ids))
    if not report["complete"]:
        print("cut short by the function's timeout: run it again", file=sys.stderr)
    return 1 if report["failed"] or not report["complete"] else 0


if __name__ == "__main__":
    sys.exit(main())
