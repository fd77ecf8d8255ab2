"""Paying for validation: learning accounts, funders, entitlements and the ledger."""
