"""Therapist Desk: offline, encrypted practice records for solo psychotherapists."""

__version__ = "0.1.0"
APP_NAME = "Therapist Desk"
APP_ID = "org.therapistdesk.TherapistDesk"
ORG_NAME = "Therapist Desk"
