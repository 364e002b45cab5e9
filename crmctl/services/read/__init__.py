"""The read side: one pipeline for every list and show, over Core (no ORM import).

``pipeline`` is the pipeline, ``sources`` the entities it reads, ``records`` what a
record of each is shown as. Read commands (list, show) open a plain connection
(``cli.common.read_context``) and call only into this package.
"""
