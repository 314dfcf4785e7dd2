from __future__ import annotations

import logging

from jingzhun.core.masking import mask_bank_account, mask_free_text, mask_id_number, mask_phone
from jingzhun.core.names import normalize_name


def test_traditional_and_full_width_names_share_one_search_key():
    assert normalize_name("張 小明") == normalize_name("张小明")
    assert normalize_name("劉德華") == "刘德华"
    assert normalize_name("阿依古丽・买买提") == normalize_name("阿依古丽·买买提")


def test_simplified_to_traditional_is_never_applied():
    # t2s is many-to-one and safe; the entered name is kept as typed elsewhere.
    assert normalize_name("余华") == "余华"


def test_masks_keep_only_prefix_and_suffix():
    assert mask_id_number("140922198503041039") == "1409**********1039"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_bank_account("6228480012345678901") == "***************8901"


def test_free_text_masking_catches_ids_and_mobiles():
    text = "身份证140922198503041039，电话13912345678"
    masked = mask_free_text(text)
    assert "140922198503041039" not in masked
    assert "13912345678" not in masked
    assert "1409**********1039" in masked


def test_log_records_are_masked_before_any_handler(caplog):
    from jingzhun.core.logging import MaskPersonalDataFilter

    logger = logging.getLogger("jingzhun.test")
    handler_filter = MaskPersonalDataFilter()
    record = logger.makeRecord(
        "jingzhun.test", logging.INFO, __file__, 1, "id %s", ("140922198503041039",), None
    )
    handler_filter.filter(record)
    assert "140922198503041039" not in record.getMessage()
