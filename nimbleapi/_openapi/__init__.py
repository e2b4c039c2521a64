"""OpenAPI document generation and the documentation pages' plumbing.

Reads analysed routes (``APIRoute`` with its ``Dependant`` tree and fields) and never
affects request handling. ``document.generate_openapi`` is the entry point;
``setup.install_docs_routes`` adds the documentation endpoints to an application.
"""
