"""The registry: bodies, principals, invites, casts and idempotency keys.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bodies",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("origin", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "principals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.String(63), sa.ForeignKey("bodies.id"), nullable=True),
        sa.Column("member", sa.String(64), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("body", "member"),
    )
    op.create_table(
        "invites",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("principal", sa.String(64), sa.ForeignKey("principals.id"), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
        sa.Column("used_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "casts",
        sa.Column("body", sa.String(63), sa.ForeignKey("bodies.id"), primary_key=True),
        sa.Column("ballot", sa.String(64), primary_key=True),
        sa.Column("member", sa.String(64), primary_key=True),
        sa.Column("tracker", sa.String(64), nullable=False),
        sa.Column("entry", sa.Integer, nullable=True),
        sa.Column("receipt", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "idempotency",
        sa.Column("principal", sa.String(64), sa.ForeignKey("principals.id"), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency", "casts", "invites", "principals", "bodies"):
        op.drop_table(table)
