"""One application per target, all answering the same requests."""
