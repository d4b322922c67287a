"""Tests of the `stepscope` command line, run as a real subprocess."""
