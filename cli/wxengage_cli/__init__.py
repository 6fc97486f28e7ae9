"""The `wxengage` operator CLI: the same commands against a deployed stack and the local stack."""
