"""Playbook runs in the console.

A package because its test_decide.py shares its name with tests/dispatch/test_decide.py.
"""
