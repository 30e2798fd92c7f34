"""The web pages for desks and corporations: server-rendered, on the same services as the API."""
