"""vnfil: the domain model of validating non-formal and informal learning."""
