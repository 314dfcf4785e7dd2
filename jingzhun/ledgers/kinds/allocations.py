"""资金下达台账 (see ``_funds``)."""

from jingzhun.ledgers.kinds._funds import ALLOCATIONS as LEDGER

__all__ = ["LEDGER"]
