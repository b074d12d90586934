"""The commands of the ``tellers`` CLI, one module each."""
