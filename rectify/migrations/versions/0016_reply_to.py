"""mail Reply-To (SPEC §5): each outbox digest keeps the address of the officers in charge of its cases,
the 联系人 its body names, so that a reply reaches them and not the sender's unattended mailbox

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox_digest', sa.Column('reply_to', sa.String(), nullable=False, server_default=''))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite ≥ 3.35): a copied table would break outbox_item's foreign key
    op.drop_column('outbox_digest', 'reply_to')
