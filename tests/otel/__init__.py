"""Tests of the OpenTelemetry export: the span model, OTLP/HTTP and OTLP JSON, live
export, and (behind `make test-otel`) Arize Phoenix as a real backend."""
