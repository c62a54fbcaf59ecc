"""One folder per deployable function; each ``app.py`` exposes a Chalice ``app``."""
