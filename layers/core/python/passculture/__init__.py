"""Pass Culture Pro: the domain package shared by every function (a Lambda layer)."""
