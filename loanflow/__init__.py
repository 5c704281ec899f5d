"""LoanFlow: process mining for loan approval."""

__version__ = "0.1.0"
