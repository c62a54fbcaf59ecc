"""The accounts function."""
