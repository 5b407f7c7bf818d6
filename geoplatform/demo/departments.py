"""geoplatform.demo.departments: supervising departments per component major class.

The names and the 18-character codes are examples: they follow the shape of a
统一社会信用代码 (USCC) and the codes of the layer owners in layers/*.yml, but are
not any real organisation's registration, and carry no valid check character.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    """A supervising department (主管部门): example code and name."""

    code: str
    name: str


CITY_MANAGEMENT = Department("11320600MB0000002B", "南通市城市管理局")
MUNICIPAL_GARDENS = Department("11320600MB0000005E", "南通市市政和园林局")
TRAFFIC_POLICE = Department("11320600MB0000006F", "南通市公安局交通警察支队")
HOUSING = Department("11320600MB0000007G", "南通市住房和城乡建设局")

BY_MAJOR_CLASS = {
    "01": MUNICIPAL_GARDENS,
    "02": TRAFFIC_POLICE,
    "03": CITY_MANAGEMENT,
    "04": MUNICIPAL_GARDENS,
    "05": HOUSING,
}
"""Major class code (GB/T 47678.5-2026) -> supervising department."""
