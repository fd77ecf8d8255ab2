"""Cases: their stages and rules, the workflow's contracts, the read model, the audit
trail, per-caller views and a centre's figures."""
