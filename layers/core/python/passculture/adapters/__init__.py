"""The edge: the only modules that call boto3 (S3, SES, SSM) or requests (SIRENE, OpenAgenda)."""
