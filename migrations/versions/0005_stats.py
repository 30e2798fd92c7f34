"""stats: evictions per month and a narrow episode table (kept by triggers), range indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement adds or subtracts the evictions in a transition table, by the month's summary
# row, with the household's municipality; `{rows}` names the table, `{sign}` is + or -.
_APPLY = """
    INSERT INTO stats_eviction_months AS s
        (month, state, reason, landlord_type, municipality_code,
         evictions, evictions_with_children, children_involved)
    SELECT date_trunc('month', e.eviction_date)::date, e.state, e.reason, e.landlord_type,
           h.municipality_code,
           {sign} count(*), {sign} count(*) FILTER (WHERE e.children_involved > 0),
           {sign} sum(e.children_involved)
    FROM {rows} e JOIN households h ON h.id = e.household_id
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (month, state, reason, landlord_type, municipality_code) DO UPDATE SET
        evictions = s.evictions + EXCLUDED.evictions,
        evictions_with_children = s.evictions_with_children + EXCLUDED.evictions_with_children,
        children_involved = s.children_involved + EXCLUDED.children_involved;
"""

# A household that moves to another municipality takes its evictions' counts along.
_MOVE = """
    INSERT INTO stats_eviction_months AS s
        (month, state, reason, landlord_type, municipality_code,
         evictions, evictions_with_children, children_involved)
    SELECT date_trunc('month', e.eviction_date)::date, e.state, e.reason, e.landlord_type,
           {code},
           {sign} count(*), {sign} count(*) FILTER (WHERE e.children_involved > 0),
           {sign} sum(e.children_involved)
    FROM old_households o
    JOIN new_households n ON n.id = o.id AND n.municipality_code <> o.municipality_code
    JOIN evictions e ON e.household_id = o.id
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (month, state, reason, landlord_type, municipality_code) DO UPDATE SET
        evictions = s.evictions + EXCLUDED.evictions,
        evictions_with_children = s.evictions_with_children + EXCLUDED.evictions_with_children,
        children_involved = s.children_involved + EXCLUDED.children_involved;
