"""Platform adapters: each translates platform events to invocations and renders replies."""
