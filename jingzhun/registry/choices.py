"""Value lists of the registration forms (DOMAIN.md 6), as stored codes with Chinese labels.

Codes are short English words so that code reads well; labels are the national forms' words,
which is also what imports match against and exports write.
"""

from __future__ import annotations

from django.db import models


class HouseholdType(models.TextChoices):
    EXITED = "exited", "脱贫户"
    MONITORED = "monitored", "监测户"
    ORDINARY = "ordinary", "一般农户"


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"
    MUNICIPAL = "municipal", "市定标准"


class PovertyAttribute(models.TextChoices):
    GENERAL = "general", "一般贫困户"
    DIBAO = "dibao", "低保贫困户"
    TEKUN = "tekun", "特困供养贫困户"


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    LACK_LAND = "lack_land", "缺土地"
    LACK_WATER = "lack_water", "缺水"
    LACK_SKILLS = "lack_skills", "缺技术"
    LACK_LABOUR = "lack_labour", "缺劳力"
    LACK_FUNDS = "lack_funds", "缺资金"
    POOR_TRANSPORT = "poor_transport", "交通条件落后"
    LACK_MOTIVATION = "lack_motivation", "自身发展动力不足"
    OTHER = "other", "其他"


class MonitoringCategory(models.TextChoices):
    UNSTABLE_EXITED = "unstable_exited", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN_HARDSHIP = "sudden_hardship", "突发严重困难户"


class RiskType(models.TextChoices):
    ILLNESS = "illness", "因病"
    SCHOOLING = "schooling", "因学"
    DISABILITY = "disability", "因残"
    NATURAL_DISASTER = "natural_disaster", "因自然灾害"
    ACCIDENT = "accident", "因意外事故"
    INDUSTRY_FAILURE = "industry_failure", "因产业项目失败"
    UNSTABLE_EMPLOYMENT = "unstable_employment", "因务工就业不稳"
    LACK_LABOUR = "lack_labour", "缺劳动力"
    UNSAFE_HOUSING = "unsafe_housing", "因安全住房"
    UNSAFE_WATER = "unsafe_water", "因安全饮水"
    OTHER = "other", "其他"


class EliminationMethod(models.TextChoices):
    ASSISTED = "assisted", "帮扶消除"
    NATURAL = "natural", "自然消除"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    DISABILITY_CERT = "disability_cert", "残疾人证"
    OTHER = "other", "其他证件"
    NONE = "none", "无证件"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    SON_IN_LAW = "son_in_law", "之女婿"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    GREAT_GRANDCHILD = "great_grandchild", "之曾孙"
    FATHER = "father", "之父"
    MOTHER = "mother", "之母"
    PARENT_IN_LAW = "parent_in_law", "之岳父母或公婆"
    GRANDPARENT = "grandparent", "之祖父母"
    SIBLING = "sibling", "之兄弟姐妹"
    OTHER = "other", "其他"


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
    HAN = "han", "汉族"
    MONGOL = "mongol", "蒙古族"
    HUI = "hui", "回族"
    TIBETAN = "tibetan", "藏族"
    UYGHUR = "uyghur", "维吾尔族"
    MIAO = "miao", "苗族"
    YI = "yi", "彝族"
    ZHUANG = "zhuang", "壮族"
    BUYEI = "buyei", "布依族"
    KOREAN = "korean", "朝鲜族"
    MANCHU = "manchu", "满族"
    DONG = "dong", "侗族"
    YAO = "yao", "瑶族"
    BAI = "bai", "白族"
    TUJIA = "tujia", "土家族"
    HANI = "hani", "哈尼族"
    KAZAKH = "kazakh", "哈萨克族"
    DAI = "dai", "傣族"
    LI = "li", "黎族"
    OTHER = "other", "其他民族"


class Education(models.TextChoices):
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中专（中职）"
    COLLEGE = "college", "大专（高职）"
    BACHELOR = "bachelor", "本科及以上"
    PRESCHOOL = "preschool", "学龄前儿童"


class StudentStatus(models.TextChoices):
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY_1 = "primary_1", "小学一年级"
    PRIMARY_2 = "primary_2", "小学二年级"
    PRIMARY_3 = "primary_3", "小学三年级"
    PRIMARY_4 = "primary_4", "小学四年级"
    PRIMARY_5 = "primary_5", "小学五年级"
    PRIMARY_6 = "primary_6", "小学六年级"
    GRADE_7 = "grade_7", "七年级"
    GRADE_8 = "grade_8", "八年级"
    GRADE_9 = "grade_9", "九年级"
    SENIOR_1 = "senior_1", "高中一年级"
    SENIOR_2 = "senior_2", "高中二年级"
    SENIOR_3 = "senior_3", "高中三年级"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职高专"
    UNDERGRADUATE = "undergraduate", "本科及以上"
    NOT_STUDENT = "not_student", "非在校生"


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
    ILLNESS_DISABILITY = "illness_disability", "因病或残疾"
    FINANCIAL = "financial", "经济困难"
    STUDY_DIFFICULTY = "study_difficulty", "厌学或学习困难"
    WORK = "work", "外出务工"
    MARRIAGE = "marriage", "早婚早育"
    OTHER = "other", "其他"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


class LabourSkill(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


WORKING_LABOUR = frozenset([LabourSkill.ORDINARY, LabourSkill.SKILLED, LabourSkill.WEAK])


class WorkStatus(models.TextChoices):
    MIGRANT_OUT_PROVINCE = "out_province", "省外务工"
    MIGRANT_IN_PROVINCE = "in_province", "省内县外务工"
    LOCAL = "local", "县内务工"
    NOT_WORKING = "not_working", "未务工"


class HousingSafetyGrade(models.TextChoices):
    A = "A", "A级"
    B = "B", "B级"
    C = "C", "C级（危房）"
    D = "D", "D级（危房）"


class Fuel(models.TextChoices):
    FIREWOOD = "firewood", "柴草"
    COAL = "coal", "煤炭"
    GAS = "gas", "燃气"
    ELECTRICITY = "electricity", "电"
    CLEAN = "clean", "清洁能源"
    OTHER = "other", "其他"


class RelocationMode(models.TextChoices):
    CENTRALISED = "centralised", "集中安置"
    DISPERSED = "dispersed", "分散安置"


class ResettlementType(models.TextChoices):
    TOWN = "town", "县城或城镇安置"
    INDUSTRIAL_PARK = "industrial_park", "产业园区安置"
    CENTRAL_VILLAGE = "central_village", "中心村安置"
    OTHER = "other", "其他"
