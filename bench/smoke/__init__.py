"""The bench's smoke run, checked: `python -m bench --smoke` and `python -m bench.notices --smoke` write
complete reports (no speed is judged). Minutes of wrk, gunicorn and nginx, so not part of the product
suite (pyproject's testpaths is tests/ alone): CI runs it as a step of its own after the suite,
`python -m pytest bench/smoke`."""
