"""Who may validate what: awarding bodies accredit centres for standards."""
