"""The ledgers: one module per ledger, each defining ``LEDGER = Ledger(...)``
(:class:`jingzhun.ledgers.spec.Ledger`). Every module here is found by itself: adding a ledger
is adding a module (docs/ledgers.md, "Adding a ledger")."""
