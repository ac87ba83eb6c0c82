"""`leaflet check`: prove a leaflet is complete, readable, consistent and approved.

Each rule is its own module returning typed findings (findings.py); runner.py applies
them all to a file; report.py turns reports into the text table and the JSON document.
"""

from leaflet.check.findings import Finding, Severity
from leaflet.check.runner import Checker, FileReport

__all__ = ["Checker", "FileReport", "Finding", "Severity"]
