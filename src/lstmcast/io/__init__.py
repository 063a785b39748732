"""Saving and loading models (safetensors + JSON, no pickle)."""

from lstmcast.io.saving import FORMAT_VERSION, load, read_document, read_model, save

__all__ = ["FORMAT_VERSION", "load", "read_document", "read_model", "save"]
