"""Composition roots: each feature's use cases wired to DynamoDB, S3, SQS and WeChat, once per container.

One module per feature, so a function imports only the wiring (and so the code) it runs.
"""
