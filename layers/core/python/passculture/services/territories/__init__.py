"""Local authorities: local validation and highlights, labelled local credit programmes."""
