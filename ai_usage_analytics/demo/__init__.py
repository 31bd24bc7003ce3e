"""The demo: a synthetic organisation, a vendor API simulator, and the runner behind `make demo`."""
