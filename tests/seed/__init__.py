"""Tests that every Python block of the seed document runs on stepscope as on LangGraph."""
