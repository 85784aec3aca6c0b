"""A local stand-in for the ChEMBL REST API, backed by a ChEMBL-schema SQLite file (tests only)."""

from tests.stub.server import Counters, Fault, Faults, StubServer

__all__ = ["Counters", "Fault", "Faults", "StubServer"]
