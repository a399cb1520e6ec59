"""The `/v1` REST API: one table of operations (`catalog.OPERATIONS`) drives the routes, the
request validation, the OpenAPI document and the authorization matrix tests."""
