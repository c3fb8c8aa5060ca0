"""Business logic over a SQLAlchemy ``Session``.

Services flush but never commit: the caller (a request handler, a script, a test) owns the
transaction.
"""
