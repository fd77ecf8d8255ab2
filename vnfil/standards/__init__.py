"""Standards: the catalogue of qualifications and micro-credentials, by version."""
