"""RQ side of imgmod: the queue, the jobs and the worker entry point."""
