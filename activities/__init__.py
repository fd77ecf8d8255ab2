"""Side effects of a case: stores, rendering, notifications. Idempotent, retry-safe."""
