"""Credentials: building, signing, revoking (status lists), verifying and printing
Open Badges 3.0 credentials, and the awarding bodies' keys."""
