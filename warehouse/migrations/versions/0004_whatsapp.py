"""WhatsApp channel: inbound claims by MessageSid, outbound messages (outbox), OTP, 24-hour window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

wa_inbound: one row per Twilio MessageSid (the exactly-once claim). msg_outbox: every outbound message
(replies, OTP notices, alerts) with an idempotency key and delivery state. wa_session: per number, the
24-hour window and OTP verification. wa_otp: e-mailed one-time codes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warehouse.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('wa_inbound',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['adm_user.id'], name=op.f('fk_wa_inbound_user_id_adm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_inbound')),
    sa.UniqueConstraint('message_sid', name=op.f('uq_wa_inbound_message_sid'))
    )
    op.create_index(op.f('ix_wa_inbound_phone'), 'wa_inbound', ['phone'], unique=False)
    op.create_index('ix_wa_inbound_status_claimed_at', 'wa_inbound', ['status', 'claimed_at'], unique=False)
    op.create_table('wa_otp',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('expires_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['adm_user.id'], name=op.f('fk_wa_otp_user_id_adm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_otp'))
    )
    op.create_index(op.f('ix_wa_otp_user_id'), 'wa_otp', ['user_id'], unique=False)
    op.create_table('wa_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('last_inbound_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_user', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('notice_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['adm_user.id'], name=op.f('fk_wa_session_user_id_adm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wa_session')),
    sa.UniqueConstraint('phone', name=op.f('uq_wa_session_phone'))
    )
    op.create_index(op.f('ix_wa_session_user_id'), 'wa_session', ['user_id'], unique=False)
    op.create_table('msg_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('content_sid', sa.String(length=64), nullable=True),
    sa.Column('content_vars', sa.JSON(), nullable=True),
    sa.Column('inbound_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', warehouse.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error_code', sa.String(length=12), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', warehouse.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['ai_alert.id'], name=op.f('fk_msg_outbox_alert_id_ai_alert')),
    sa.ForeignKeyConstraint(['inbound_id'], ['wa_inbound.id'], name=op.f('fk_msg_outbox_inbound_id_wa_inbound')),
    sa.ForeignKeyConstraint(['user_id'], ['adm_user.id'], name=op.f('fk_msg_outbox_user_id_adm_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_msg_outbox')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_msg_outbox_dedup_key')),
    sa.UniqueConstraint('uuid', name=op.f('uq_msg_outbox_uuid'))
    )
    op.create_index(op.f('ix_msg_outbox_alert_id'), 'msg_outbox', ['alert_id'], unique=False)
    op.create_index(op.f('ix_msg_outbox_inbound_id'), 'msg_outbox', ['inbound_id'], unique=False)
    op.create_index(op.f('ix_msg_outbox_phone'), 'msg_outbox', ['phone'], unique=False)
    op.create_index(op.f('ix_msg_outbox_provider_sid'), 'msg_outbox', ['provider_sid'], unique=False)
    op.create_index('ix_msg_outbox_status_next_at', 'msg_outbox', ['status', 'next_attempt_at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE msg_outbox ALTER COLUMN uuid SET DEFAULT gen_random_uuid()")


def downgrade() -> None:
    op.drop_index('ix_msg_outbox_status_next_at', table_name='msg_outbox')
    op.drop_index(op.f('ix_msg_outbox_provider_sid'), table_name='msg_outbox')
    op.drop_index(op.f('ix_msg_outbox_phone'), table_name='msg_outbox')
    op.drop_index(op.f('ix_msg_outbox_inbound_id'), table_name='msg_outbox')
    op.drop_index(op.f('ix_msg_outbox_alert_id'), table_name='msg_outbox')
    op.drop_table('msg_outbox')
    op.drop_index(op.f('ix_wa_session_user_id'), table_name='wa_session')
    op.drop_table('wa_session')
    op.drop_index(op.f('ix_wa_otp_user_id'), table_name='wa_otp')
    op.drop_table('wa_otp')
    op.drop_index('ix_wa_inbound_status_claimed_at', table_name='wa_inbound')
    op.drop_index(op.f('ix_wa_inbound_phone'), table_name='wa_inbound')
    op.drop_table('wa_inbound')
