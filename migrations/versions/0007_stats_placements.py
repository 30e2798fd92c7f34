"""stats: Onderdak-unit placements and placed children's school trips (kept by triggers)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 22:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Recompute both tables for some households from the source tables. Every trigger below only
# decides which households a change touches; this is the one place that says what the rows are.
# The households' rows are locked first (in id order), so two transactions refreshing the same
# household run one after the other and the second recomputes from what the first committed.
_REFRESH = """
CREATE FUNCTION stats_refresh_placements(changed uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(changed) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM households WHERE id = ANY(changed) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM stats_placement_trips WHERE household_id = ANY(changed);
    DELETE FROM stats_placements WHERE household_id = ANY(changed);
    INSERT INTO stats_placements (stay_id, household_id, start_date, end_date)
    SELECT s.id, s.household_id, s.start_date, s.end_date
    FROM stays s
    WHERE s.household_id = ANY(changed) AND s.place_kind = 'onderdak_unit';
    INSERT INTO stats_placement_trips
        (stay_id, child_id, household_id, municipality_code, start_date, end_date,
         school_level, trip_km, personal_limit_km)
    SELECT s.id, c.id, s.household_id, h.municipality_code, s.start_date, s.end_date,
           sc.level, ST_Distance(u.location, sc.location) / 1000.0, c.school_trip_limit_km
    FROM stays s
    JOIN households h ON h.id = s.household_id
    JOIN units u ON u.id = s.unit_id
    JOIN children c ON c.household_id = s.household_id
    JOIN schools sc ON sc.id = c.school_id
    WHERE s.household_id = ANY(changed) AND s.place_kind = 'onderdak_unit';
END $$;
"""

# Which households a change touches, per table; `{old}`/`{new}` are the transition tables.
_PLACED = "EXISTS (SELECT 1 FROM stats_placements p WHERE p.household_id = {alias}.household_id)"
_TRIGGERS = f"""
CREATE FUNCTION stats_stays_placements_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM stats_refresh_placements(ARRAY(
            SELECT DISTINCT household_id FROM new_rows WHERE place_kind = 'onderdak_unit'));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM stats_refresh_placements(ARRAY(
            SELECT household_id FROM old_rows WHERE place_kind = 'onderdak_unit'
            UNION SELECT household_id FROM new_rows WHERE place_kind = 'onderdak_unit'));
    ELSE
        PERFORM stats_refresh_placements(ARRAY(
            SELECT DISTINCT household_id FROM old_rows WHERE place_kind = 'onderdak_unit'));
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION stats_children_placements_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only households ever placed in an Onderdak unit have trips to recompute.
    IF TG_OP = 'INSERT' THEN
        PERFORM stats_refresh_placements(ARRAY(
            SELECT DISTINCT household_id FROM new_rows n WHERE {_PLACED.format(alias="n")}));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM stats_refresh_placements(ARRAY(
            SELECT household_id FROM old_rows o WHERE {_PLACED.format(alias="o")}
            UNION SELECT household_id FROM new_rows n WHERE {_PLACED.format(alias="n")}));
    ELSE
        PERFORM stats_refresh_placements(ARRAY(
            SELECT DISTINCT household_id FROM old_rows o WHERE {_PLACED.format(alias="o")}));
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION stats_households_placements_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_refresh_placements(ARRAY(
        SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.municipality_code <> o.municipality_code
          AND EXISTS (SELECT 1 FROM stats_placements p WHERE p.household_id = n.id)));
    RETURN NULL;
END $$;
CREATE FUNCTION stats_units_placements_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_refresh_placements(ARRAY(
        SELECT DISTINCT s.household_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN stays s ON s.unit_id = n.id
        WHERE NOT ST_Equals(n.location::geometry, o.location::geometry)));
    RETURN NULL;
END $$;
CREATE FUNCTION stats_schools_placements_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_refresh_placements(ARRAY(
        SELECT DISTINCT c.household_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        JOIN children c ON c.school_id = n.id
        WHERE (n.level <> o.level OR NOT ST_Equals(n.location::geometry, o.location::geometry))
          AND {_PLACED.format(alias="c")}));
    RETURN NULL;
END $$;
CREATE TRIGGER stats_stays_placements_inserted AFTER INSERT ON stays
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_stays_placements_changed();
CREATE TRIGGER stats_stays_placements_updated AFTER UPDATE ON stays
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_stays_placements_changed();
CREATE TRIGGER stats_stays_placements_deleted AFTER DELETE ON stays
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_stays_placements_changed();
CREATE TRIGGER stats_children_placements_inserted AFTER INSERT ON children
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_children_placements_changed();
CREATE TRIGGER stats_children_placements_updated AFTER UPDATE ON children
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_children_placements_changed();
CREATE TRIGGER stats_children_placements_deleted AFTER DELETE ON children
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_children_placements_changed();
CREATE TRIGGER stats_households_placements_moved AFTER UPDATE ON households
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_households_placements_moved();
CREATE TRIGGER stats_units_placements_moved AFTER UPDATE ON units
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_units_placements_moved();
CREATE TRIGGER stats_schools_placements_changed AFTER UPDATE ON schools
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stats_schools_placements_changed();
"""

_DROPPED_TRIGGERS = (
    ("stats_schools_placements_changed", "schools"),
    ("stats_units_placements_moved", "units"),
    ("stats_households_placements_moved", "households"),
    ("stats_children_placements_deleted", "children"),
    ("stats_children_placements_updated", "children"),
    ("stats_children_placements_inserted", "children"),
    ("stats_stays_placements_deleted", "stays"),
    ("stats_stays_placements_updated", "stays"),
    ("stats_stays_placements_inserted", "stays"),
)
_DROPPED_FUNCTIONS = (
    "stats_schools_placements_changed()",
    "stats_units_placements_moved()",
    "stats_households_placements_moved()",
    "stats_children_placements_changed()",
    "stats_stays_placements_changed()",
    "stats_refresh_placements(uuid[])",
)


def upgrade() -> None:
    op.create_table(
        "stats_placements",
        sa.Column("stay_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("stay_id", name=op.f("pk_stats_placements")),
    )
    op.create_index(op.f("ix_stats_placements_household_id"), "stats_placements", ["household_id"])
    op.create_table(
        "stats_placement_trips",
        sa.Column("stay_id", sa.UUID(), nullable=False),
        sa.Column("child_id", sa.UUID(), nullable=False),
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("school_level", sa.String(length=20), nullable=False),
        sa.Column("trip_km", sa.Float(), nullable=False),
        sa.Column("personal_limit_km", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("stay_id", "child_id", name=op.f("pk_stats_placement_trips")),
    )
    op.create_index(
        op.f("ix_stats_placement_trips_household_id"), "stats_placement_trips", ["household_id"]
    )
    op.execute(_REFRESH)
    op.execute(
        "SELECT stats_refresh_placements(ARRAY("
        "SELECT DISTINCT household_id FROM stays WHERE place_kind = 'onderdak_unit'))"
    )
    op.execute(_TRIGGERS)
    # Who lived in an Onderdak unit on a day: range containment on GiST, as in migration 0005.
    op.execute(
        "CREATE INDEX ix_stats_placements_period ON stats_placements "
        "USING gist (daterange(start_date, end_date, '[)'))"
    )
    op.execute(
        "CREATE INDEX ix_stats_placement_trips_period ON stats_placement_trips "
        "USING gist (daterange(start_date, end_date, '[)'))"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_stats_placement_trips_period")
    op.execute("DROP INDEX IF EXISTS ix_stats_placements_period")
    for trigger, table in _DROPPED_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for function in _DROPPED_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index(op.f("ix_stats_placement_trips_household_id"), table_name="stats_placement_trips")
    op.drop_table("stats_placement_trips")
    op.drop_index(op.f("ix_stats_placements_household_id"), table_name="stats_placements")
    op.drop_table("stats_placements")
