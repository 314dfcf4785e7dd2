"""The village exit standards each province chooses (configuration): village.yaml, loaded
by :func:`jingzhun.policy.villages.load_standards`."""
