"""Pledge views. The pledge registry arrives with the pledges issue."""
