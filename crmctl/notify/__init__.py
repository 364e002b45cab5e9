"""Delivery: the in-app inbox, e-mail over SMTP, webhook POSTs, and the outbox."""
