"""Every write of the rfps app, by sub-domain:

- ``rfp``: the buying side's RFP: create and edit a draft, publish, cancel, close, negotiation
  rounds, and the deadline scan (``rfp_deadline_scan``);
- ``invitations``: where an invitation's signed link goes, and every email that carries it;
- ``responses``: the supplier's side through its link (drafts, files, submission, questions,
  declining) and the buyer entering a proposal on its behalf, and answering questions;
- ``evaluation``: panel scoring;
- ``award``: the award, its draft contract and the outcome told to the invitees.

Who may act is asked of ``rfps.permissions``; the reads they share are in ``rfps.selectors``.
"""

# The RFP's own services, importable from the package as before the split.
from rfps.services.rfp import (
    CriterionInput,
    InviteeInput,
    LineInput,
    RfpInput,
    RfpStateError,
    rfp_cancel,
    rfp_close,
    rfp_create,
    rfp_deadline_scan,
    rfp_publish,
    rfp_update,
    round_open,
)

__all__ = [
    "CriterionInput",
    "InviteeInput",
    "LineInput",
    "RfpInput",
    "RfpStateError",
    "rfp_cancel",
    "rfp_close",
    "rfp_create",
    "rfp_deadline_scan",
    "rfp_publish",
    "rfp_update",
    "round_open",
]
