"""The measurements, each run the same way against every system."""
