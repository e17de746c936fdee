"""The handlers of the emulated API, one module per family, as the SDK's resources are."""
