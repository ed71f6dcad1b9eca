"""class-scale operations: a submission's priority, batch, hold and the submission it
replaces; bulk batches; the kept sources of graded submissions (similarity)

Existing submissions are interactive, in no batch, not held, replacing nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 21:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of submissions would trip the
    # foreign keys of the tables that point at it.
    op.add_column(
        "submissions",
        sa.Column("priority", sa.String(length=16), nullable=False, server_default="interactive"),
    )
    op.add_column("submissions", sa.Column("batch_id", sa.String(length=32), nullable=True))
    op.add_column(
        "submissions",
        sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("submissions", sa.Column("replaces", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_submissions_batch_id"), "submissions", ["batch_id"], unique=False)

    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("course", sa.String(length=128), nullable=False),
        sa.Column("assignment", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.Column("rubric_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batches_course"), ["course"], unique=False)

    op.create_table(
        "sources",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"]),
        sa.PrimaryKeyConstraint("submission_id"),
    )


def downgrade() -> None:
    op.drop_table("sources")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_course"))
    op.drop_table("batches")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_batch_id"))
        batch_op.drop_column("replaces")
        batch_op.drop_column("held")
        batch_op.drop_column("batch_id")
        batch_op.drop_column("priority")
