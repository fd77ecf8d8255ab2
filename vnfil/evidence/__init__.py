"""Evidence: the S3 store of a case's files and their rows."""
