"""Business rules as plain Python on a DB session. Never imports reflex."""
