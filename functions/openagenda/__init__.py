"""The openagenda function."""
