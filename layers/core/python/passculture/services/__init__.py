"""The domain rules: plain Python over the models and adapters. No HTTP, no Chalice."""
