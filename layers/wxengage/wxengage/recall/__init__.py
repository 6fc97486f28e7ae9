"""The recall feature: rules, pending recalls, the minute sweep and the sender."""
