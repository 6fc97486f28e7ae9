"""Data access: DynamoDB tables and Secrets Manager, one module per store."""
