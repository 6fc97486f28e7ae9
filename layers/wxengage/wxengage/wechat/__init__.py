"""The WeChat callback protocol: signatures, message crypto, safe XML, callback and reply models."""
