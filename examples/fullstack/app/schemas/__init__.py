"""Request and response bodies (Pydantic): what the API accepts and answers, apart from the tables."""
