"""Pilot tests of the app: keys, actions, follow mode and in-app errors."""
