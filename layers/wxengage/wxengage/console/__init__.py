"""The operator console: a JSON API (and the page that uses it) over the same domain functions as the CLI."""
