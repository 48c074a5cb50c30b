"""Wrapper mitigations: ``Model -> Model`` at inference time, nothing trained or stored.

One module per registered plugin (see ``vlmtrust.plugins``); ``text_gate`` is not a plugin but
the pixel-level text-presence gate that ``guard`` runs before OCR.
"""
