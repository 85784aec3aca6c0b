"""A toolbox that knows no domain rule: atomic files, batches, RDKit log muting, worker pools.

Every layer may use it; it imports nothing of senotarget but :mod:`senotarget.errors`.
"""
