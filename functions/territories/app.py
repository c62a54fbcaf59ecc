"""Lambda entry point of the territories function (handler: ``functions/territories/app.handler``).

No HTTP route and no other event yet (no blueprint until it has routes).
"""

from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("territories")
handler = make_handler(app)
