"""The broadcast feature: campaigns as operators write them and the engine that runs them."""
