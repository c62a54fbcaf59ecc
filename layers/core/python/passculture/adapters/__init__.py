"""The edge: the only modules that call boto3 (S3, SES, SSM, stream images) or requests (SIRENE, OpenAgenda)."""
