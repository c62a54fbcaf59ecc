"""The offers function."""
