"""Operating an installation: backup and restore (``jingzhun backup``, ``jingzhun restore``).

The app sits above every domain app: it reads all of their tables and files and owns none.
"""
