"""Security tests: hostile callbacks, fuzzing, least-privilege IAM and secrets kept out of logs."""
