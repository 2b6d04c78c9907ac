"""Every write to suppliers, contacts, categories and key-account ownerships.

Each service checks the actor's capability, validates, writes in one transaction and bumps
``updated_at`` only on a real change. Bulk upserts live in ``suppliers.bulk``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import may_own
from core.exceptions import DomainError
from core.inputs import UNSET, given
from core.integrity import unique_errors
from suppliers import permissions
from suppliers.choices import STATUS_TRANSITIONS, OwnershipRole, Segment, SupplierStatus
from suppliers.inputs import CategoryInput, ContactInput, SupplierInput
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier
from webhooks.events import emit

# The fields a page or the API edits, in the order forms show them.
SUPPLIER_FIELDS = tuple(field.name for field in fields(SupplierInput))
CONTACT_FIELDS = tuple(field.name for field in fields(ContactInput))


class SupplierStatusTransitionError(DomainError):
    code = "invalid_status_transition"


class OwnerRequiredError(DomainError):
    code = "owner_required"


def require(allowed: bool) -> None:
    """Raises PermissionDenied unless a ``permissions.may_*`` predicate said yes."""
    if not allowed:
        raise PermissionDenied


def _apply(
    instance: Supplier | Contact | Category, data: SupplierInput | ContactInput | CategoryInput
) -> bool:
    """Sets the fields given (not ``UNSET``); True when any value differs from what was there."""
    changed = False
    for field, value in given(data).items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def _normalise_supplier(data: SupplierInput) -> SupplierInput:
    if data.external_id is not UNSET:
        data = replace(data, external_id=(data.external_id or "").strip() or None)
    if isinstance(data.default_currency, str) and data.default_currency:
        data = replace(data, default_currency=data.default_currency.upper())
    return data


@unique_errors
@transaction.atomic
def supplier_create(
    *,
    by: User,
    data: SupplierInput,
    categories: Iterable[Category] | None = None,
    status: str = SupplierStatus.PROSPECT,
) -> Supplier:
    require(permissions.may_manage_portfolio(by))
    supplier = Supplier(status=status)
    _apply(supplier, _normalise_supplier(data))
    supplier.full_clean()
    supplier.save()
    if categories is not None:
        supplier.categories.set(categories)
    emit("supplier.created", supplier)
    return supplier


@unique_errors
@transaction.atomic
def supplier_update(
    *,
    supplier: Supplier,
    by: User,
    data: SupplierInput,
    categories: Iterable[Category] | None = None,
) -> Supplier:
    """Changes the profile; the status changes only through ``supplier_change_status``."""
    require(permissions.may_edit_supplier(by, supplier))
    changed = _apply(supplier, _normalise_supplier(data))
    if categories is not None:
        new = {category.pk for category in categories}
        if new != set(supplier.categories.values_list("pk", flat=True)):
            supplier.categories.set(new)
            changed = True
    if changed:
        supplier.updated_at = timezone.now()
        supplier.full_clean()
        supplier.save()
        emit("supplier.changed", supplier)
    return supplier


def check_status_transition(*, current: str, new: str, reason: str = "") -> None:
    """The lifecycle rule, shared by single changes and the ERP bulk upsert."""
    if new == current:
        return
    if new not in STATUS_TRANSITIONS.get(current, frozenset()):
        raise SupplierStatusTransitionError(
            _("A supplier cannot go from %(current)s to %(new)s.")
            % {"current": SupplierStatus(current).label, "new": SupplierStatus(new).label}
        )
    if current == SupplierStatus.OFFBOARDED and not reason.strip():
        raise SupplierStatusTransitionError(
            _("Say why an offboarded supplier comes back."), code="reason_required"
        )


@transaction.atomic
def supplier_change_status(
    *, supplier: Supplier, status: str, by: User, reason: str = ""
) -> Supplier:
    """Moves a supplier along its lifecycle; the reason is kept in the audit trail."""
    require(permissions.may_change_status(by, supplier))
    if status not in SupplierStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    check_status_transition(current=supplier.status, new=status, reason=reason)
    if status == supplier.status:
        return supplier
    import pghistory

    previous = supplier.status
    with pghistory.context(reason=reason.strip()[:500] or None):
        supplier.status = status
        supplier.updated_at = timezone.now()
        supplier.save(update_fields=["status", "updated_at"])
    emit("supplier.status_changed", supplier, extra={"previous_status": previous})
    return supplier


@transaction.atomic
def supplier_delete(*, supplier: Supplier, by: User) -> None:
    """Deletes a supplier entered by mistake. One with records that must be kept (contracts,
    RFP invitations, reviews, corrective action plans) is refused: offboard it instead."""
    require(permissions.may_delete_supplier(by, supplier))
    try:
        with transaction.atomic():
            supplier.delete()
    except (ProtectedError, RestrictedError) as error:
        kept = sorted(
            {str(obj._meta.verbose_name_plural) for obj in error.protected_objects}
            if isinstance(error, ProtectedError)
            else {str(obj._meta.verbose_name_plural) for obj in error.restricted_objects}
        )
        raise DomainError(
            _(
                "%(supplier)s has records that are kept (%(records)s): offboard the supplier "
                "instead of deleting it."
            )
            % {"supplier": supplier.name, "records": ", ".join(kept)},
            code="supplier_has_records",
        ) from None


# --- Contacts ---------------------------------------------------------------------------------


def _normalise_contact(data: ContactInput) -> ContactInput:
    # Emails identify contacts in ERP syncs; they are compared without case.
    if isinstance(data.email, str) and data.email:
        data = replace(data, email=data.email.strip().lower())
    return data


def _contact_save(contact: Contact) -> Contact:
    contact.full_clean(validate_unique=False, validate_constraints=False)
    if contact.is_primary:
        # Only one primary contact: the new one takes the place of the old.
        Contact.objects.filter(supplier=contact.supplier, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False, updated_at=timezone.now())
    contact.validate_unique()
    contact.validate_constraints()
    contact.save()
    return contact


@unique_errors
@transaction.atomic
def contact_create(*, supplier: Supplier, by: User, data: ContactInput) -> Contact:
    require(permissions.may_manage_contacts(by, supplier))
    contact = Contact(supplier=supplier)
    _apply(contact, _normalise_contact(data))
    return _contact_save(contact)


def contact_check(*, supplier: Supplier, data: ContactInput) -> None:
    """Raises the ValidationError that creating this contact would raise, without saving:
    for forms that validate several new things before saving any."""
    contact = Contact(supplier=supplier)
    _apply(contact, _normalise_contact(data))
    contact.full_clean(validate_constraints=False)
    if contact.email and supplier.contacts.filter(email__iexact=contact.email).exists():
        raise ValidationError({"email": _("This supplier has a contact with this email already.")})


@unique_errors
@transaction.atomic
def contact_add_met_in_meeting(*, supplier: Supplier, by: User, data: ContactInput) -> Contact:
    """Anyone who logs a meeting may add the supplier's people they met there, whether or
    not they own the supplier; the contact rules are the same."""
    require(permissions.may_add_met_contact(by, supplier))
    contact = Contact(supplier=supplier)
    _apply(contact, _normalise_contact(data))
    return _contact_save(contact)


@unique_errors
@transaction.atomic
def contact_update(*, contact: Contact, by: User, data: ContactInput) -> Contact:
    require(permissions.may_manage_contacts(by, contact.supplier))
    if _apply(contact, _normalise_contact(data)):
        contact.updated_at = timezone.now()
        _contact_save(contact)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, by: User) -> None:
    require(permissions.may_manage_contacts(by, contact.supplier))
    contact.delete()


# --- Key-account ownership --------------------------------------------------------------------


@unique_errors
@transaction.atomic
def ownership_assign(
    *,
    supplier: Supplier,
    user: User,
    role: str,
    by: User,
    since: date | None = None,
) -> KeyAccountOwnership:
    """Gives ``user`` a key-account role. A new owner replaces the current one, whose
    ownership ends the day before (or the same day) and stays as history. A supplier has one
    executive sponsor at a time: a second is refused until the first one's role ends."""
    require(permissions.may_assign_owners(by, supplier))
    if role not in OwnershipRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not may_own(user):
        raise ValidationError({"user": _("Only active people who use the app can own suppliers.")})
    since = since or timezone.localdate()
    Supplier.objects.select_for_update().filter(pk=supplier.pk).first()  # serialise changes
    current = KeyAccountOwnership.objects.current().filter(supplier=supplier, role=role)
    existing = current.filter(user=user).first()
    if existing is not None:
        return existing
    if role == OwnershipRole.EXECUTIVE_SPONSOR:
        sponsor = current.select_related("user").first()
        if sponsor is not None:
            raise ValidationError(
                {
                    "role": _(
                        "%(supplier)s has an executive sponsor already (%(name)s): end that "
                        "role first."
                    )
                    % {"supplier": supplier.name, "name": sponsor.user.name}
                }
            )
    if role == OwnershipRole.OWNER:
        for previous in current:
            previous.until = max(since, previous.since)
            previous.updated_at = timezone.now()
            previous.save(update_fields=["until", "updated_at"])
    ownership = KeyAccountOwnership(supplier=supplier, user=user, role=role, since=since)
    ownership.full_clean()
    ownership.save()
    return ownership


