"""geoplatform.catalog.models: typed, frozen layer definitions read from layers/*.yml."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

type _AttributeIndex = tuple[tuple[Attribute, ...], tuple[str, ...], dict[str, Attribute]]

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


class Frozen(BaseModel):
    """Base: immutable and strict about unknown keys, so typos fail loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(Frozen):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def pick(self, lang: str) -> str:
        """Return the text for ``lang`` ("zh..." gives Chinese, anything else English)."""
        return self.zh if lang.lower().startswith("zh") else self.en


class Access(StrEnum):
    """Who may see a layer: only public layers are served without credentials."""

    public = "public"
    internal = "internal"
    restricted = "restricted"


class AttributeType(StrEnum):
    """Attribute types, each with one storage type in every backend."""

    string = "string"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"


class Attribute(Frozen):
    """One attribute column of a layer."""

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    type: AttributeType
    title: LocalizedText | None = None
    required: bool = False
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    codelist: Literal["component", "matter"] | None = None
    """Values must be codes of this GB/T 47678.5-2026 class list (local extensions included)."""


class Department(Frozen):
    """The department that owns (and alone may edit) a layer."""

    code: str = Field(pattern=r"^[0-9A-Z]{18}$")
    name: LocalizedText


class Provenance(Frozen):
    """Where the data comes from, and whether it is synthetic."""

    synthetic: bool
    source: LocalizedText


