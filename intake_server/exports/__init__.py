"""Exports for the clinic's other systems: the queue as CSV (`csv.py`) and submissions as FHIR R4
(`fhir.py`). Both are pure functions over rows the storage layer reads."""
