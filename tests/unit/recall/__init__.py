"""Unit tests of the recall feature: pure policies and the sender on in-memory ports."""
