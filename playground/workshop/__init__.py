"""Workshop mode: a facilitator's room that participants join by a short code to vote on anonymised answers.

`rooms` keeps the rooms in memory (codes, rounds, votes, reveal, expiry) and `export` turns a room's
rounds into the votes CSV and a brief with a votes section. No Gradio here: the tab is ui/workshop_tab.py.
"""
