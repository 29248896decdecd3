"""The absl binaries: tf1track-inspect, tf1track-load, tf1track-parity."""
