"""Pure pandas transforms: no Dagster imports, unit-tested on their own."""
