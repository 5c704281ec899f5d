"""Analysis layer: every figure LoanFlow shows, computed in DuckDB SQL over the store.

Functions are pure over (connection, dataset, filters) and return plain data. pm4py is
imported lazily, only where it is the field's reference (discovery, conformance).
"""
