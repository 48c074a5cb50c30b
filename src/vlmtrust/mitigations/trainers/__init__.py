"""Trainer mitigations: ``(base model, data, spec) -> new model``, cached as an artifact.

``base`` holds the ``Trainer`` base class and the artifact-cache lookup; every other module here
is one registered plugin (see ``vlmtrust.plugins``). What several trainers share lives in
``training/``, which holds helpers only.
"""
