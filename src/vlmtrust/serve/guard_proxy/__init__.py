"""The guard proxy (``vlmtrust guard serve``): the guards a scan measures, in front of a
model server."""
