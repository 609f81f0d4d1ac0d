"""Libraries loaded by `(use 'name)`: see `lispe.registry.LIBRARIES`."""
