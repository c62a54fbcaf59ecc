"""The baseline of the cold-request bench: a Chalice app that answers one pynamodb GetItem, and nothing else.

Written as anyone would write it (the model at module level): its import loads
pynamodb and botocore, its first request creates the DynamoDB client and reads
one item of the project's users table (its name from ``TABLE_PREFIX`` or ``STAGE``, as in the project).
"""

import os

from chalice import Chalice
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

TABLE_PREFIX = os.environ.get("TABLE_PREFIX") or f"passculture-{os.environ.get('STAGE', 'local')}-"


class Thing(Model):
    class Meta:
        table_name = f"{TABLE_PREFIX}users"
        region = os.environ.get("AWS_REGION", "eu-west-3")

    id = UnicodeAttribute(hash_key=True)


app = Chalice("bare-request")


@app.route("/things/{thing_id}")
def get_thing(thing_id):
    return {"id": Thing.get(thing_id, consistent_read=True).id}


handler = app
