"""Lambda entry point of the offers function (handler: ``functions/offers/app.handler``)."""

from functions.offers.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("offers", make_blueprint)
handler = make_handler(app)
