"""The countermarks function."""
