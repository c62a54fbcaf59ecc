"""Lambda entry point of the partners function (handler: ``functions/partners/app.handler``)."""

from functions.partners.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("partners", make_blueprint)
handler = make_handler(app)
