"""Access control: the policy (who may read and write what) and its PostgreSQL row, column and
write security."""
