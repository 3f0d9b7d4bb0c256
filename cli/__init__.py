"""The command line: one module a group of commands, and the words for every error."""
