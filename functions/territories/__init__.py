"""The territories function."""
