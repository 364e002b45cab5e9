"""The domain layer: every write goes through here, in one transaction with its events."""
