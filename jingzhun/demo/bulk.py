"""Fast bulk writes and deletes for the demo loader (SQLite and PostgreSQL).

The demo writes millions of rows, so it skips model instances: rows are tuples inserted with
``executemany`` (SQLite) or ``COPY`` (PostgreSQL), and old rows go with raw ``DELETE`` statements
filtered by subqueries. Both follow the models' metadata, so a column or a child table added to
the registry later is still handled (or refused with a clear message) instead of silently missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max, Q

MAX_PURGE_DEPTH = 8


class TableWriter:
    """Inserts rows of ``model`` given as tuples of ``fields`` (the first must be ``id``).

    Every other concrete column gets its model default (``""`` for text, ``NULL`` where
    allowed), or ``now`` for ``auto_now`` and ``auto_now_add`` timestamps. A column with none
    of these (added to the model since this was written) raises ``LookupError`` naming it,
    before anything is written.
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str], now: Any) -> None:
        self.model = model
        opts = model._meta
        by_name = {f.name: f for f in opts.concrete_fields}
        missing = [name for name in fields if name not in by_name and not name.endswith("_id")]
        if missing:
            raise LookupError(f"{opts.label} has no field(s) {', '.join(missing)}")
        produced = [
            by_name.get(name) or opts.get_field(name.removesuffix("_id")) for name in fields
        ]
        tail_fields = [f for f in opts.concrete_fields if f not in produced]
        tail: list[Any] = []
        for f in tail_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                tail.append(connection.ops.adapt_datetimefield_value(now))
            elif f.has_default() or f.null or f.empty_strings_allowed:
                # get_default() is the model default, else "" for text columns, else None.
                tail.append(f.get_db_prep_save(f.get_default(), connection))
            else:
                raise LookupError(
                    f"the demo does not know what to write into {opts.label}.{f.name}: "
                    "add it to jingzhun/demo/synth.py"
                )
        self.tail = tuple(tail)
        # Where the row tuples carry decimals (a loader may turn them into strings).
        self.decimal_positions = tuple(
            i for i, f in enumerate(produced) if isinstance(f, models.DecimalField)
        )
        columns = [f.column for f in produced] + [f.column for f in tail_fields]
        quote = connection.ops.quote_name
        self.column_sql = ", ".join(quote(col) for col in columns)
        self.table_sql = quote(opts.db_table)
        placeholders = ", ".join(["%s"] * len(columns))
        # Only quoted model identifiers are interpolated; values go as parameters.
        self.insert_sql = (
            f"INSERT INTO {self.table_sql} ({self.column_sql}) VALUES ({placeholders})"  # noqa: S608
        )

    def write(self, rows: Iterable[tuple]) -> None:
        """Insert ``rows`` (inside the caller's transaction)."""
        tail = self.tail
        full = (row + tail for row in rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than multi-row INSERT on PostgreSQL.
                raw = cursor.cursor
                with raw.copy(f"COPY {self.table_sql} ({self.column_sql}) FROM STDIN") as copy:
                    for row in full:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, full)


def next_id(model: type[models.Model]) -> int:
    """One more than the highest primary key in use: ids of deleted rows are not reused, so
    audit entries that name an old object id never point at a new row."""
    return (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite's
    AUTOINCREMENT follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _child_relations(model: type[models.Model]) -> list[Any]:
    # The same relations Django's deletion collector follows, hidden ones (related_name="+")
    # included: every row that points at a deleted row must go (or be unlinked) first.
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_one or f.one_to_many)
    ]


def purge(
    model: type[models.Model],
    condition: Q,
    *,
    counts: Counter[str],
    skip: frozenset[type[models.Model]] = frozenset(),
    depth: int = 0,
) -> None:
    """Delete the rows of ``model`` matching ``condition`` and, first, every row of another
    model that points at them (recursively), with one raw ``DELETE … WHERE fk IN (SELECT …)``
    per table: no model instances, no signals. ``SET_NULL`` links are cleared instead and
    ``DO_NOTHING`` links are left alone; relations from ``skip`` models and self-references are
    the caller's business. Adds the deleted row counts to ``counts`` by model label."""
    if depth > MAX_PURGE_DEPTH:
        raise RecursionError(f"relations nest deeper than {MAX_PURGE_DEPTH} below {model}")
    rows = model._base_manager.filter(condition)
    for rel in _child_relations(model):
        child = rel.related_model
        if child is model or child in skip or not child._meta.managed:
            continue
        link = Q(**{f"{rel.field.name}__in": rows.values(rel.field_name)})
        on_delete = rel.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        if on_delete is models.SET_NULL:
            child._base_manager.filter(link).update(**{rel.field.name: None})
            continue
        if on_delete is models.SET_DEFAULT:
            child._base_manager.filter(link).update(**{rel.field.name: rel.field.get_default()})
            continue
        purge(child, link, counts=counts, skip=skip, depth=depth + 1)
    deleted = rows._raw_delete(rows.db)
    if deleted:
        counts[model._meta.label] += deleted
