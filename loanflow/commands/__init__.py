"""The CLI's command modules: each exposes ``COMMANDS``, a list of click commands.

Command modules parse arguments, call one library function and turn a
:class:`etl.errors.LoanFlowError` into a clean message. Heavy libraries are imported
inside the command functions so that ``loanflow --help`` stays fast. The console script
imports a module only when one of its commands runs: a new command is also named in
:data:`loanflow.cli.COMMAND_MODULES` (a test compares the two).
"""
