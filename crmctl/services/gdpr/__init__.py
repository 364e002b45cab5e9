"""GDPR: consents, the data export, erasure and retention, and the matcher that finds a
person in free text."""
