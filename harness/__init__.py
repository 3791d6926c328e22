"""What the tests and the bench both launch: private redis-servers on free ports, the seeded files
of a Redis Sentinel group, and the wait for a condition to hold.

Not part of imgmod: pyproject's packages.find includes only service*, workers* and config*, so an
install leaves this out, as it leaves out tests/ and bench/. Both import it from the checkout's
root (pytest puts the root first on sys.path, `python -m bench` runs from it). Imports go one way:
tests -> bench -> harness -> service; nothing here imports the tests or the bench.
"""
