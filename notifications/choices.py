from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind has its email templates under
    templates/notifications/email/<kind>.{txt,html}."""

    COMMITMENT_DUE = "commitment_due", _("Commitment due")
    COMMITMENT_OVERDUE = "commitment_overdue", _("Commitment overdue")
    COMMITMENT_CHASE = "commitment_chase", _("Supplier commitment to chase")
    ESCALATION = "escalation", _("Escalation")
    # Contracts
    CONTRACT_NOTICE = "contract_notice", _("Contract notice date approaching")
    OBLIGATION_DUE = "obligation_due", _("Contract obligation due")
    # Reviews
    REVIEW_ASSIGNED = "review_assigned", _("Review assigned")
    REVIEW_DUE = "review_due", _("Review due")
    REVIEW_OVERDUE = "review_overdue", _("Review overdue")
    CORRECTIVE_ACTION = "corrective_action", _("Corrective action")
    # RFPs (buyers' side; suppliers' contacts have no account and get plain email)
    RFP_QUESTION = "rfp_question", _("RFP question asked")
    RFP_CLOSED = "rfp_closed", _("RFP closed")
    # To a supplier's contact, who has no account: email only (notification_create_external)
    RFP_INVITATION = "rfp_invitation", _("RFP invitation")
    RFP_ANSWER = "rfp_answer", _("Answer to an RFP question")
    RFP_REMINDER = "rfp_reminder", _("RFP deadline reminder")
    RFP_OUTCOME = "rfp_outcome", _("RFP outcome")
    RFP_INVITATION_MOVED = "rfp_invitation_moved", _("RFP invitation moved to another address")
    RFP_PROPOSAL_ENTERED = "rfp_proposal_entered", _("RFP proposal entered on your behalf")
    SUPPLIER_SURVEY = "supplier_survey", _("Survey: how are we as a customer?")
    # Webhooks
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook endpoint disabled")
