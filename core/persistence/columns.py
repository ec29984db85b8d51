"""One column of a query's rows, as a flat list of values."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model
from tortoise.queryset import QuerySet


async def column(query: QuerySet[Any] | type[Model], field: str) -> list[Any]:
    """The values of `field` in the rows `query` selects (a model means all its rows).

    This is `values_list(field, flat=True)`, which returns the bare values; tortoise annotates
    it as returning tuples (its types do not follow `flat`), so the values are read here,
    once, as what they are."""
    values: list[Any] = await query.all().values_list(field, flat=True)
    return values
