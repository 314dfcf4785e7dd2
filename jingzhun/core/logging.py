"""A logging filter that masks personal numbers in every record before any handler sees it."""

from __future__ import annotations

import logging

from jingzhun.core.masking import mask_free_text


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_free_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
