"""The validation function."""
