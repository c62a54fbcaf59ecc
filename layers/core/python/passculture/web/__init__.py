"""HTTP glue shared by every function: routes, authentication, the error contract.

The only part of the package that knows Chalice; services never import it.
"""

from passculture.web.routing import Auth, OtherReply, Reply, Req, RouteSet, create_app

__all__ = ["Auth", "OtherReply", "Reply", "Req", "RouteSet", "create_app"]
