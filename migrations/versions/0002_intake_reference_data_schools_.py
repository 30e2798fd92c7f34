"""intake: reference data, schools, households, units

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:25:06.714098
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # btree_gist lets one exclusion constraint mix equality (household) and range overlap (dates).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table('corporations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corporations')),
    sa.UniqueConstraint('code', name=op.f('uq_corporations_code'))
    )
    op.create_index(op.f('ix_corporations_updated_at'), 'corporations', ['updated_at'], unique=False)
    op.create_table('idempotency_records',
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('response_headers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_idempotency_records'))
    )
    op.create_index(op.f('ix_idempotency_records_created_at'), 'idempotency_records', ['created_at'], unique=False)
    op.create_table('municipalities',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('merged_into_code', sa.String(length=6), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_code'], ['municipalities.code'], name=op.f('fk_municipalities_merged_into_code_municipalities')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipalities'))
    )
    op.create_index(op.f('ix_municipalities_updated_at'), 'municipalities', ['updated_at'], unique=False)
    op.create_table('corporation_municipalities',
    sa.Column('corporation_id', sa.UUID(), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['corporation_id'], ['corporations.id'], name=op.f('fk_corporation_municipalities_corporation_id_corporations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_corporation_municipalities_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('corporation_id', 'municipality_code', name=op.f('pk_corporation_municipalities'))
    )
    op.create_table('households',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('case_reference', sa.String(length=60), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('declared_min_bedrooms', sa.Integer(), nullable=True),
    sa.Column('needs_wheelchair', sa.Boolean(), nullable=False),
    sa.Column('needs_ground_floor', sa.Boolean(), nullable=False),
    sa.Column('has_pets', sa.Boolean(), nullable=False),
    sa.Column('needs_medical', sa.Boolean(), nullable=False),
    sa.Column('homeless_since', sa.Date(), nullable=True),
    sa.Column('needed_from', sa.Date(), nullable=False),
    sa.Column('expected_stay_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_reason', sa.String(length=40), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('at_risk', 'homeless', 'offered', 'placed', 'closed')", name=op.f('ck_households_status_allowed')),
    sa.CheckConstraint('adults >= 0', name=op.f('ck_households_adults_not_negative')),
    sa.CheckConstraint('declared_min_bedrooms IS NULL OR declared_min_bedrooms >= 1', name=op.f('ck_households_declared_min_bedrooms_positive')),
    sa.CheckConstraint('expected_stay_days >= 1', name=op.f('ck_households_expected_stay_positive')),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_households_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('municipality_code', 'case_reference', name=op.f('uq_households_municipality_code_case_reference'))
    )
    op.create_index(op.f('ix_households_homeless_since'), 'households', ['homeless_since'], unique=False)
    op.create_index(op.f('ix_households_municipality_code'), 'households', ['municipality_code'], unique=False)
    op.create_index(op.f('ix_households_status'), 'households', ['status'], unique=False)
    op.create_index(op.f('ix_households_updated_at'), 'households', ['updated_at'], unique=False)
    op.create_geospatial_table('schools',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('brin_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('primary', 'secondary', 'special')", name=op.f('ck_schools_level_allowed')),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_schools_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('brin_code', name=op.f('uq_schools_brin_code'))
    )
    op.create_geospatial_index('idx_schools_location', 'schools', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_schools_municipality_code'), 'schools', ['municipality_code'], unique=False)
    op.create_index(op.f('ix_schools_updated_at'), 'schools', ['updated_at'], unique=False)
    op.create_geospatial_table('units',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('corporation_id', sa.UUID(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('house_number', sa.String(length=20), nullable=False),
    sa.Column('postcode', sa.String(length=7), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('bedrooms', sa.Integer(), nullable=False),
    sa.Column('max_occupants', sa.Integer(), nullable=False),
    sa.Column('wheelchair_accessible', sa.Boolean(), nullable=False),
    sa.Column('ground_floor', sa.Boolean(), nullable=False),
    sa.Column('pets_allowed', sa.Boolean(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=False),
    sa.Column('available_until', sa.Date(), nullable=True),
    sa.Column('max_stay_days', sa.Integer(), nullable=True),
    sa.Column('rent_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('emergency', 'transitional', 'other')", name=op.f('ck_units_kind_allowed')),
    sa.CheckConstraint("status IN ('available', 'reserved', 'occupied', 'withdrawn')", name=op.f('ck_units_status_allowed')),
    sa.CheckConstraint('available_until IS NULL OR available_until >= available_from', name=op.f('ck_units_availability_window')),
    sa.CheckConstraint('bedrooms >= 1', name=op.f('ck_units_bedrooms_positive')),
    sa.CheckConstraint('max_occupants >= 1', name=op.f('ck_units_max_occupants_positive')),
    sa.CheckConstraint('max_stay_days IS NULL OR max_stay_days >= 1', name=op.f('ck_units_max_stay_positive')),
    sa.CheckConstraint('rent_cents >= 0', name=op.f('ck_units_rent_not_negative')),
    sa.ForeignKeyConstraint(['corporation_id'], ['corporations.id'], name=op.f('fk_units_corporation_id_corporations')),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_units_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('corporation_id', 'reference', name=op.f('uq_units_corporation_id_reference'))
    )
    op.create_geospatial_index('idx_units_location', 'units', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_units_corporation_id'), 'units', ['corporation_id'], unique=False)
    op.create_index(op.f('ix_units_municipality_code'), 'units', ['municipality_code'], unique=False)
    op.create_index(op.f('ix_units_status'), 'units', ['status'], unique=False)
    op.create_index(op.f('ix_units_updated_at'), 'units', ['updated_at'], unique=False)
    op.create_table('children',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.UUID(), nullable=True),
    sa.Column('needs_wheelchair', sa.Boolean(), nullable=False),
    sa.Column('needs_medical', sa.Boolean(), nullable=False),
    sa.Column('school_trip_limit_km', sa.Float(), nullable=True),
    sa.CheckConstraint('school_trip_limit_km IS NULL OR school_trip_limit_km > 0', name=op.f('ck_children_school_trip_limit_positive')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_children_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_children_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children'))
    )
    op.create_index(op.f('ix_children_household_id'), 'children', ['household_id'], unique=False)
    op.create_index(op.f('ix_children_school_id'), 'children', ['school_id'], unique=False)
    op.create_table('evictions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('eviction_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('landlord_type', sa.String(length=20), nullable=False),
    sa.Column('children_involved', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("landlord_type IN ('social', 'private')", name=op.f('ck_evictions_landlord_type_allowed')),
    sa.CheckConstraint("reason IN ('rent_arrears', 'nuisance', 'drugs_crime', 'other')", name=op.f('ck_evictions_reason_allowed')),
    sa.CheckConstraint("state IN ('planned', 'executed')", name=op.f('ck_evictions_state_allowed')),
    sa.CheckConstraint('children_involved >= 0', name=op.f('ck_evictions_children_involved_not_negative')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_evictions_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evictions'))
    )
    op.create_index(op.f('ix_evictions_eviction_date'), 'evictions', ['eviction_date'], unique=False)
    op.create_index(op.f('ix_evictions_household_id'), 'evictions', ['household_id'], unique=False)
    op.create_index(op.f('ix_evictions_updated_at'), 'evictions', ['updated_at'], unique=False)
    op.create_geospatial_table('safety_exclusions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('min_distance_m', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_distance_m > 0', name=op.f('ck_safety_exclusions_min_distance_positive')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_safety_exclusions_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_exclusions'))
    )
    op.create_geospatial_index('idx_safety_exclusions_location', 'safety_exclusions', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_safety_exclusions_household_id'), 'safety_exclusions', ['household_id'], unique=False)
    op.create_table('stays',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('household_id', sa.UUID(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('place_kind', sa.String(length=20), nullable=False),
    sa.Column('unit_id', sa.UUID(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(place_kind = 'onderdak_unit') = (unit_id IS NOT NULL)", name=op.f('ck_stays_unit_iff_own_unit')),
    sa.CheckConstraint("place_kind IN ('shelter', 'hotel', 'family_or_friends', 'holiday_park', 'other', 'onderdak_unit')", name=op.f('ck_stays_place_kind_allowed')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_stays_end_after_start')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_stays_household_id_households')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_stays_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stays'))
    )
    op.create_index(op.f('ix_stays_household_id'), 'stays', ['household_id'], unique=False)
    op.create_index(op.f('ix_stays_unit_id'), 'stays', ['unit_id'], unique=False)
    op.create_index(op.f('ix_stays_updated_at'), 'stays', ['updated_at'], unique=False)
    # Stays of one household never overlap; the database refuses it, whoever writes.
    op.execute(
        "ALTER TABLE stays ADD CONSTRAINT ex_stays_no_overlap EXCLUDE USING gist "
        "(household_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE stays DROP CONSTRAINT ex_stays_no_overlap")
    op.drop_index(op.f('ix_stays_updated_at'), table_name='stays')
    op.drop_index(op.f('ix_stays_unit_id'), table_name='stays')
    op.drop_index(op.f('ix_stays_household_id'), table_name='stays')
    op.drop_table('stays')
    op.drop_index(op.f('ix_safety_exclusions_household_id'), table_name='safety_exclusions')
    op.drop_geospatial_index('idx_safety_exclusions_location', table_name='safety_exclusions', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('safety_exclusions')
    op.drop_index(op.f('ix_evictions_updated_at'), table_name='evictions')
    op.drop_index(op.f('ix_evictions_household_id'), table_name='evictions')
    op.drop_index(op.f('ix_evictions_eviction_date'), table_name='evictions')
    op.drop_table('evictions')
    op.drop_index(op.f('ix_children_school_id'), table_name='children')
    op.drop_index(op.f('ix_children_household_id'), table_name='children')
    op.drop_table('children')
    op.drop_index(op.f('ix_units_updated_at'), table_name='units')
    op.drop_index(op.f('ix_units_status'), table_name='units')
    op.drop_index(op.f('ix_units_municipality_code'), table_name='units')
    op.drop_index(op.f('ix_units_corporation_id'), table_name='units')
    op.drop_geospatial_index('idx_units_location', table_name='units', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('units')
    op.drop_index(op.f('ix_schools_updated_at'), table_name='schools')
    op.drop_index(op.f('ix_schools_municipality_code'), table_name='schools')
    op.drop_geospatial_index('idx_schools_location', table_name='schools', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('schools')
    op.drop_index(op.f('ix_households_updated_at'), table_name='households')
    op.drop_index(op.f('ix_households_status'), table_name='households')
    op.drop_index(op.f('ix_households_municipality_code'), table_name='households')
    op.drop_index(op.f('ix_households_homeless_since'), table_name='households')
    op.drop_table('households')
    op.drop_table('corporation_municipalities')
    op.drop_index(op.f('ix_municipalities_updated_at'), table_name='municipalities')
    op.drop_table('municipalities')
    op.drop_index(op.f('ix_idempotency_records_created_at'), table_name='idempotency_records')
    op.drop_table('idempotency_records')
    op.drop_index(op.f('ix_corporations_updated_at'), table_name='corporations')
    op.drop_table('corporations')
    op.execute("DROP EXTENSION IF EXISTS btree_gist")
