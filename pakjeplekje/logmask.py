"""Masking for logs: personal data never reaches a log line in full."""

from __future__ import annotations


def mask_email(email: str) -> str:
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain[:1]}***"


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    return f"{digits[:3]}******{digits[-2:]}" if len(digits) > 6 else "***"
