"""Administration tables (spec 1.7): users, roles, permissions, menus and web sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.base import AuditMixin, Base, CreatedMixin, IdMixin, UpdatedMixin, UuidMixin, active_index
from warehouse.types import BigId, UTCDateTime


class AdmRole(IdMixin, CreatedMixin, UpdatedMixin, Base):
    """A role such as DIRECTOR or OPERATOR; level 1 is the highest."""

    __tablename__ = "adm_role"
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255))
    level: Mapped[int] = mapped_column(Integer, default=99)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)


class AdmUser(IdMixin, UuidMixin, AuditMixin, Base):
    """A person who signs in or chats; phone (E.164) is the WhatsApp identity."""

    __tablename__ = "adm_user"
    __table_args__ = (
        CheckConstraint(r"phone IS NULL OR phone LIKE '+%'", name="phone_e164"),
        CheckConstraint("lang IN ('id', 'en')", name="lang"),
        active_index("adm_user", "id"),
    )
    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(150), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_role.id"))
    role: Mapped[AdmRole] = relationship(foreign_keys=[role_id], lazy="joined")
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    wa_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    wa_opt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lang: Mapped[str] = mapped_column(String(2), default="id")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by an administrator's reset (migration 0008): the one-time code must be replaced at sign-in.
    must_change_pw: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AdmPermission(IdMixin, Base):
    """A granular permission such as SO.READ or PO.APPROVE."""

    __tablename__ = "adm_permission"
    module: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255))


class AdmRolePermission(IdMixin, Base):
    """Which permissions a role holds."""

    __tablename__ = "adm_role_permission"
    __table_args__ = (UniqueConstraint("role_id", "permission_id"),)
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_role.id", ondelete="CASCADE"))
    permission_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_permission.id", ondelete="CASCADE"))
    role: Mapped[AdmRole] = relationship()
    permission: Mapped[AdmPermission] = relationship()


class AdmMenu(IdMixin, Base):
    """A sidebar menu entry of the web dashboard."""

    __tablename__ = "adm_menu"
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    icon: Mapped[str | None] = mapped_column(String(50))
    path: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("adm_menu.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    permission_code: Mapped[str | None] = mapped_column(String(50), ForeignKey("adm_permission.code"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    parent: Mapped[AdmMenu | None] = relationship(remote_side="AdmMenu.id")


class AdmRoleMenu(IdMixin, Base):
    """Which menus a role sees."""

    __tablename__ = "adm_role_menu"
    __table_args__ = (UniqueConstraint("role_id", "menu_id"),)
    role_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_role.id", ondelete="CASCADE"))
    menu_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_menu.id", ondelete="CASCADE"))
    role: Mapped[AdmRole] = relationship()
    menu: Mapped[AdmMenu] = relationship()


class AdmSession(IdMixin, Base):
    """A web sign-in session; revocable for forced logout."""

    __tablename__ = "adm_session"
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("adm_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    login_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Refresh-token rotation (migration 0006): one row per refresh token; every row of one sign-in shares
    # family_id, and presenting a row that was already rotated revokes the whole family (token theft).
    family_id: Mapped[str | None] = mapped_column(String(36), index=True)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
