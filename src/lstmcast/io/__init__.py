"""Saving and reading models (safetensors + JSON, no pickle); ``lstmcast.load`` builds the Forecaster."""

from lstmcast.io.saving import FORMAT_VERSION, read_document, read_model, save

__all__ = ["FORMAT_VERSION", "read_document", "read_model", "save"]
