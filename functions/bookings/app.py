"""Lambda entry point of the bookings function (handler: ``functions/bookings/app.handler``)."""

from functions.bookings.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("bookings", make_blueprint)
handler = make_handler(app)
