"""The HTTP face of vnfil for candidates, staff of validation centres and issuers."""
