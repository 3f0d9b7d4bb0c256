"""The API's endpoints, one module a resource family."""
