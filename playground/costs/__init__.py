"""The cost model: answers priced stage by stage, hardware presets, one-off costs and break-even volumes."""
