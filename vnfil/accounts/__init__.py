"""Accounts: people, their memberships in centres and awarding bodies, sign-in,
invitations and the outbox of messages to them."""
