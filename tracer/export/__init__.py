"""A trace as other documents: JSON-ready values (`jsonable`), a summary report
(`report`, what `inspect --json` and `run` print), Chrome's trace-event format
(`chrome`). Pure functions of a Trace; the CLI writes what they return."""
