"""LangGraph conformance suite: the engine replayed against recorded LangGraph vectors."""