"""


def upgrade() -> None:
    op.create_table(
        "stats_eviction_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("landlord_type", sa.String(length=20), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("evictions", sa.Integer(), nullable=False),
        sa.Column("evictions_with_children", sa.Integer(), nullable=False),
        sa.Column("children_involved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "state",
            "reason",
            "landlord_type",
            "municipality_code",
            name=op.f("pk_stats_eviction_months"),
        ),
    )
    op.execute(
        "INSERT INTO stats_eviction_months SELECT date_trunc('month', e.eviction_date)::date, "
        "e.state, e.reason, e.landlord_type, h.municipality_code, count(*), "
        "count(*) FILTER (WHERE e.children_involved > 0), sum(e.children_involved) "
        "FROM evictions e JOIN households h ON h.id = e.household_id GROUP BY 1, 2, 3, 4, 5"
    )
    op.execute(
        f"""
        CREATE FUNCTION stats_evictions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {_APPLY.format(rows="old_rows", sign="-")}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {_APPLY.format(rows="new_rows", sign="+")}
            END IF;
            RETURN NULL;
        END $$;
        CREATE FUNCTION stats_households_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_MOVE.format(code="o.municipality_code", sign="-")}
            {_MOVE.format(code="n.municipality_code", sign="+")}
            RETURN NULL;
        END $$;
        CREATE TRIGGER stats_evictions_inserted AFTER INSERT ON evictions
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_evictions_changed();
        CREATE TRIGGER stats_evictions_updated AFTER UPDATE ON evictions
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_evictions_changed();
        CREATE TRIGGER stats_evictions_deleted AFTER DELETE ON evictions
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_evictions_changed();
        CREATE TRIGGER stats_households_moved AFTER UPDATE ON households
            REFERENCING OLD TABLE AS old_households NEW TABLE AS new_households
            FOR EACH STATEMENT EXECUTE FUNCTION stats_households_moved();
        """
    )
    # One narrow row per household: its episode, municipality and number of children. Snapshot
    # figures read ~100 bytes a household instead of the whole row plus a children count.
    op.create_table(
        "stats_episodes",
        sa.Column("household_id", sa.UUID(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("homeless_since", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_stats_episodes")),
    )
    op.execute(
        "INSERT INTO stats_episodes SELECT h.id, h.municipality_code, h.homeless_since, "
        "h.closed_on, (SELECT count(*) FROM children c WHERE c.household_id = h.id) "
        "FROM households h"
    )
    op.execute(
        """
        CREATE FUNCTION stats_households_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO stats_episodes
                SELECT n.id, n.municipality_code, n.homeless_since, n.closed_on,
                       (SELECT count(*) FROM children c WHERE c.household_id = n.id)
                FROM new_rows n;
            ELSIF TG_OP = 'UPDATE' THEN
                UPDATE stats_episodes s
                SET municipality_code = n.municipality_code, homeless_since = n.homeless_since,
                    closed_on = n.closed_on
                FROM new_rows n
                WHERE s.household_id = n.id
                  AND (s.municipality_code, s.homeless_since, s.closed_on)
                      IS DISTINCT FROM (n.municipality_code, n.homeless_since, n.closed_on);
            ELSE
                DELETE FROM stats_episodes s USING old_rows o WHERE s.household_id = o.id;
            END IF;
            RETURN NULL;
        END $$;
        CREATE FUNCTION stats_children_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE stats_episodes s SET children = s.children - o.n
                FROM (SELECT household_id, count(*) AS n FROM old_rows GROUP BY 1) o
                WHERE s.household_id = o.household_id;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                UPDATE stats_episodes s SET children = s.children + n.n
                FROM (SELECT household_id, count(*) AS n FROM new_rows GROUP BY 1) n
                WHERE s.household_id = n.household_id;
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER stats_households_inserted AFTER INSERT ON households
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_households_changed();
        CREATE TRIGGER stats_households_updated AFTER UPDATE ON households
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_households_changed();
        CREATE TRIGGER stats_households_deleted AFTER DELETE ON households
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_households_changed();
        CREATE TRIGGER stats_children_inserted AFTER INSERT ON children
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_children_changed();
        CREATE TRIGGER stats_children_updated AFTER UPDATE ON children
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_children_changed();
        CREATE TRIGGER stats_children_deleted AFTER DELETE ON children
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION stats_children_changed();
        """
    )
    # Who is in temporary housing on a day, and who lives in an Onderdak unit on a day: range
    # containment on GiST finds them without reading every episode or stay.
    op.execute(
        "CREATE INDEX ix_stats_episodes_period ON stats_episodes "
        "USING gist (daterange(homeless_since, closed_on, '[)')) "
        "WHERE homeless_since IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX ix_stays_own_unit_period ON stays "
        "USING gist (daterange(start_date, end_date, '[)')) "
        "WHERE place_kind = 'onderdak_unit'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_stays_own_unit_period")
    op.execute("DROP INDEX IF EXISTS ix_stats_episodes_period")
    op.execute("DROP TRIGGER IF EXISTS stats_children_deleted ON children")
    op.execute("DROP TRIGGER IF EXISTS stats_children_updated ON children")
    op.execute("DROP TRIGGER IF EXISTS stats_children_inserted ON children")
    op.execute("DROP TRIGGER IF EXISTS stats_households_deleted ON households")
    op.execute("DROP TRIGGER IF EXISTS stats_households_updated ON households")
    op.execute("DROP TRIGGER IF EXISTS stats_households_inserted ON households")
    op.execute("DROP FUNCTION IF EXISTS stats_children_changed()")
    op.execute("DROP FUNCTION IF EXISTS stats_households_changed()")
    op.drop_table("stats_episodes")
    op.execute("DROP TRIGGER IF EXISTS stats_households_moved ON households")
    op.execute("DROP TRIGGER IF EXISTS stats_evictions_deleted ON evictions")
    op.execute("DROP TRIGGER IF EXISTS stats_evictions_updated ON evictions")
    op.execute("DROP TRIGGER IF EXISTS stats_evictions_inserted ON evictions")
    op.execute("DROP FUNCTION IF EXISTS stats_households_moved()")
    op.execute("DROP FUNCTION IF EXISTS stats_evictions_changed()")
    op.drop_table("stats_eviction_months")
