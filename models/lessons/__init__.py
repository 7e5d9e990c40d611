"""The Learn page's toy tasks (roommate dinners, long memory, the inside of a cell).

For: generating the tasks' data and reading a trained toy network's answers.
May import: numpy and the shared core modules; never TensorFlow.
"""
