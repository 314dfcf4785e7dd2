"""资金拨付台账 (see ``_funds``)."""

from jingzhun.ledgers.kinds._funds import DISBURSEMENTS as LEDGER

__all__ = ["LEDGER"]
