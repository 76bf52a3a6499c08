"""Business rules as plain functions: no HTTP, no database."""
