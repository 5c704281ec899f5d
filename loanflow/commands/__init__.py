"""The CLI's command modules: each exposes ``COMMANDS``, a list of click commands.

Command modules parse arguments, call one library function and turn a
:class:`etl.errors.LoanFlowError` into a clean message. Heavy libraries are imported
inside the command functions so that ``loanflow --help`` stays fast.
"""
