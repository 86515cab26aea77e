"""GENERATED from the SQLModel classes by ``python -m rectify.store.schema_gen``.

Do not edit: change the models and run it again. SQLAlchemy Core tables equal, column by column, to
``models.py`` and ``outbox_models.py``; the statements use these so that no command has to load
SQLModel, pydantic or the ORM.
"""

import sqlalchemy as sa

from rectify.store.coltypes import OPEN_CASES_ONLY, UTCDateTime

metadata = sa.MetaData()

case_event = sa.Table(
    'case_event',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('action', sa.String(32), nullable=False),
    sa.Column('from_stage', sa.String(), nullable=True),
    sa.Column('to_stage', sa.String(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False, default=''),
    sa.Column('detail', sa.String(), nullable=False, default=''),
    sa.Column('actor_unit', sa.String(), nullable=False, default=''),
    sa.Column('happened_on', sa.Date(), nullable=True),
    sa.Column('operator', sa.String(), nullable=False, default=''),
    sa.Index('ix_case_event_case_id', 'case_id'),
    sa.Index('ix_case_event_happened_on', 'happened_on'),
)

case_person = sa.Table(
    'case_person',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('unit', sa.String(), nullable=False, default=''),
    sa.Column('email', sa.String(), nullable=False, default=''),
    sa.Column('phone', sa.String(), nullable=False, default=''),
    sa.UniqueConstraint('case_id', 'role', name='uq_person_case_role'),
    sa.Index('ix_case_person_case_id', 'case_id'),
)

case_problem = sa.Table(
    'case_problem',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('code', sa.String(8), nullable=False),
    sa.Column('text', sa.String(), nullable=False, default=''),
    sa.Index('ix_case_problem_case_id', 'case_id'),
)

deadline_extension = sa.Table(
    'deadline_extension',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=False),
    sa.Column('new_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('approved_by', sa.String(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Index('ix_deadline_extension_case_id', 'case_id'),
)

installation = sa.Table(
    'installation',
    metadata,
    sa.Column('id', sa.String(36), primary_key=True, nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
)

measure = sa.Table(
    'measure',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('owner_unit', sa.String(), nullable=False, default=''),
    sa.Column('owner_email', sa.String(), nullable=False, default=''),
    sa.UniqueConstraint('case_id', 'seq', name='uq_measure_case_seq'),
    sa.Index('ix_measure_case_id', 'case_id'),
    sa.Index('ix_measure_done_on', 'done_on'),
)

measure_problem = sa.Table(
    'measure_problem',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('measure_id', sa.Integer(), sa.ForeignKey('measure.id'), nullable=False),
    sa.Column('problem_id', sa.Integer(), sa.ForeignKey('case_problem.id'), nullable=False),
    sa.UniqueConstraint('measure_id', 'problem_id', name='uq_measure_problem'),
    sa.Index('ix_measure_problem_measure_id', 'measure_id'),
    sa.Index('ix_measure_problem_problem_id', 'problem_id'),
)

notification_state = sa.Table(
    'notification_state',
    metadata,
    sa.Column('name', sa.String(64), primary_key=True, nullable=False),
    sa.Column('value', sa.String(), nullable=False, default=''),
)

objection = sa.Table(
    'objection',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('raised_by', sa.String(), nullable=False, default=''),
    sa.Column('decision', sa.String(12), nullable=False, default=''),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.String(), nullable=False, default=''),
    sa.Column('note', sa.String(), nullable=False, default=''),
    sa.Index('ix_objection_case_id', 'case_id'),
)

organization = sa.Table(
    'organization',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('code', sa.String(64), unique=True, nullable=False),
    sa.Column('name', sa.String(200), nullable=False),
    sa.Column('kind', sa.String(20), nullable=False),
    sa.Column('county', sa.String(100), nullable=False),
    sa.Column('township', sa.String(100), nullable=False),
    sa.Column('poor_village', sa.Boolean(), nullable=False, default=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Index('ix_organization_place_name', 'county', 'township', 'name'),
)

outbox_digest = sa.Table(
    'outbox_digest',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('recipient', sa.String(320), nullable=False),
    sa.Column('recipient_name', sa.String(), nullable=False, default=''),
    sa.Column('sweep_date', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False, default=''),
    sa.Column('body_text', sa.String(), nullable=False, default=''),
    sa.Column('body_html', sa.String(), nullable=False, default=''),
    sa.Column('status', sa.String(10), nullable=False, default='pending'),
    sa.Column('attempts', sa.Integer(), nullable=False, default=0),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
    sa.Column('lease_until', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(), nullable=False, default=''),
    sa.Column('message_id', sa.String(200), unique=True, nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Index('ix_outbox_digest_status_next', 'status', 'next_attempt_at'),
)

outbox_item = sa.Table(
    'outbox_item',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('digest_id', sa.Integer(), sa.ForeignKey('outbox_digest.id'), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(16), nullable=False),
    sa.Column('stage', sa.String(24), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(320), nullable=False),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('detail', sa.String(), nullable=False, default=''),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.UniqueConstraint(
        'case_id',
        'kind',
        'stage',
        'due_on',
        'offset_days',
        'recipient',
        name='uq_outbox_item_key',
    ),
    sa.Index('ix_outbox_item_digest_id', 'digest_id'),
)

person = sa.Table(
    'person',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('name', sa.String(100), unique=True, nullable=False),
    sa.Column('unit', sa.String(200), nullable=False, default=''),
    sa.Column('role', sa.String(24), nullable=False),
    sa.Column('scope', sa.String(1000), nullable=False, default=''),
    sa.Column('email', sa.String(320), nullable=False, default=''),
    sa.Column('phone', sa.String(40), nullable=False, default=''),
    sa.Column('login', sa.String(64), unique=True, nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False, default=True),
    sa.Column('active', sa.Boolean(), nullable=False, default=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
)

progress_report = sa.Table(
    'progress_report',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Index('ix_progress_report_case_id', 'case_id'),
    sa.Index('ix_progress_report_reported_on', 'reported_on'),
)

rectification_case = sa.Table(
    'rectification_case',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('org_id', sa.Integer(), sa.ForeignKey('organization.id'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(24), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('stage_since', sa.Date(), nullable=False),
    sa.Column('stage_due', sa.Date(), nullable=True),
    sa.Column('cycle_start', sa.Date(), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False, default=1),
    sa.Column('version', sa.Integer(), nullable=False, default=1),
    sa.Column('detail', sa.String(), nullable=False, default=''),
    sa.Column('helping_unit', sa.String(), nullable=False, default=''),
    sa.Column('self_check', sa.String(), nullable=False, default=''),
    sa.Column('rectified_on', sa.Date(), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('withdrawn_reason', sa.String(), nullable=False, default=''),
    sa.Column('supervised', sa.Boolean(), nullable=False, default=False),
    sa.Column('supervision_reason', sa.String(), nullable=False, default=''),
    sa.Column('supervision_level', sa.String(8), nullable=False, default=''),
    sa.Column('escalation_step', sa.String(8), nullable=False, default=''),
    sa.Column('measures_total', sa.Integer(), nullable=False, default=0),
    sa.Column('measures_done', sa.Integer(), nullable=False, default=0),
    sa.Column('last_progress_on', sa.Date(), nullable=True),
    sa.Column('village_secretary_status', sa.String(8), nullable=False, default=''),
    sa.Column('previous_case_id', sa.Integer(), nullable=True),
    sa.Column('earlier_years', sa.String(), nullable=False, default=''),
    sa.Column('look_backs', sa.String(), nullable=False, default=''),
    sa.Column('next_look_back_on', sa.Date(), nullable=True),
    sa.Column('applied_by', sa.String(), nullable=False, default=''),
    sa.Column('verified_by', sa.String(), nullable=False, default=''),
    sa.Column('grade', sa.String(8), nullable=False, default=''),
    sa.Column('satisfaction', sa.Float(), nullable=True),
    sa.Column('publicity_until', sa.Date(), nullable=True),
    sa.Column('struck_off_on', sa.Date(), nullable=True),
    sa.Column('strike_off_doc', sa.String(), nullable=False, default=''),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Index(
        'uq_case_open_org',
        'org_id',
        unique=True,
        info={'postgresql_where': OPEN_CASES_ONLY, 'sqlite_where': OPEN_CASES_ONLY},
    ),
    sa.Index('ix_case_stage_deadline', 'stage', 'deadline'),
    sa.Index('ix_case_stage_due', 'stage', 'stage_due'),
    sa.Index('ix_rectification_case_identified_on', 'identified_on'),
    sa.Index('ix_rectification_case_last_progress_on', 'last_progress_on'),
    sa.Index('ix_rectification_case_org_id', 'org_id'),
    sa.Index('ix_rectification_case_previous_case_id', 'previous_case_id'),
    sa.Index('ix_rectification_case_rectified_on', 'rectified_on'),
    sa.Index('ix_rectification_case_stage_since', 'stage_since'),
    sa.Index('ix_rectification_case_updated_at', 'updated_at'),
    sa.Index('ix_rectification_case_verified_on', 'verified_on'),
    sa.Index('ix_rectification_case_year', 'year'),
)

secretary_assignment = sa.Table(
    'secretary_assignment',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('kind', sa.String(12), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('email', sa.String(), nullable=False, default=''),
    sa.Column('phone', sa.String(), nullable=False, default=''),
    sa.Column('end_reason', sa.String(), nullable=False, default=''),
    sa.Column('term_until', sa.Date(), nullable=True),
    sa.Column('preexisting', sa.Boolean(), nullable=False, default=False),
    sa.Column('action', sa.String(8), nullable=False, default=''),
    sa.Column('source', sa.String(), nullable=False, default=''),
    sa.Column('carried', sa.Boolean(), nullable=False, default=False),
    sa.Index('ix_secretary_assignment_case_id', 'case_id'),
    sa.Index('ix_secretary_assignment_since', 'since'),
    sa.Index('ix_secretary_assignment_until', 'until'),
)

security_event = sa.Table(
    'security_event',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(), nullable=False),
    sa.Column('actor_unit', sa.String(), nullable=False, default=''),
    sa.Column('operator', sa.String(), nullable=False, default=''),
    sa.Column('name', sa.String(64), nullable=False),
    sa.Column('old_value', sa.String(200), nullable=False, default=''),
    sa.Column('new_value', sa.String(200), nullable=False),
)

security_setting = sa.Table(
    'security_setting',
    metadata,
    sa.Column('name', sa.String(64), primary_key=True, nullable=False),
    sa.Column('value', sa.String(200), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(), nullable=False),
)

supervision = sa.Table(
    'supervision',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('level', sa.String(8), nullable=False),
    sa.Column('unit', sa.String(), nullable=False),
    sa.Column('matter', sa.String(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('hung_on', sa.Date(), nullable=False),
    sa.Column('hung_by', sa.String(), nullable=False),
    sa.Column('taken_down_on', sa.Date(), nullable=True),
    sa.Column('inspected_by', sa.String(), nullable=False, default=''),
    sa.Column('inspected_on', sa.Date(), nullable=True),
    sa.Column('down_reason', sa.String(), nullable=False, default=''),
    sa.Column('taken_down_by', sa.String(), nullable=False, default=''),
    sa.Index('ix_supervision_case_id', 'case_id'),
)

verification = sa.Table(
    'verification',
    metadata,
    sa.Column('id', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('case_id', sa.Integer(), sa.ForeignKey('rectification_case.id'), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.Column('verifier', sa.String(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basic', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.String(), nullable=False, default=''),
    sa.Column('members', sa.String(), nullable=False, default=''),
    sa.Column('score_sheet', sa.String(), nullable=False, default=''),
    sa.Column('grade', sa.String(8), nullable=False, default=''),
    sa.Column('signed_by', sa.String(), nullable=False, default=''),
    sa.Index('ix_verification_case_id', 'case_id'),
    sa.Index('ix_verification_verified_on', 'verified_on'),
)
