"""Word lists the demo generator draws from: surnames, given-name characters, village syllables.

Everything here is a tuple (never a set or dict iterated for output) so that a seed always picks
the same word: the generator's determinism depends on the order of these lists.
"""

from __future__ import annotations

# Surnames of rural northern Shanxi with rough relative frequencies (per mille, rounded). Not a
# census table: enough skew that 王/李/张 dominate and rare names still appear.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 95),
    ("李", 80),
    ("张", 75),
    ("刘", 60),
    ("赵", 35),
    ("杨", 35),
    ("郭", 30),
    ("高", 25),
    ("武", 22),
    ("陈", 20),
    ("田", 15),
    ("马", 15),
    ("孙", 14),
    ("梁", 14),
    ("周", 12),
    ("韩", 12),
    ("贾", 12),
    ("吴", 10),
    ("徐", 10),
    ("冯", 10),
    ("闫", 9),
    ("史", 8),
    ("薛", 8),
    ("任", 8),
    ("宋", 8),
    ("白", 8),
    ("郝", 8),
    ("段", 7),
    ("温", 7),
    ("乔", 7),
    ("侯", 7),
    ("董", 7),
    ("胡", 7),
    ("朱", 7),
    ("邢", 6),
    ("秦", 6),
    ("范", 6),
    ("霍", 6),
    ("曹", 6),
    ("魏", 6),
    ("崔", 6),
    ("杜", 6),
    ("常", 6),
    ("牛", 6),
    ("樊", 5),
    ("程", 5),
    ("袁", 5),
    ("许", 5),
    ("苏", 5),
    ("石", 5),
    ("姚", 5),
    ("康", 5),
    ("孟", 5),
    ("丁", 5),
    ("郑", 5),
    ("邓", 4),
    ("耿", 4),
    ("卢", 4),
    ("尹", 4),
    ("冀", 4),
    ("申", 4),
    ("何", 4),
    ("安", 4),
    ("燕", 3),
    ("蔡", 3),
    ("罗", 3),
    ("谢", 3),
    ("潘", 3),
    ("续", 3),
    ("智", 2),
    ("栗", 2),
    ("岳", 2),
    ("狄", 2),
    ("郄", 1),
    ("员", 1),
    ("原", 1),
)

# Given-name characters by sex and birth cohort: names follow fashions, and a 1950s 秀英 next to
# a 2015 梓涵 is what real registers look like.
GIVEN_OLD_MALE = tuple("建国军平明华志福贵成才生林海文德金荣富喜旺兵宝山红春忠义有根")
GIVEN_OLD_FEMALE = tuple("秀英桂兰玉凤珍芳梅花香琴翠娥爱莲云霞淑美巧改")
GIVEN_MID_MALE = tuple("伟强磊勇涛斌鹏飞杰超刚健波辉宇龙晓亮俊峰利东")
GIVEN_MID_FEMALE = tuple("丽娟静敏燕艳婷霞丹玲娜慧洁晶倩媛")
GIVEN_YOUNG_MALE = tuple("浩宇轩子睿博俊泽晨阳皓一辰梓铭鑫航奕然")
GIVEN_YOUNG_FEMALE = tuple("欣怡梓涵诗雨萱佳思可馨悦语彤若琪依妍")

# Village names: a prefix (direction, size, colour, or a lineage name ending in 家) and a
# landform of the loess hills (沟 gully, 峪 valley, 坪 terrace, 峁 knoll …), then 村.
VILLAGE_PREFIXES = (
    "东",
    "西",
    "南",
    "北",
    "上",
    "下",
    "前",
    "后",
    "大",
    "小",
    "中",
    "新",
    "高",
    "白",
    "石",
    "红",
    "杨",
    "柳",
    "沙",
    "黄",
    "王家",
    "李家",
    "张家",
    "刘家",
    "赵家",
    "郭家",
    "高家",
    "杨家",
    "陈家",
    "韩家",
    "段家",
    "薛家",
    "武家",
    "马家",
    "侯家",
    "乔家",
)
VILLAGE_STEMS = (
    "庄",
    "沟",
    "峪",
    "坪",
    "寨",
    "堡",
    "河",
    "湾",
    "岭",
    "营",
    "坡",
    "梁",
    "峁",
    "洼",
    "窑",
    "滩",
    "头",
    "口",
    "塔",
    "院",
    "庄头",
    "河湾",
    "沟口",
    "坪上",
)
GROUP_NAMES = ("一组", "二组", "三组", "四组", "五组", "六组")

BANKS: tuple[tuple[str, str], ...] = (
    ("中国农业银行", "622848"),
    ("山西省农村信用社", "622338"),
    ("中国邮政储蓄银行", "621799"),
)

WORK_PLACES_IN_PROVINCE = ("太原市", "大同市", "朔州市", "忻州市忻府区", "晋中市", "吕梁市")
WORK_PLACES_OUT_PROVINCE = (
    "北京市",
    "天津市",
    "河北省石家庄市",
    "内蒙古自治区鄂尔多斯市",
    "内蒙古自治区呼和浩特市",
    "陕西省西安市",
    "江苏省苏州市",
    "浙江省宁波市",
    "广东省深圳市",
    "山东省青岛市",
)

CAUSE_OTHER_REMARKS = ("家庭主要劳动力长期在外失联", "子女婚嫁负债", "家庭成员服刑")
RISK_OTHER_REMARKS = ("家庭成员意外离世", "子女婚嫁支出大", "房屋被征收后过渡安置")
RESETTLEMENT_SITES = ("县城移民新区", "镇区安置小区", "中心村集中安置点")

# 帮扶措施 names, by family (what the national export's measure columns hold).
INDUSTRY_AID = ("产业奖补", "种养殖技术培训", "光伏收益分红", "合作社带动", "庭院经济扶持")
EMPLOYMENT_AID = ("外出务工交通补助", "稳岗补贴", "就业技能培训", "劳务输出对接")
FINANCE_AID = ("脱贫人口小额信贷", "产业发展贷款贴息")
HEALTH_AID = ("家庭医生签约服务", "大病专项救治", "慢病签约服务", "医疗救助")
SOCIAL_AID = ("东西部协作帮扶", "社会捐赠", "万企帮万村")
INFRASTRUCTURE_AID = ("村内道路硬化", "农田水利设施", "通组路建设")
LIVING_CONDITIONS_AID = ("农村改厕", "安全饮水工程", "清洁取暖改造")
