"""The Pregel loop: plan, execute, update, one superstep at a time."""
