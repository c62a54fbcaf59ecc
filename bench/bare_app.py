"""The baseline of the import bench: a Chalice app with nothing else."""

from chalice import Chalice

app = Chalice("bare")
