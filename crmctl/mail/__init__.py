"""E-mail as a library: read messages from files and servers, parse them, pair them.

Nothing here touches the database or imports ``crmctl.services``: the message entity and
its services plug these pieces together.

- ``parse``: raw bytes → ``ParsedMessage`` (headers decoded, text body, attachments).
- ``sources``: .eml files, directories of them, mbox, Maildir and IMAP → raw messages.
- ``pairing``: the pairing rules 1–5 as a pure function over a lookup protocol.
- ``settings``: the ``mail:`` section of ``crmctl.yaml``, validated.
"""
