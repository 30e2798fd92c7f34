"""workflow: policies (built-ins seeded), match runs, offers, placements

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:38:07.355205
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The built-in policies as they stood when this migration was written (matching/policies.py):
# frozen here, so a later change to the engine's defaults becomes a new version, never an edit.
_LIMITS = {"primary_km": 15.0, "secondary_km": 25.0, "special_km": 40.0}
_SHARED = {
    "school_trip_limits": _LIMITS,
    "trip_scale_km": 5.0,
    "trip_power": 2.0,
    "days_per_waiting_point": 30.0,
    "transitional_waiting_factor": 1.5,
    "score_resolution_points": 0.001,
}
BUILTIN_POLICIES = [
    (
        "default",
        "Tier 1: nobody left without a place, families with children first. "
        "Tier 2: school trips and time in temporary housing together at a published rate. "
        "Tier 3: fit (no spare bedrooms wasted).",
        ["placement", "school_and_waiting", "fit"],
    ),
    (
        "school-first",
        "Placement, then school trips, then time in temporary housing, then fit.",
        ["placement", "school_trips", "waiting", "fit"],
    ),
    (
        "waiting-first",
        "Placement, then time in temporary housing, then school trips, then fit.",
        ["placement", "waiting", "school_trips", "fit"],
    ),
]


def _seed_policies() -> None:
    policies = sa.table(
        "policies",
        sa.column("id", sa.UUID()),
        sa.column("name", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("description", sa.Text()),
        sa.column("parameters", postgresql.JSONB()),
        sa.column("offer_valid_hours", sa.Integer()),
        sa.column("created_by", sa.String()),
    )
    op.bulk_insert(
        policies,
        [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://onderdak.nl/policies/{name}@1")),
                "name": name,
                "version": 1,
                "description": description,
                "parameters": {**_SHARED, "tiers": tiers},
                "offer_valid_hours": 72,
                "created_by": "onderdak-system (migration 0004)",
            }
            for name, description, tiers in BUILTIN_POLICIES
        ],
    )


def upgrade() -> None:
    op.create_table('policies',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('offer_valid_hours', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('offer_valid_hours >= 1', name=op.f('ck_policies_offer_valid_hours_positive')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_policies_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_policies_name_version'))
    )
    op.create_table('match_runs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('municipalities', sa.ARRAY(sa.String(length=6)), nullable=False),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('progress_stage', sa.String(length=40), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('households_count', sa.Integer(), nullable=True),
    sa.Column('units_count', sa.Integer(), nullable=True),
    sa.Column('input_hash', sa.String(length=64), nullable=True),
    sa.Column('instance', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('build_seconds', sa.Float(), nullable=True),
    sa.Column('solve_seconds', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('committed_by', sa.String(length=200), nullable=True),
    sa.Column('commit_exclusions', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed')", name=op.f('ck_match_runs_status_allowed')),
    sa.CheckConstraint('progress_percent BETWEEN 0 AND 100', name=op.f('ck_match_runs_progress_percent_range')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_match_runs_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_runs'))
    )
    op.create_index(op.f('ix_match_runs_policy_id'), 'match_runs', ['policy_id'], unique=False)
    op.create_index(op.f('ix_match_runs_status'), 'match_runs', ['status'], unique=False)
    op.create_index(op.f('ix_match_runs_updated_at'), 'match_runs', ['updated_at'], unique=False)
    op.create_table('offers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('run_id', sa.UUID(), nullable=True),
    sa.Column('policy_id', sa.UUID(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('made_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('explanation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('hand_reason', sa.Text(), nullable=True),
    sa.Column('overridden_rules', sa.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decline_reason', sa.String(length=20), nullable=True),
    sa.Column('decline_text', sa.Text(), nullable=True),
    sa.Column('unit_released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status <> 'open' OR unit_released_at IS NULL) AND (status IN ('open', 'accepted') OR unit_released_at IS NOT NULL)", name=op.f('ck_offers_holds_unit_iff_open_or_placed')),
    sa.CheckConstraint("decline_reason IS NULL OR decline_reason IN ('household_refused', 'unit_unsuitable', 'self_resolved', 'no_show', 'other')", name=op.f('ck_offers_decline_reason_allowed')),
    sa.CheckConstraint("source <> 'hand' OR hand_reason IS NOT NULL", name=op.f('ck_offers_hand_has_reason')),
    sa.CheckConstraint("source IN ('run', 'hand')", name=op.f('ck_offers_source_allowed')),
    sa.CheckConstraint("status IN ('open', 'accepted', 'declined', 'expired', 'cancelled')", name=op.f('ck_offers_status_allowed')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_offers_household_id_households')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_offers_policy_id_policies')),
    sa.ForeignKeyConstraint(['run_id'], ['match_runs.id'], name=op.f('fk_offers_run_id_match_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_offers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    op.create_index(op.f('ix_offers_expires_at'), 'offers', ['expires_at'], unique=False)
    op.create_index(op.f('ix_offers_household_id'), 'offers', ['household_id'], unique=False)
    op.create_index(op.f('ix_offers_run_id'), 'offers', ['run_id'], unique=False)
    op.create_index(op.f('ix_offers_status'), 'offers', ['status'], unique=False)
    op.create_index(op.f('ix_offers_unit_id'), 'offers', ['unit_id'], unique=False)
    op.create_index(op.f('ix_offers_updated_at'), 'offers', ['updated_at'], unique=False)
    op.create_index('uq_offers_household_open', 'offers', ['household_id'], unique=True, postgresql_where=sa.text("status = 'open'"))
    op.create_index('uq_offers_unit_held', 'offers', ['unit_id'], unique=True, postgresql_where=sa.text('unit_released_at IS NULL'))
    op.create_table('placements',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('offer_id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=False),
    sa.Column('stay_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=30), nullable=True),
    sa.Column('end_text', sa.Text(), nullable=True),
    sa.Column('ended_by', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'ended') = (end_date IS NOT NULL)", name=op.f('ck_placements_ended_iff_end_date')),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('moved_to_permanent_housing', 'moved_elsewhere', 'evicted', 'other', 'moved_on')", name=op.f('ck_placements_end_reason_allowed')),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_placements_status_allowed')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_placements_household_id_households')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_placements_offer_id_offers')),
    sa.ForeignKeyConstraint(['stay_id'], ['stays.id'], name=op.f('fk_placements_stay_id_stays')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_placements_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placements')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_placements_offer_id')),
    sa.UniqueConstraint('stay_id', name=op.f('uq_placements_stay_id'))
    )
    op.create_index(op.f('ix_placements_household_id'), 'placements', ['household_id'], unique=False)
    op.create_index(op.f('ix_placements_status'), 'placements', ['status'], unique=False)
    op.create_index(op.f('ix_placements_unit_id'), 'placements', ['unit_id'], unique=False)
    op.create_index(op.f('ix_placements_updated_at'), 'placements', ['updated_at'], unique=False)
    op.create_index('uq_placements_household_active', 'placements', ['household_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_index('uq_placements_unit_active', 'placements', ['unit_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    # ### end Alembic commands ###
    _seed_policies()


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index('uq_placements_unit_active', table_name='placements', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('uq_placements_household_active', table_name='placements', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_placements_updated_at'), table_name='placements')
    op.drop_index(op.f('ix_placements_unit_id'), table_name='placements')
    op.drop_index(op.f('ix_placements_status'), table_name='placements')
    op.drop_index(op.f('ix_placements_household_id'), table_name='placements')
    op.drop_table('placements')
    op.drop_index('uq_offers_unit_held', table_name='offers', postgresql_where=sa.text('unit_released_at IS NULL'))
    op.drop_index('uq_offers_household_open', table_name='offers', postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f('ix_offers_updated_at'), table_name='offers')
    op.drop_index(op.f('ix_offers_unit_id'), table_name='offers')
    op.drop_index(op.f('ix_offers_status'), table_name='offers')
    op.drop_index(op.f('ix_offers_run_id'), table_name='offers')
    op.drop_index(op.f('ix_offers_household_id'), table_name='offers')
    op.drop_index(op.f('ix_offers_expires_at'), table_name='offers')
    op.drop_table('offers')
    op.drop_index(op.f('ix_match_runs_updated_at'), table_name='match_runs')
    op.drop_index(op.f('ix_match_runs_status'), table_name='match_runs')
    op.drop_index(op.f('ix_match_runs_policy_id'), table_name='match_runs')
    op.drop_table('match_runs')
    op.drop_table('policies')
    # ### end Alembic commands ###
