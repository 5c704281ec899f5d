"""What if: a simulation model discovered from the log, scenarios, and their prediction.

A sub-package of ``analysis`` (not a fourth layer): discovery reads the store through the
same scope as every other figure, and the dashboard imports it like any analysis module.
The engine and the scenario code work on the model alone (plain data), never the store,
so replications run in worker processes without a database connection.

Modules: :mod:`calendars` (weekly working calendars and the working clock),
:mod:`distributions` (fitted durations), :mod:`model` (the model as data and JSON),
:mod:`discover` (model discovery), :mod:`engine` (the discrete-event simulation),
:mod:`scenario` (the scenario file), :mod:`run` (replications and KPIs),
:mod:`quality` (the field's log-distance measures), :mod:`export` (BPMN and Prosimos JSON).
"""
