"""What a run leaves behind: its files (CSV, Parquet, SDF), its manifest and report.html.

The report layer reads and writes finished tables; it never calls a ChEMBL source.
"""