@transaction.atomic
def ownership_end(
    *, ownership: KeyAccountOwnership, by: User, until: date | None = None
) -> KeyAccountOwnership:
    """Ends a key-account role. The owner of an active strategic supplier is replaced, not
    removed: every such supplier needs an owner."""
    require(permissions.may_assign_owners(by, ownership.supplier))
    if ownership.until is not None:
        return ownership
    supplier = ownership.supplier
    if (
        ownership.role == OwnershipRole.OWNER
        and supplier.status == SupplierStatus.ACTIVE
        and supplier.segment == Segment.STRATEGIC
    ):
        raise OwnerRequiredError(
            _("An active strategic supplier needs an owner: assign a new owner instead.")
        )
    ownership.until = max(until or timezone.localdate(), ownership.since)
    ownership.updated_at = timezone.now()
    ownership.full_clean()
    ownership.save(update_fields=["until", "updated_at"])
    return ownership


# --- Categories -------------------------------------------------------------------------------


@unique_errors
@transaction.atomic
def category_save(*, by: User, data: CategoryInput, category: Category | None = None) -> Category:
    require(permissions.may_manage_categories(by))
    category = category or Category()
    if _apply(category, data) or category.pk is None:
        parent = category.parent
        while parent is not None:
            if parent.pk == category.pk:
                raise ValidationError({"parent": _("Categories cannot form a loop.")})
            parent = parent.parent
        category.updated_at = timezone.now()
        category.full_clean()
        category.save()
    return category


@transaction.atomic
def category_delete(*, category: Category, by: User) -> None:
    require(permissions.may_manage_categories(by))
    if category.children.exists() or category.suppliers.exists():
        raise DomainError(
            _("This category is in use; move its suppliers and subcategories first."),
            code="category_in_use",
        )
    category.delete()
