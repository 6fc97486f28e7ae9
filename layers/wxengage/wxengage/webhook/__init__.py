"""The webhook feature: verify WeChat callbacks, fold them into windows, answer within 5 s."""
