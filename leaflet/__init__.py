"""leaflet: printable patient information leaflets from content written once in YAML."""

__version__ = "0.1.0"
