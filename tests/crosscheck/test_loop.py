"""A department batch from file to alerts, and the alerts' verification into cases."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.cases.choices import CaseType, Channel
from jingzhun.core.actions import NotFound, PermissionDenied
from jingzhun.crosscheck import actions, queries
from jingzhun.crosscheck.models import Alert, AlertStatus, Batch, Link, LinkStatus, RejectedPair
from jingzhun.registry.models import Member
from tests.crosscheck.conftest import head, load, write_csv

pytestmark = pytest.mark.django_db

DEATHS = ["姓名", "公民身份号码", "出生日期", "性别", "户籍地址", "死亡日期"]
STAYS = ["患者姓名", "身份证号", "出生日期", "性别", "住址", "出院日期", "合规自付费用"]


def test_a_death_with_an_id_links_exactly_and_raises_an_alert_for_the_village(
    world, families, tmp_path
):
    member = head(families[0])
    path = write_csv(
        tmp_path / "deaths.csv",
        DEATHS,
        [["张建国", member.id_number, "1970-03-04", "男", "五台县东冶村", "2026-10-02"]],
    )
    batch = load(world, "deaths", path)
    assert batch.counts["linked_exact"] == 1 and batch.counts["alerts"] == 1
    alert = Alert.objects.get()
    assert (alert.rule, alert.member_id, alert.village_code) == (
        "deceased_listed",
        member.pk,
        world.village.code,
    )
    assert alert.due_on == alert.raised_on + dt.timedelta(days=15)
    assert ["注销/死亡日期", "2026-10-02"] in alert.values
    # The village's cadre and the township see it; the next village's cadre does not.
    assert queries.alerts_for(world.cadre).count() == 1
    assert queries.alerts_for(world.reviewer).count() == 1
    assert queries.alerts_for(world.sibling_cadre).count() == 0
    with pytest.raises(NotFound):
        queries.access_alert_by_id(world.sibling_cadre, alert.pk)


def test_reloading_the_same_batch_changes_nothing(world, families, tmp_path):
    member = head(families[0])
    path = write_csv(
        tmp_path / "deaths.csv",
        DEATHS,
        [["张建国", member.id_number, "1970-03-04", "男", "东冶村", "2026-10-02"]],
    )
    first = load(world, "deaths", path)
    again = load(world, "deaths", path)
    assert again.pk == first.pk
    assert (Batch.objects.count(), Link.objects.count(), Alert.objects.count()) == (1, 1, 1)


def test_the_same_signal_in_a_later_batch_raises_no_second_alert_while_one_is_open(
    world, families, tmp_path
):
    member = head(families[0])
    row = ["张建国", member.id_number, "1970-03-04", "男", "东冶村", "2026-10-02"]
    load(world, "deaths", write_csv(tmp_path / "a.csv", DEATHS, [row]))
    other = head(families[1])
    later = [row, ["张建国", other.id_number, "1970-03-04", "男", "东冶村", "2026-11-20"]]
    batch = load(
        world, "deaths", write_csv(tmp_path / "b.csv", DEATHS, later), dt.date(2026, 12, 1)
    )
    assert batch.counts["alerts"] == 1  # only the new death
    assert Alert.objects.filter(member=member).count() == 1
    assert Alert.objects.filter(member=other).count() == 1


def test_a_traditional_name_without_an_id_links_by_name_birth_date_and_village(
    world, families, tmp_path
):
    son = families[1].members.get(relation="son")  # 張小明, 2012-09-01
    path = write_csv(
        tmp_path / "stays.csv",
        STAYS,
        [["張小明", "", "2012年9月1日", "男", "五台县东冶村", "2026-10-20", "6200"]],
    )
    batch = load(world, "medical_stays", path)
    link = Link.objects.get()
    assert link.method == "probabilistic"
    # Both households have a 張小明 born 2012-09-01 in 东冶村: the record cannot say which,
    # so whichever is linked, the linkage names its reasons and its probability.
    assert link.member.name == son.name and link.probability >= 0.9
    fields = {r[0]: r[1] for r in link.reasons}
    assert set(fields) >= {"姓名", "出生日期", "所在村"}
    assert batch.counts["alerts"] == 1


def test_a_namesake_without_an_agreeing_birth_date_or_id_does_not_link(world, families, tmp_path):
    path = write_csv(
        tmp_path / "stays.csv",
        STAYS,
        [["张建国", "", "1981-07-15", "男", "五台县东冶村", "2026-10-20", "9000"]],
    )
    batch = load(world, "medical_stays", path)
    assert batch.counts["unlinked"] == 1
    assert not Link.objects.exists() and not Alert.objects.exists()


def _stay_alert(world, families, tmp_path, amount="6200"):
    member = head(families[0])
    path = write_csv(
        tmp_path / f"stay{amount}.csv",
        STAYS,
        [["张建国", member.id_number, "", "", "", "2026-10-20", amount]],
    )
    load(world, "medical_stays", path)
    return Alert.objects.get(member=member)


def test_confirming_opens_a_monitoring_case_from_the_department_alert(world, families, tmp_path):
    alert = _stay_alert(world, families, tmp_path)
    alert = actions.do_verify_alert(
        alert,
        actor=world.actor(world.cadre),
        expected_version=alert.version,
        outcome=AlertStatus.CONFIRMED,
        target=CaseType.MONITORING,
        reason="入户核实：住院花费大，家庭收入下降",
        record={"on": "2026-12-01", "category": "unstable_exited", "year": 2025},
    )
    case = alert.case
    assert alert.status == AlertStatus.CONFIRMED
    assert (case.case_type, case.channel) == (CaseType.MONITORING, Channel.DEPARTMENT_ALERT)
    assert case.first_signal_on == alert.raised_on == dt.date(2026, 12, 1)
    assert case.facts["risk_types"] == ["illness"]  # the rule's risk, as the cadre left it
    assert Link.objects.get(pk=alert.link_id).status == LinkStatus.CONFIRMED


def test_not_confirmed_needs_a_reason_and_changes_nothing_without_one(world, families, tmp_path):
    from django.core.exceptions import ValidationError

    alert = _stay_alert(world, families, tmp_path)
    with pytest.raises(ValidationError):
        actions.do_verify_alert(
            alert, actor=world.actor(), expected_version=alert.version, outcome="not_confirmed"
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    alert = actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="not_confirmed",
        reason="新农合报销后实际自付很少",
    )
    assert alert.status == AlertStatus.NOT_CONFIRMED and alert.decided_by == world.cadre


def test_a_wrong_link_is_remembered_and_the_pair_never_alerts_again(world, families, tmp_path):
    son = families[0].members.get(relation="son")
    row = ["張小明", "", "2012-09-01", "男", "东冶村", "2026-10-20", "7000"]
    load(world, "medical_stays", write_csv(tmp_path / "a.csv", STAYS, [row]))
    alert = Alert.objects.get()
    actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="wrong_link",
        reason="住院的是邻村同名同龄的孩子",
    )
    assert RejectedPair.objects.filter(member=alert.member).exists()
    later = [[*row[:5], "2026-11-25", "8000"]]
    load(world, "medical_stays", write_csv(tmp_path / "b.csv", STAYS, later), dt.date(2026, 12, 1))
    assert not Alert.objects.filter(member=alert.member, status="open").exists()
    # The same record may still link to the other 張小明 of the village (the other household).
    assert (
        not Link.objects.filter(member=alert.member, status="proposed")
        .exclude(pk=alert.link_id)
        .exists()
    )
    assert son.name == "張小明"


def test_a_confirmed_death_removes_the_member(world, families, tmp_path):
    member = head(families[0])
    load(
        world,
        "deaths",
        write_csv(
            tmp_path / "d.csv", DEATHS, [["张建国", member.id_number, "", "", "", "2026-10-02"]]
        ),
    )
    alert = Alert.objects.get()
    actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="confirmed",
        target="remove_member",
        reason="已核实死亡",
    )
    member = Member.objects.get(pk=member.pk)
    assert member.is_deleted and "部门预警核实属实" in member.deleted_reason


def test_only_roles_that_write_the_registry_verify(world, families, tmp_path):
    alert = _stay_alert(world, families, tmp_path)
    with pytest.raises(PermissionDenied):
        actions.do_verify_alert(
            alert,
            actor=world.actor(world.inspector),
            expected_version=alert.version,
            outcome="not_confirmed",
            reason="检查人员不能核实",
        )
    with pytest.raises(NotFound):
        actions.do_verify_alert(
            alert,
            actor=world.actor(world.sibling_cadre),
            expected_version=alert.version,
            outcome="not_confirmed",
            reason="邻村干部不能核实",
        )


PAYROLL = ["姓名", "身份证号", "工作单位", "统计日期"]
ASSISTANCE = ["姓名", "身份证号", "救助类别", "批准日期"]


def test_payroll_staff_in_an_exited_household_leads_to_removal(world, families, tmp_path):
    member = families[0].members.get(relation="spouse")
    load(
        world,
        "payroll",
        write_csv(
            tmp_path / "p.csv", PAYROLL, [["李秀英", member.id_number, "县教育局", "2026-11-01"]]
        ),
    )
    alert = Alert.objects.get()
    assert ["工作单位", "县教育局"] in alert.values
    alert = actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="confirmed",
        target=CaseType.REMOVAL,
        reason="核实属实：配偶为县教育局在编教师",
        record={"on": "2026-12-01", "scope": "registration", "year": 2025},
    )
    assert alert.case.case_type == CaseType.REMOVAL
    assert alert.case.facts["scope"] == "registration"


def test_a_confirmed_mismatch_corrects_the_members_dibao(world, families, tmp_path):
    from jingzhun.registry.models import Household

    Household.objects.filter(pk=families[0].pk).update(
        household_type="monitored", monitoring_category="unstable_exited", risk_eliminated=False
    )
    member = head(families[0])
    load(
        world,
        "social_assistance",
        write_csv(
            tmp_path / "a.csv", ASSISTANCE, [["张建国", member.id_number, "农村低保", "2026-09-01"]]
        ),
    )
    alert = Alert.objects.get(rule="assistance_category_mismatch")
    actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="confirmed",
        target="set_assistance",
        reason="民政数据属实，已补录",
    )
    assert Member.objects.get(pk=member.pk).dibao is True


def test_a_risk_after_elimination_opens_a_reversal(world, families, tmp_path):
    from jingzhun.registry.models import Household

    Household.objects.filter(pk=families[0].pk).update(
        household_type="monitored",
        monitoring_category="unstable_exited",
        monitoring_identified_on=dt.date(2023, 3, 1),
        risk_eliminated=True,
        risk_eliminated_on=dt.date(2024, 6, 1),
        elimination_method="assisted",
    )
    alert = _stay_alert(world, families, tmp_path, amount="9000")
    with pytest.raises(Exception, match="返贫重新纳入"):  # monitoring is refused: already monitored
        actions.do_verify_alert(
            alert,
            actor=world.actor(),
            expected_version=alert.version,
            outcome="confirmed",
            target=CaseType.MONITORING,
            record={"on": "2026-12-01", "category": "unstable_exited", "year": 2025},
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN  # nothing changed
    alert = actions.do_verify_alert(
        alert,
        actor=world.actor(),
        expected_version=alert.version,
        outcome="confirmed",
        target=CaseType.REVERSAL,
        record={"on": "2026-12-01", "year": 2025},
    )
    assert alert.case.case_type == CaseType.REVERSAL
