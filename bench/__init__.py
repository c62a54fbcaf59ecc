"""Benchmarks that print figures (``make bench``): cold imports and DynamoDB calls per operation."""
