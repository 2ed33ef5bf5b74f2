"""The shipped lanes, one module each; every module here is registered on first use."""
