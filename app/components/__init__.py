"""Reusable widgets: each ``show(...)`` renders one piece of UI and returns a plain value."""
