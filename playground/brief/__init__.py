"""The decision brief: what was measured, the costs at the room's volume, and a recommendation."""
