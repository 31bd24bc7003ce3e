"""Resources: one module per external system, each with the same key in every environment."""
