"""Workflow rules: schema, triggers, conditions, actions, the runner and the daemon."""
