"""The test suite. Importing this package (pytest does, before tests/conftest.py) lets Python
write bytecode caches (`__pycache__`) for the rest of the run even when the environment sets
PYTHONDONTWRITEBYTECODE: the suite starts hundreds of Python processes (xdist workers,
`mosaic` processes, benchmarks), and without the caches each one compiles every module of
Mosaic from source again (~0.3 s CPU per `mosaic` process; the collection of the suite in
each worker, whose rewritten test modules pytest caches the same way, 9.5 → 6 s). The caches
are in .gitignore."""

import os
import sys

if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
    sys.dont_write_bytecode = False
