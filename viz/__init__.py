"""Visualisation: the figures of experiments (figures.py) and the Solara workshop app."""
