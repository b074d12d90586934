"""A body's turnout policy; members' e-mail addresses for invites (kept out of the log).

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bodies") as batch:
        batch.add_column(sa.Column("show_turnout", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "contacts",
        sa.Column("body", sa.String(63), sa.ForeignKey("bodies.id"), primary_key=True),
        sa.Column("member", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contacts")
    with op.batch_alter_table("bodies") as batch:
        batch.drop_column("show_turnout")
