"""Lambda entry point of the validation function (handler: ``functions/validation/app.handler``)."""

from functions.validation.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("validation", make_blueprint)
handler = make_handler(app)
