"""Lambda entry point of the accounts function (handler: ``functions/accounts/app.handler``)."""

from functions.accounts.routes import make_blueprint
from passculture.web import create_app
from passculture.web.entry import make_handler

app = create_app("accounts", make_blueprint)
handler = make_handler(app)
