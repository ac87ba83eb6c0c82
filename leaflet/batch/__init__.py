"""A list of prescriptions in, many personalised PDFs and one print file out.

`rows` streams the list (CSV or YAML); `names` gives every row its file name; `jobs` is
the plain data passed between processes; `run` checks rows and drives the pool; `pool`
keeps worker processes that may be killed at a limit; `worker` builds one row in a
worker process. `run` and `pool` are not re-exported: they import multiprocessing,
which a single build does not need.
"""

from leaflet.batch.jobs import BatchOptions, BatchReport, Shard
from leaflet.batch.names import DEFAULT_NAME

__all__ = ["DEFAULT_NAME", "BatchOptions", "BatchReport", "Shard"]
