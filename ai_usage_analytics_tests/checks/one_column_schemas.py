"""The three one-column schemas each fast dtype's tests compare."""

from typing import NamedTuple

import pandera.pandas as pa


class Schemas(NamedTuple):
    coerced: pa.DataFrameSchema  # our type, coercing, nulls allowed
    strict: pa.DataFrameSchema  # our type, no coercion
    pandera: pa.DataFrameSchema  # pandera's own type, coercing, nulls allowed


def one_column(column: str, ours, theirs, *, strict_nullable: bool = False) -> Schemas:
    def schema(dtype, coerce: bool, nullable: bool) -> pa.DataFrameSchema:
        return pa.DataFrameSchema({column: pa.Column(dtype, nullable=nullable)}, coerce=coerce, strict=True)

    return Schemas(schema(ours, True, True), schema(ours, False, strict_nullable), schema(theirs, True, True))
