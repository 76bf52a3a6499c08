"""The domain core: workflow definitions read from YAML, the facts a guard reads, the guards by rule id,
the clock rules, and the engine that binds a review to its workflow's state machine."""
