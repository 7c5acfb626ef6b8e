"""The demo county's organisation (演示组织架构): units, people, places and a duty roster.

Seeded through `org.import` commands like any office's own files, so the log holds it and `rebuild`
reproduces it. The demo logins `duty`, `leader` and `responder` are people here: a person's id is the
user name they sign in with (console.responders.store), which is how the phone page finds their tasks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from playbooks.facts import PlaceType
from responders.organisation import Channel, Person, Place, Role, Skill, Unit, UnitKind
from responders.roster import Post, Shift

S = Skill
R = Role
CONSOLE = (Channel.CONSOLE, Channel.SMS, Channel.VOICE)
CONTACT = (Channel.VOICE, Channel.SMS)

UNITS = [
    Unit(id="county", name="县纪委监委", kind=UnitKind.COUNTY_COMMISSION, phone="0571-6000 0000"),
    Unit(id="office", name="县纪委监委信访室", kind=UnitKind.PETITION_OFFICE, parent_id="county",
         phone="0571-6000 1234"),
    Unit(id="chengguan", name="城关镇", kind=UnitKind.TOWNSHIP, parent_id="county"),
    Unit(id="qingshan", name="青山镇", kind=UnitKind.TOWNSHIP, parent_id="county"),
    Unit(id="shiqiao", name="石桥乡", kind=UnitKind.TOWNSHIP, parent_id="county"),
    Unit(id="donghu", name="东湖街道", kind=UnitKind.STREET, parent_id="county"),
    Unit(id="hexi", name="河西街道", kind=UnitKind.STREET, parent_id="county"),
    Unit(id="chengtou", name="县城投集团", kind=UnitKind.STATE_ENTERPRISE, parent_id="county"),
    Unit(id="police", name="县公安局", kind=UnitKind.PUBLIC_SECURITY, phone="110"),
    Unit(id="health", name="县卫健局", kind=UnitKind.HEALTH, phone="0571-6000 2120"),
    Unit(id="party-office", name="县委办", kind=UnitKind.PARTY_COMMITTEE_OFFICE, phone="0571-6000 0001"),
    Unit(id="gov-office", name="县政府办", kind=UnitKind.GOVERNMENT_OFFICE, phone="0571-6000 0002"),
    # the departments the playbooks call on (信访、政法、宣传口径、119)
    Unit(id="petition-bureau", name="县信访局", kind=UnitKind.OTHER_DEPARTMENT, phone="0571-6000 0003"),
    Unit(id="politics-law", name="县委政法委", kind=UnitKind.OTHER_DEPARTMENT, phone="0571-6000 0004"),
    Unit(id="propaganda", name="县委宣传部", kind=UnitKind.OTHER_DEPARTMENT, phone="0571-6000 0005"),
    Unit(id="fire-rescue", name="县消防救援大队", kind=UnitKind.OTHER_DEPARTMENT, phone="119"),
]  # fmt: skip

# A fictional county seat; positions only need to be plausible relative to each other. Each place
# carries its place type (地点类型): registering at 机关大门 brings the playbook's gate steps.
GATE, RECEPTION = PlaceType.PARTY_GOV_GATE, PlaceType.RECEPTION_HALL
TOWNSHIP = PlaceType.TOWNSHIP_OFFICE
PLACES = [
    Place(id="hall", name="接待大厅", unit_id="office", place_type=RECEPTION, lat=30.2461, lon=120.2101),
    Place(id="gate", name="机关大门", unit_id="county", place_type=GATE, lat=30.2466, lon=120.2094),
    Place(
        id="party-yard", name="县委大院", unit_id="party-office", place_type=GATE, lat=30.2502, lon=120.2150
    ),
    Place(id="gov-gate", name="县政府大门", unit_id="gov-office", place_type=GATE, lat=30.2489, lon=120.2177),
    Place(
        id="chengguan-office",
        name="城关镇政府",
        unit_id="chengguan",
        place_type=TOWNSHIP,
        lat=30.2410,
        lon=120.2055,
    ),
    Place(
        id="qingshan-office",
        name="青山镇政府",
        unit_id="qingshan",
        place_type=TOWNSHIP,
        lat=30.3120,
        lon=120.1402,
    ),
    Place(
        id="shiqiao-office",
        name="石桥乡政府",
        unit_id="shiqiao",
        place_type=TOWNSHIP,
        lat=30.1788,
        lon=120.3020,
    ),
    Place(
        id="donghu-office",
        name="东湖街道办事处",
        unit_id="donghu",
        place_type=TOWNSHIP,
        lat=30.2533,
        lon=120.2320,
    ),
    Place(
        id="hexi-office",
        name="河西街道办事处",
        unit_id="hexi",
        place_type=TOWNSHIP,
        lat=30.2398,
        lon=120.1890,
    ),
    Place(id="chengtou-hq", name="城投集团办公楼", unit_id="chengtou", lat=30.2551, lon=120.2241),
]


def _person(
    pid: str,
    name: str,
    unit: str,
    post: str,
    roles: Iterable[Role],
    skills: Iterable[Skill],
    phone: str,
    base: str | None,
    channels: tuple[Channel, ...] = CONSOLE,
) -> Person:
    return Person(
        id=pid,
        name=name,
        unit_id=unit,
        post=post,
        roles=frozenset(roles),
        skills=frozenset(skills),
        phone=phone,
        channels=channels,
        base_place_id=base,
    )


PEOPLE = [
    # the commission's leaders (带班领导 rotate among them)
    _person("leader", "李书记", "county", "县纪委副书记、县监委副主任",
            [R.LEADER_IN_CHARGE, R.COMMISSION_LEADER], [S.COUNSELLING, S.LEGAL_POLICY], "13905710001",
            "gate"),
    _person("chen-shuji", "陈书记", "county", "县委常委、县纪委书记、县监委主任", [R.COMMISSION_LEADER],
            [S.LEGAL_POLICY], "13905710002", "gate"),
    _person("zhou-fsj", "周副书记", "county", "县纪委副书记", [R.LEADER_IN_CHARGE, R.COMMISSION_LEADER],
            [S.COUNSELLING], "13905710003", "gate"),
    # the petition office
    _person("liu-zr", "刘主任", "office", "信访室主任", [R.INCIDENT_LEAD, R.PETITION_STAFF],
            [S.RECEPTION, S.LEGAL_POLICY], "13905710011", "hall"),
    _person("sun-fzr", "孙副主任", "office", "信访室副主任", [R.INCIDENT_LEAD, R.PETITION_STAFF],
            [S.RECEPTION, S.COUNSELLING], "13905710012", "hall"),
    _person("duty", "王值班", "office", "信访室干部（值班员）", [R.DUTY_OFFICER, R.PETITION_STAFF],
            [S.RECEPTION], "13905710013", "hall"),
    _person("responder", "张处置", "office", "信访室干部", [R.PETITION_STAFF],
            [S.RECEPTION, S.COUNSELLING], "13905710014", "hall"),
    _person("wu-gs", "吴干事", "office", "信访室干部", [R.DUTY_OFFICER, R.PETITION_STAFF],
            [S.RECEPTION, S.LEGAL_POLICY], "13905710015", "hall"),
    _person("zheng-gs", "郑干事", "office", "信访室干部", [R.DUTY_OFFICER, R.PETITION_STAFF],
            [S.COUNSELLING], "13905710016", "hall"),
    _person("feng-gs", "冯干事", "office", "信访室干部", [R.PETITION_STAFF],
            [S.RECEPTION, S.COUNSELLING], "13905710017", "hall"),
    _person("cao-jdy", "曹监督员", "office", "特约信访监督员", [R.PETITION_SUPERVISOR],
            [S.LEGAL_POLICY], "13905710018", "hall"),
    # township and street liaisons (信访联络员)
    _person("he-ll", "何联络", "chengguan", "城关镇纪委委员", [R.LIAISON], [S.COUNSELLING],
            "13905710021", "chengguan-office"),
    _person("ma-ll", "马联络", "qingshan", "青山镇纪委委员", [R.LIAISON], [S.COUNSELLING, S.RECEPTION],
            "13905710022", "qingshan-office"),
    _person("hu-ll", "胡联络", "shiqiao", "石桥乡纪委委员", [R.LIAISON], [S.RECEPTION],
            "13905710023", "shiqiao-office"),
    _person("xu-ll", "许联络", "donghu", "东湖街道纪工委委员", [R.LIAISON], [S.COUNSELLING],
            "13905710024", "donghu-office"),
    _person("guo-ll", "郭联络", "hexi", "河西街道纪工委委员", [R.LIAISON], [S.LEGAL_POLICY],
            "13905710025", "hexi-office"),
    _person("lin-jl", "林经理", "chengtou", "城投集团纪检监察室主任", [R.LIAISON], [S.LEGAL_POLICY],
            "13905710026", "chengtou-hq"),
    # outside departments: contacts
    _person("gao-jg", "高警官", "police", "县公安局指挥中心副主任", [R.CONTACT], [S.POLICE_LIAISON],
            "13905710031", "gate", CONTACT),
    _person("luo-jg", "罗警官", "police", "城关派出所民警", [R.CONTACT], [S.POLICE_LIAISON],
            "13905710032", "chengguan-office", CONTACT),
    _person("liang-ys", "梁医生", "health", "县人民医院急诊科医生", [R.CONTACT], [S.MEDICAL],
            "13905710033", "gov-gate", CONTACT),
    _person("song-ms", "宋秘书", "party-office", "县委办秘书科科长", [R.CONTACT], [],
            "13905710034", "party-yard", CONTACT),
    _person("tang-ms", "唐秘书", "gov-office", "县政府办秘书科科长", [R.CONTACT], [],
            "13905710035", "gov-gate", CONTACT),
]  # fmt: skip

# Who holds each post, day by day from the duty day that is running when the demo is seeded.
ROTATION: dict[Post, tuple[str, tuple[str, ...]]] = {
    Post.LEADER_ON_DUTY: ("county", ("leader", "zhou-fsj", "chen-shuji")),
    Post.DUTY_OFFICER: ("office", ("duty", "wu-gs", "zheng-gs")),
    Post.RECEPTION: ("office", ("feng-gs", "sun-fzr", "wu-gs")),
    Post.STANDBY: ("office", ("responder", "feng-gs", "sun-fzr")),
}
HANDOVER = time(8, 30)  # 交接班: a duty day runs from 08:30 to 08:30 the next day
DAYS_BEFORE, DAYS_AFTER = 1, 6


def duty_day(now: datetime, tz: tzinfo) -> date:
    """The date of the duty day running at `now`: before the handover it is still yesterday's."""
    local = now.astimezone(tz)
    return local.date() - timedelta(days=1) if local.time() < HANDOVER else local.date()


def demo_shifts(now: datetime, tz: tzinfo) -> list[Shift]:
    """Shifts from yesterday to a week ahead; the demo logins hold today's duty, leader and standby."""
    today = duty_day(now, tz)
    shifts = []
    for offset in range(-DAYS_BEFORE, DAYS_AFTER + 1):
        day = today + timedelta(days=offset)
        start = datetime.combine(day, HANDOVER, tzinfo=tz)
        for post, (unit_id, holders) in ROTATION.items():
            shifts.append(
                Shift(
                    id=f"demo-{day:%Y%m%d}-{post.value}",
                    unit_id=unit_id,
                    post=post,
                    start=start,
                    end=start + timedelta(days=1),
                    holder_id=holders[offset % len(holders)],
                )
            )
    return shifts


def roster_command_id(shift_ids: Iterable[str]) -> str:
    """The same shifts always import under the same command id, so a second seed adds nothing."""
    digest = hashlib.sha256("\n".join(sorted(shift_ids)).encode()).hexdigest()[:32]
    return f"demo-roster-{digest}"
