"""Lambda entry point of the countermarks function (handler: ``functions/countermarks/app.handler``)."""

from functions.countermarks.guichet import make_blueprint as make_guichet_blueprint
from functions.countermarks.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("countermarks", make_blueprint, make_guichet_blueprint)
handler = make_handler(app)
