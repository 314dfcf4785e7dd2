"""Inserting many rows of one model fast, for the bulk actions (imports of a county's ledger).

``Model.objects.bulk_create`` builds a model instance per row and runs Django's SQL compiler
over every value; for the hundreds of thousands of rows of a large import that Python work costs
three times the insert itself (benchmarks/RESULTS.md). :func:`insert_rows` takes plain dicts,
converts each value with the field's own ``get_db_prep_save`` (so SQLite and PostgreSQL store
exactly what the ORM would) except for the field types whose Python value is already what the
driver takes, and runs one prepared ``INSERT`` with ``executemany``.

It writes what it is given: validation and the audit trail are the calling action's job
(jingzhun.registry.bulk). It returns nothing: callers that need the new primary keys read them
back by a natural key (户编号, household and position).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone

# Field types whose (validated) Python value is passed to the driver unchanged.
PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}
BATCH = 5000
_MISSING = object()


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    if field.get_internal_type() in PLAIN:
        return None
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            hash(value)
        except TypeError:
            return field.get_db_prep_save(value, connection)
        # Dates, amounts and addresses repeat across rows: convert each distinct value once.
        key = (type(value), value)
        if key not in memo:
            memo[key] = field.get_db_prep_save(value, connection)
        return memo[key]

    return convert


def _default(field: models.Field, now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now.date() if field.get_internal_type() == "DateField" else now
    if field.has_default():
        return field.get_default()
    return None if field.null else ""


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts keyed by field name or attname; absent fields take their default,
    ``auto_now`` fields the current time) into ``model``'s table. Returns the number of rows.
    Must run inside the caller's transaction."""
    using = router.db_for_write(model)
    connection = connections[using]
    assert transaction.get_connection(using).in_atomic_block, "bulk inserts belong to an action"
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    # auto_now / auto_now_add fields take the current time, as Model.save() does on insert.
    plan = [
        (
            f.name,
            f.attname,
            _converter(f, connection),
            _default(f, now),
            getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False),
        )
        for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    # Identifiers come from the model's metadata, quoted; values are parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    count = 0
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            values = []
            for name, attname, convert, default, auto in plan:
                if auto:
                    value = default
                else:
                    value = row.get(name, _MISSING)
                    if value is _MISSING:
                        value = row.get(attname, default)
                if isinstance(value, models.Model):
                    value = value.pk
                values.append(value if convert is None else convert(value))
            batch.append(tuple(values))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
