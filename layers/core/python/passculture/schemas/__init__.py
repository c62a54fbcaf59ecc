"""pydantic request and response models: camelCase in JSON, snake_case in Python."""
