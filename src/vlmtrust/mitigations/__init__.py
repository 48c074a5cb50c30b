"""Mitigations: ``wrappers`` (Model -> Model) and ``trainers`` (base model + data -> new model);
``base`` holds what both kinds share."""
