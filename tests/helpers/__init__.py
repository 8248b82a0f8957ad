"""Shared test-data factories (real images and texts written to tmp folders); see datasets.py."""
