"""The embedded local stack: moto as AWS, the template's resources, a gateway, a ticker, a WeChat sandbox."""
