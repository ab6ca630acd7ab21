"""The views' fixtures: the page in AppTest, as the page's own tests run it."""

from tests.test_dashboard import app

__all__ = ["app"]  # a fixture: pytest finds it here by name
