"""Serializer building blocks shared by every app."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# Primary keys are bigint (DEFAULT_AUTO_FIELD = BigAutoField): a larger integer can name no row,
# and the database driver raises OverflowError on it, so inputs refuse it as bad input.
DB_ID_MAX = 2**63 - 1


def DatabaseIdField(**kwargs: Any) -> serializers.IntegerField:  # noqa: N802 - reads like a field class
    """An integer that can be a row id: 1 .. 2**63-1 (bounds also documented in the schema)."""
    return serializers.IntegerField(min_value=1, max_value=DB_ID_MAX, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Input serializer that refuses fields it does not know (a typo must not pass silently)."""

    # The fields a subclass's validate() wants exactly one / at least one of: they only put that
    # rule in the schema (securebank.openapi); validate() still enforces it.
    exactly_one_of: tuple[str, ...] = ()
    at_least_one_of: tuple[str, ...] = ()
    # Explicit `oneOf` branches, for a rule the two above cannot say (a field that must also
    # hold a given value); schema only, like them.
    one_of_schemas: tuple[dict[str, Any], ...] = ()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(self.fields)
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field."] for key in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)
