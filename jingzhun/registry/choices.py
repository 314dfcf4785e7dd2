"""Value lists of the registration forms (docs/domain.md, 登记项目与取值), as stored codes with
Chinese labels.

Codes are short English words so that code reads well; labels are the national forms' words,
which is also what imports match against and exports write. Labels are lazy translations whose
msgids are those Chinese words: code that needs the form words themselves (imports, exports)
reads them under ``translation.override("zh-hans")``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdType(models.TextChoices):
    EXITED = "exited", _("脱贫户")
    MONITORED = "monitored", _("监测户")
    ORDINARY = "ordinary", _("一般农户")


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", _("国家标准")
    PROVINCIAL = "provincial", _("省定标准")
    MUNICIPAL = "municipal", _("市定标准")


class PovertyAttribute(models.TextChoices):
    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LACK_LAND = "lack_land", _("缺土地")
    LACK_WATER = "lack_water", _("缺水")
    LACK_SKILLS = "lack_skills", _("缺技术")
    LACK_LABOUR = "lack_labour", _("缺劳力")
    LACK_FUNDS = "lack_funds", _("缺资金")
    POOR_TRANSPORT = "poor_transport", _("交通条件落后")
    LACK_MOTIVATION = "lack_motivation", _("自身发展动力不足")
    OTHER = "other", _("其他")


class MonitoringCategory(models.TextChoices):
    UNSTABLE_EXITED = "unstable_exited", _("脱贫不稳定户")
    MARGINAL = "marginal", _("边缘易致贫户")
    SUDDEN_HARDSHIP = "sudden_hardship", _("突发严重困难户")


class RiskType(models.TextChoices):
    ILLNESS = "illness", _("因病")
    SCHOOLING = "schooling", _("因学")
    DISABILITY = "disability", _("因残")
    NATURAL_DISASTER = "natural_disaster", _("因自然灾害")
    ACCIDENT = "accident", _("因意外事故")
    INDUSTRY_FAILURE = "industry_failure", _("因产业项目失败")
    UNSTABLE_EMPLOYMENT = "unstable_employment", _("因务工就业不稳")
    LACK_LABOUR = "lack_labour", _("缺劳动力")
    UNSAFE_HOUSING = "unsafe_housing", _("因安全住房")
    UNSAFE_WATER = "unsafe_water", _("因安全饮水")
    OTHER = "other", _("其他")


class EliminationMethod(models.TextChoices):
    ASSISTED = "assisted", _("帮扶消除")
    NATURAL = "natural", _("自然消除")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    DISABILITY_CERT = "disability_cert", _("残疾人证")
    OTHER = "other", _("其他证件")
    NONE = "none", _("无证件")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    SON_IN_LAW = "son_in_law", _("之女婿")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    GREAT_GRANDCHILD = "great_grandchild", _("之曾孙")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    PARENT_IN_LAW = "parent_in_law", _("之岳父母或公婆")
    GRANDPARENT = "grandparent", _("之祖父母")
    SIBLING = "sibling", _("之兄弟姐妹")
    OTHER = "other", _("其他")


# Relations that fix the member's sex, and relations that are a generation below the head.
RELATION_SEX = {
    Relation.SON: Sex.MALE,
    Relation.DAUGHTER: Sex.FEMALE,
    Relation.SON_IN_LAW: Sex.MALE,
    Relation.DAUGHTER_IN_LAW: Sex.FEMALE,
    Relation.GRANDSON: Sex.MALE,
    Relation.GRANDDAUGHTER: Sex.FEMALE,
    Relation.FATHER: Sex.MALE,
    Relation.MOTHER: Sex.FEMALE,
}


class Ethnicity(models.TextChoices):
    HAN = "han", _("汉族")
    MONGOL = "mongol", _("蒙古族")
    HUI = "hui", _("回族")
    TIBETAN = "tibetan", _("藏族")
    UYGHUR = "uyghur", _("维吾尔族")
    MIAO = "miao", _("苗族")
    YI = "yi", _("彝族")
    ZHUANG = "zhuang", _("壮族")
    BUYEI = "buyei", _("布依族")
    KOREAN = "korean", _("朝鲜族")
    MANCHU = "manchu", _("满族")
    DONG = "dong", _("侗族")
    YAO = "yao", _("瑶族")
    BAI = "bai", _("白族")
    TUJIA = "tujia", _("土家族")
    HANI = "hani", _("哈尼族")
    KAZAKH = "kazakh", _("哈萨克族")
    DAI = "dai", _("傣族")
    LI = "li", _("黎族")
    OTHER = "other", _("其他民族")


class Education(models.TextChoices):
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中专（中职）")
    COLLEGE = "college", _("大专（高职）")
    BACHELOR = "bachelor", _("本科及以上")
    PRESCHOOL = "preschool", _("学龄前儿童")


class StudentStatus(models.TextChoices):
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY_1 = "primary_1", _("小学一年级")
    PRIMARY_2 = "primary_2", _("小学二年级")
    PRIMARY_3 = "primary_3", _("小学三年级")
    PRIMARY_4 = "primary_4", _("小学四年级")
    PRIMARY_5 = "primary_5", _("小学五年级")
    PRIMARY_6 = "primary_6", _("小学六年级")
    GRADE_7 = "grade_7", _("七年级")
    GRADE_8 = "grade_8", _("八年级")
    GRADE_9 = "grade_9", _("九年级")
    SENIOR_1 = "senior_1", _("高中一年级")
    SENIOR_2 = "senior_2", _("高中二年级")
    SENIOR_3 = "senior_3", _("高中三年级")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中职")
    HIGHER_VOCATIONAL = "higher_vocational", _("高职高专")
    UNDERGRADUATE = "undergraduate", _("本科及以上")
    NOT_STUDENT = "not_student", _("非在校生")


COMPULSORY_STATUSES = frozenset(
    [
        StudentStatus.PRIMARY_1,
        StudentStatus.PRIMARY_2,
        StudentStatus.PRIMARY_3,
        StudentStatus.PRIMARY_4,
        StudentStatus.PRIMARY_5,
        StudentStatus.PRIMARY_6,
        StudentStatus.GRADE_7,
        StudentStatus.GRADE_8,
        StudentStatus.GRADE_9,
    ]
)


class DropoutReason(models.TextChoices):
    ILLNESS_DISABILITY = "illness_disability", _("因病或残疾")
    FINANCIAL = "financial", _("经济困难")
    STUDY_DIFFICULTY = "study_difficulty", _("厌学或学习困难")
    WORK = "work", _("外出务工")
    MARRIAGE = "marriage", _("早婚早育")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class LabourSkill(models.TextChoices):
    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


WORKING_LABOUR = frozenset([LabourSkill.ORDINARY, LabourSkill.SKILLED, LabourSkill.WEAK])


class WorkStatus(models.TextChoices):
    MIGRANT_OUT_PROVINCE = "out_province", _("省外务工")
    MIGRANT_IN_PROVINCE = "in_province", _("省内县外务工")
    LOCAL = "local", _("县内务工")
    NOT_WORKING = "not_working", _("未务工")


class HousingSafetyGrade(models.TextChoices):
    A = "A", _("A级")
    B = "B", _("B级")
    C = "C", _("C级（危房）")
    D = "D", _("D级（危房）")


class Fuel(models.TextChoices):
    FIREWOOD = "firewood", _("柴草")
    COAL = "coal", _("煤炭")
    GAS = "gas", _("燃气")
    ELECTRICITY = "electricity", _("电")
    CLEAN = "clean", _("清洁能源")
    OTHER = "other", _("其他")


class RelocationMode(models.TextChoices):
    CENTRALISED = "centralised", _("集中安置")
    DISPERSED = "dispersed", _("分散安置")


class ResettlementType(models.TextChoices):
    TOWN = "town", _("县城或城镇安置")
    INDUSTRIAL_PARK = "industrial_park", _("产业园区安置")
    CENTRAL_VILLAGE = "central_village", _("中心村安置")
    OTHER = "other", _("其他")
