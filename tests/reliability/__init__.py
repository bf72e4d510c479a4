"""The reliability harness: kill -9, fault storms, bad input and concurrency against the whole pipeline."""
