"""The stages of a run, one module each, in the order :mod:`senotarget.pipeline` runs them.

``resolve -> fetch -> curate -> chemistry -> parents -> aggregate -> classify -> score -> rank ->
validate``, plus ``changes`` (what moved between two runs). Each stage is a function from typed
records and tables (:mod:`senotarget.schema`) to new ones; a stage imports only the schema, the
config, the errors, the toolbox (:mod:`senotarget.util`) and earlier stages, never the pipeline,
the report layer, the run commands or the CLI (checked by import-linter in ``make lint``).
"""
