"""Views, Jinja2 environments and file writing: everything that makes text."""
