"""imgmod's benchmarks: the service and a bare reference, served the same way, measured in one run."""
