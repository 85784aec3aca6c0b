"""Commands that work on finished runs and their caches.

``refresh``, ``diff``, ``explain``, ``report`` (re-render) and ``cache info|clear``.
"""