class HexbinSpec(Frozen):
    """How a point layer is pre-aggregated into H3 hexagons, kept current on every write.

    ``measures`` are named CQL2 conditions counted beside the total (for example
    ``open: closed_at IS NULL``); ``min_count`` suppresses smaller counts on
    sensitive layers so that a hexagon never points at one person's report.
    """

    resolutions: tuple[int, ...] = (7, 8, 9, 10)
    group_by: tuple[str, ...] = ()
    measures: dict[str, str] = Field(default_factory=dict)
    min_count: int = Field(default=0, ge=0)

    @field_validator("resolutions")
    @classmethod
    def _check_resolutions(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(r < 0 or r > 15 for r in value) or len(set(value)) != len(value):
            raise ValueError("hexbin resolutions are distinct integers from 0 to 15")
        return tuple(sorted(value))

    @field_validator("measures")
    @classmethod
    def _check_measures(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        from pygeofilter.parsers.cql2_text import parse

        for name, condition in value.items():
            if not re.match(IDENTIFIER_PATTERN, name) or name in RESERVED_HEXBIN_NAMES:
                raise ValueError(f"measure name {name!r} is not allowed")
            try:
                parse(condition)
            except Exception as exc:
                raise ValueError(f"measure {name!r} is not CQL2 text: {exc}") from exc
        return value


class PlaceRole(StrEnum):
    """What a polygon layer is to the "what is here" questions: a unit grid or a division."""

    unit_grid = "unit_grid"
    county = "county"
    street = "street"
    community = "community"


class Place(Frozen):
    """Marks a polygon layer as a place that points and hexagons are located in."""

    role: PlaceRole
    code: str
    """Attribute holding the place's code (15-digit grid, 6/9/12-digit division)."""
    name: str | None = None
    """Attribute holding the place's name, when it has one."""


RESERVED_HEXBIN_NAMES = frozenset({"cell", "resolution", "period", "count", "zone_id"})
RESERVED_PREFIXES = ("gp_", "gpkg_", "rtree_", "sqlite_")


GeometryType = Literal[
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"
]


class LayerDefinition(Frozen):
    """One published layer: the single source for store schema and OGC metadata."""

    id: str = Field(pattern=IDENTIFIER_PATTERN)
    title: LocalizedText
    description: LocalizedText
    geometry_type: GeometryType
    storage_crs: Literal["EPSG:4490"] = "EPSG:4490"
    attributes: tuple[Attribute, ...] = Field(min_length=1)
    temporal_property: str | None = None
    h3_resolutions: tuple[int, ...] = ()
    access: Access
    owner: Department
    editable: bool = False
    owner_property: str | None = None
    """Attribute holding the code of the department owning each feature: that department
    may edit the feature, besides the layer's owner (e.g. components' supervising unit)."""
    keywords: tuple[str, ...] = ()
    licence: str = Field(min_length=1)
    provenance: Provenance
    title_property: str | None = None
    hexbin: HexbinSpec | None = None
    place: Place | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if value.startswith(RESERVED_PREFIXES):
            raise ValueError(f"layer ids must not start with {', '.join(RESERVED_PREFIXES)}")
        return value

    @field_validator("h3_resolutions")
    @classmethod
    def _check_resolutions(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(r < 0 or r > 15 for r in value):
            raise ValueError("H3 resolutions are integers from 0 to 15")
        if len(set(value)) != len(value):
            raise ValueError("H3 resolutions must not repeat")
        return tuple(sorted(value))

    @model_validator(mode="after")
    def _check_references(self) -> LayerDefinition:
        names = [a.name for a in self.attributes]
        if len(set(names)) != len(names):
            raise ValueError("attribute names must be unique")
        reserved = {"fid", "geom", "id"} & set(names)
        if reserved:
            raise ValueError(f"attribute names {sorted(reserved)} are reserved")
        for field_name in ("temporal_property", "title_property", "owner_property"):
            ref = getattr(self, field_name)
            if ref is not None and ref not in names:
                raise ValueError(f"{field_name} '{ref}' is not an attribute")
        if self.temporal_property is not None:
            kind = self.attribute(self.temporal_property).type
            if kind not in (AttributeType.date, AttributeType.datetime):
                raise ValueError("temporal_property must be a date or datetime")
        if self.hexbin is not None:
            self._check_hexbin(self.hexbin)
        if self.place is not None:
            if self.geometry_type not in ("Polygon", "MultiPolygon"):
                raise ValueError("a place layer must have polygons")
            for ref in (self.place.code, self.place.name):
                if ref is not None and ref not in names:
                    raise ValueError(f"place attribute '{ref}' is not an attribute")
        return self

    def _check_hexbin(self, spec: HexbinSpec) -> None:
        if self.geometry_type != "Point" or not self.h3_resolutions:
            raise ValueError("hexbin needs a Point layer with h3_resolutions")
        if max(spec.resolutions) > max(self.h3_resolutions):
            raise ValueError("hexbin resolutions cannot be finer than the layer's H3 index")
        names = set(self.attribute_names)
        for name in spec.group_by:
            if name not in names:
                raise ValueError(f"hexbin group_by '{name}' is not an attribute")
            if self.attribute(name).type not in (AttributeType.string, AttributeType.boolean):
                raise ValueError(f"hexbin group_by '{name}' must be a string or boolean")
            if name in RESERVED_HEXBIN_NAMES or name in spec.measures:
                raise ValueError(f"hexbin group_by '{name}' clashes with a reserved name")

    @property
    def h3_index_resolution(self) -> int | None:
        """Resolution of the stored H3 index (the finest listed); None when not indexed."""
        return max(self.h3_resolutions) if self.h3_resolutions else None

    def attribute(self, name: str) -> Attribute:
        """Return the attribute called ``name`` (KeyError when absent)."""
        return self._attribute_index()[2][name]

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of all attributes, in declaration order."""
        return self._attribute_index()[1]

    def _attribute_index(self) -> _AttributeIndex:
        """Names and name -> attribute, built once per attribute tuple: every written
        value looks its type up, and a linear search per value made a 25-attribute
        insert quadratic. Checked by identity, so a ``model_copy`` with other
        attributes does not inherit its original's index."""
        kept: _AttributeIndex | None = self.__dict__.get("_attribute_index_kept")
        if kept is None or kept[0] is not self.attributes:
            by_name = {a.name: a for a in self.attributes}
            kept = (self.attributes, tuple(by_name), by_name)
            self.__dict__["_attribute_index_kept"] = kept
        return kept

    @property
    def is_public(self) -> bool:
        """True when anyone may read the layer."""
        return self.access is Access.public
