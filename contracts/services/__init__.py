"""Every write to contracts and what hangs off them, one module per part:

- ``contracts``: create, activate, amend, renew and terminate a contract (versions kept);
- ``obligations`` and ``benefits``: what each side owes, what was promised and realised;
- ``renewals``: the renewal decision of a term, stage by stage;
- ``documents``: storing an upload once its content is checked;
- ``bulk``: the ERP's all-or-nothing upserts of contracts and exchange rates.

Callers import from ``contracts.services``.
"""

from contracts.services.benefits import benefit_create, benefit_realisation_record
from contracts.services.bulk import contract_upsert_many, exchange_rate_upsert_many
from contracts.services.contracts import (
    TERM_FIELDS,
    UNSET,
    ContractStateError,
    LineInput,
    Unset,
    activation_problems,
    contract_activate,
    contract_amend,
    contract_create,
    contract_renew,
    contract_terminate,
    contract_termination_complete,
)
from contracts.services.documents import document_response, document_upload
from contracts.services.obligations import obligation_create, obligation_record
from contracts.services.renewals import (
    RenewalTransitionError,
    close_decision,
    renewal_decision_advance,
)

__all__ = [
    "TERM_FIELDS",
    "UNSET",
    "ContractStateError",
    "LineInput",
    "RenewalTransitionError",
    "Unset",
    "activation_problems",
    "benefit_create",
    "benefit_realisation_record",
    "close_decision",
    "contract_activate",
    "contract_amend",
    "contract_create",
    "contract_renew",
    "contract_terminate",
    "contract_termination_complete",
    "contract_upsert_many",
    "document_response",
    "document_upload",
    "exchange_rate_upsert_many",
    "obligation_create",
    "obligation_record",
    "renewal_decision_advance",
]
