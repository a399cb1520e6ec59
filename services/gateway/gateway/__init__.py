"""The E-Planning HTTP gateway: `gateway.app:create_app()` is the WSGI application factory."""
