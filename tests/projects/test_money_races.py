"""Two payments of the same project and fund source at once: their sum may not pass what was
allocated, whichever commits first. The money actions lock the project row before summing;
these tests race two real connections through a barrier on PostgreSQL (SQLite serialises
writers, so there is nothing to race there)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.projects import actions
from jingzhun.projects.models import Allocation, Disbursement, Project
from tests.cases.test_races import on_postgresql, race, shanxi  # noqa: F401 - fixture
from tests.projects import helpers as h


def _pay(world, pk: int, voucher: str, amount: str):  # type: ignore[no-untyped-def]
    return (
        lambda: Project.objects.get(pk=pk),
        lambda project: actions.do_add_disbursement(
            project,
            actor=h.actor(world.approver),
            source="central",
            on=h.today(),
            amount=amount,
            voucher=voucher,
            payee="某建设公司",
        ),
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_cannot_together_pass_the_allocation(shanxi, world):  # noqa: F811
    project = h.approved(world)
    h.allocate(world, project, "100000")
    outcomes = race(
        _pay(world, project.pk, "PZ-A", "60000"), _pay(world, project.pk, "PZ-B", "60000")
    )
    succeeded = [o for o in outcomes if o.error is None]
    refused = [o for o in outcomes if isinstance(o.error, ValidationError)]
    assert len(succeeded) == 1 and len(refused) == 1, outcomes
    assert "超出已下达资金20,000.00元" in str(refused[0].error)
    paid = sum(d.amount for d in Disbursement.objects.filter(project=project))
    assert paid == Decimal("60000.00")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_allocations_at_once_cannot_together_pass_the_budget(shanxi, world):  # noqa: F811
    project = h.approved(world)  # central 300,000 planned

    def allocate(document: str):  # type: ignore[no-untyped-def]
        return (
            lambda: Project.objects.get(pk=project.pk),
            lambda p: actions.do_add_allocation(
                p,
                actor=h.actor(world.approver),
                source="central",
                on=h.today(),
                amount="200000",
                document=document,
            ),
        )

    outcomes = race(allocate("文1"), allocate("文2"))
    assert sum(o.error is None for o in outcomes) == 1, outcomes
    assert sum(a.amount for a in Allocation.objects.filter(project=project)) == Decimal("200000.00")
