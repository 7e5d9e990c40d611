"""The Learn page's toy tasks (roommate dinners, long memory, the inside of a cell).

For: generating the tasks' data and reading a trained toy network's answers.
May import: numpy and the shared core modules; never TensorFlow.
"""

# The room's modules: each is imported by name where it is used (nothing is imported here).
__all__ = ["tasks"]
