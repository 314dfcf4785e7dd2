"""Password hashing: Argon2id with the parameters OWASP's Password Storage Cheat Sheet gives as
the minimum (19 MiB of memory, 2 iterations, 1 lane).

Django's own defaults (100 MiB, 8 lanes) take both cores of a county's server for a quarter of
a second per sign-in: fifty people signing in at eight in the morning queued every page behind
them (the load test in benchmarks/RESULTS.md). Stored hashes of other parameters are re-hashed
with these at the user's next sign-in (Django's ``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
