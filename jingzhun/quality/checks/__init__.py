"""The catalogue of data-quality checks (问题数据校验规则), split by what they look at.

Each check is ONE definition (code, Chinese title, severity, level, fields read, rationale)
carrying its two evaluations side by side: ``entry(facts)`` in Python over one household's plain
dicts, and ``batch(frames)`` as a set-based Ibis expression over the snapshot tables. The
property test in tests/quality/test_agreement.py proves both give the same findings.

- :mod:`.base`: the check record, the catalogue, ``Facts``/``Frames``/``VillageFacts`` and the
  pieces shared by the checks (ages, ID check digits, member and household selections);
- :mod:`.identity`, :mod:`.people`, :mod:`.relations`: members and their household relations;
- :mod:`.monitoring`, :mod:`.measures`, :mod:`.consistency`: a household's risks, monitoring,
  assistance measures, internal consistency and completeness;
- :mod:`.villages`: the village checks, and the lists of checks the runners use.

Importing this package registers every check, in the order of these modules.
"""

# The sections in catalogue order (a check registers itself when its module is imported).
# isort: off
from jingzhun.quality.checks import identity, people, relations  # noqa: F401
from jingzhun.quality.checks import monitoring, measures, consistency  # noqa: F401
from jingzhun.quality.checks import villages  # noqa: F401

# isort: on
from jingzhun.quality.checks.base import (  # noqa: F401
    CATALOGUE,
    CHECK_CHARS,
    COMPULSORY,
    EDUCATION_FOR_STATUS,
    ERROR,
    HOUSEHOLD,
    ID18_RE,
    ILL_HEALTH,
    INCOME_REQUIRED_TYPES,
    LEVEL_LABELS,
    MEMBER,
    MIGRANT_STATUSES,
    NON_GUARANTEE_MEASURES,
    OLDER_GENERATION,
    PLACEHOLDER_RE,
    RELATION_SEX,
    SEVERITY_LABELS,
    VILLAGE,
    VOCATIONAL,
    WARNING,
    WEIGHTS,
    WORKING_LABOUR,
    YOUNGER_GENERATION,
    Check,
    EntryHit,
    Facts,
    Frames,
    Row,
    VillageFacts,
    add_months,
    age_expr,
    age_on,
    batch_of,
    check,
    id_checksum_expr,
    not_yet_available,
)
from jingzhun.quality.checks.identity import (
    duplicate_keys,  # noqa: F401
)
from jingzhun.quality.checks.villages import (  # noqa: F401
    catalogue,
    runnable_checks,
    village_check,
    village_checks,
    village_findings_expr,
)
