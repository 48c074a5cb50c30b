"""The zoo: a procedural world and small model organisms trained on it with planted flaws."""
