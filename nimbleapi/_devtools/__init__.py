"""Development aids that only ``nimbleapi dev`` installs: production never loads them."""
