"""reminder channels (SPEC §16): each person's 企业微信 and 钉钉 userids and preferred channels; each outbox
delivery names its channel (e-mail, a group robot, an application message, SMS)

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('wecom_userid', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('dingtalk_userid', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('channels', sa.String(length=100), nullable=False, server_default=''))
    with op.batch_alter_table('outbox_digest') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=16), nullable=False, server_default='email'))


def downgrade() -> None:
    with op.batch_alter_table('outbox_digest') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('channels')
        batch.drop_column('dingtalk_userid')
        batch.drop_column('wecom_userid')
