from __future__ import annotations

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.audit import audited
from core.currencies import default_currency, validate_currency
from core.feed import ENDED, in_feed
from suppliers.choices import OwnershipRole, RiskLevel, Segment, SupplierStatus
from suppliers.querysets import KeyAccountOwnershipQuerySet, SupplierQuerySet


@audited()
@in_feed("categories")
class Category(models.Model):
    """A purchasing category; categories form a tree through their parent."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="suppliers_category_unique_name",
                violation_error_message=_("A category of this name exists already."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="suppliers_category_not_own_parent",
                violation_error_message=_("A category cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


@audited()
@in_feed("suppliers")
class Supplier(models.Model):
    """A company we buy from, and the relationship we keep with it."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    external_id = models.CharField(
        _("ERP id"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The supplier's id in the ERP; integrations match on it."),
    )
    vat_number = models.CharField(_("VAT or registration number"), max_length=50, blank=True)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    categories = models.ManyToManyField(
        Category,
        verbose_name=_("categories"),
        through="SupplierCategory",
        related_name="suppliers",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SupplierStatus.choices, default=SupplierStatus.PROSPECT
    )
    segment = models.CharField(
        _("segment"), max_length=20, choices=Segment.choices, default=Segment.ROUTINE
    )
    risk_level = models.CharField(
        _("risk level"), max_length=20, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default=default_currency,
        validators=[validate_currency],
    )
    annual_spend = models.DecimalField(
        _("annual spend"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The last twelve months' spend in the reporting currency, from the ERP."),
    )
    # Set by the reviews app when a review lands in "very poor", cleared by a later review
    # that does better; RFPs refuse to invite a supplier while it is set.
    excluded_from_rfps = models.BooleanField(
        _("not to be invited to RFPs"),
        db_default=False,
        help_text=_("Set by a very poor review; lifted by a later, better one."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by the services on every real change (never on a no-op resend), so that
    # ?updated_since= tells integrations exactly what changed.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="supplier_updated_idx"),
            models.Index(fields=["name", "id"], name="supplier_name_idx"),
            models.Index(fields=["status", "segment"], name="supplier_status_segment_idx"),
            models.Index(fields=["country"], name="supplier_country_idx"),
            models.Index(Upper("vat_number"), name="supplier_vat_idx"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="supplier_name_trgm_idx"),
            GinIndex(
                OpClass(Upper("legal_name"), name="gin_trgm_ops"),
                name="supplier_legal_name_trgm_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SupplierStatus.values),
                name="suppliers_supplier_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(segment__in=Segment.values), name="suppliers_supplier_segment_valid"
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values),
                name="suppliers_supplier_risk_level_valid",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""),
                name="suppliers_supplier_external_id_not_empty",
                violation_error_message=_("An ERP id is either set or absent, never empty."),
            ),
            models.CheckConstraint(
                condition=Q(annual_spend__isnull=True) | Q(annual_spend__gte=0),
                name="suppliers_supplier_annual_spend_not_negative",
                violation_error_code="annual_spend_negative",
                violation_error_message=_("Annual spend cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.pk])


@audited()
class SupplierCategory(models.Model):
    """A supplier's membership of a category."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("supplier category")
        verbose_name_plural = _("supplier categories")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "category"], name="suppliers_suppliercategory_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} in {self.category_id}"


@audited()
@in_feed("contacts")
class Contact(models.Model):
    """A person at a supplier."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=ALL_LANGUAGES, blank=True
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        indexes = [models.Index(fields=["updated_at", "id"], name="contact_updated_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(is_primary=True),
                name="suppliers_contact_one_primary",
                violation_error_message=_("A supplier has at most one primary contact."),
            ),
            models.UniqueConstraint(
                "supplier",
                Lower("email"),
                condition=~Q(email=""),
                name="suppliers_contact_unique_email",
                violation_error_message=_("This supplier has a contact with this email already."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


@audited()
@in_feed("key-account-owners", ended=(ENDED, "{row}.until IS NOT NULL"))
class KeyAccountOwnership(models.Model):
    """One of our people owning (or backing up, or sponsoring) the relationship with a
    supplier, from ``since`` until ``until``; ended ownerships stay as history."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="ownerships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="ownerships",
    )
    role = models.CharField(_("role"), max_length=20, choices=OwnershipRole.choices)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = KeyAccountOwnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("key-account ownership")
        verbose_name_plural = _("key-account ownerships")
        ordering = ["supplier", "role", "-since"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="ownership_updated_idx"),
            models.Index(
                fields=["user", "supplier"],
                condition=Q(until__isnull=True),
                name="ownership_current_user_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(role=OwnershipRole.OWNER, until__isnull=True),
                name="suppliers_one_current_owner",
                violation_error_message=_("A supplier has exactly one owner at a time."),
            ),
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(role=OwnershipRole.EXECUTIVE_SPONSOR, until__isnull=True),
                name="suppliers_one_current_sponsor",
                violation_error_message=_("A supplier has one executive sponsor at a time."),
            ),
            models.UniqueConstraint(
                fields=["supplier", "user", "role"],
                condition=Q(until__isnull=True),
                name="suppliers_ownership_unique_current",
                violation_error_message=_("This person already has this role for the supplier."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="suppliers_ownership_until_after_since",
                violation_error_message=_("An ownership cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=OwnershipRole.values), name="suppliers_ownership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) of {self.supplier}"

    @property
    def is_current(self) -> bool:
        return self.until is None

    @property
    def is_owner(self) -> bool:
        return self.role == OwnershipRole.OWNER
