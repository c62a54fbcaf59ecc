"""Infrastructure: table and bucket definitions, generators and the local twin."""
