"""Lambda entry point of the territories function (handler: ``functions/territories/app.handler``)."""

from functions.territories.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("territories", make_blueprint)
handler = make_handler(app)
