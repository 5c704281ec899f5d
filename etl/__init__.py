"""ETL layer: readers, column mapping, validation and the DuckDB event store.

The lowest layer of LoanFlow: it imports nothing from ``analysis`` or ``dashboard``.
"""
