"""The partners function."""
