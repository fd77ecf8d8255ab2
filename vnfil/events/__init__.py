"""Events to issuers: the CloudEvents outbox, webhooks and where they may point."""
