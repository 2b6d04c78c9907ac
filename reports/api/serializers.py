"""The dashboard's figures for BI tools: plain numbers, in the reporting currency."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from escalations.choices import Level
from reviews.choices import Standing
from suppliers.api.serializers import SupplierBriefSerializer
from suppliers.choices import RiskLevel, Segment, SupplierStatus


def money() -> serializers.DecimalField:
    """An amount in the reporting currency, as a string with two decimals."""
    return serializers.DecimalField(max_digits=20, decimal_places=2)


class ScopeSerializer(serializers.Serializer[Any]):
    whole_portfolio = serializers.BooleanField(
        help_text="False: the figures cover only the caller's own suppliers."
    )
    period_days = serializers.IntegerField()
    since = serializers.DateField()
    today = serializers.DateField()
    currency = serializers.CharField(help_text="The reporting currency of every amount.")


class PortfolioCellSerializer(serializers.Serializer[Any]):
    segment = serializers.ChoiceField(choices=Segment.choices)
    status = serializers.ChoiceField(choices=SupplierStatus.choices)
    count = serializers.IntegerField()


class KraljicCellSerializer(serializers.Serializer[Any]):
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    spend_band = serializers.ChoiceField(
        choices=["1m", "100k", "10k", "0", "none"],
        help_text="Annual spend from 1,000,000, 100,000, 10,000 or 0 up; none: no figure.",
    )
    count = serializers.IntegerField()
    spend = money()


class PortfolioSerializer(serializers.Serializer[Any]):
    by_segment_and_status = PortfolioCellSerializer(many=True)
    kraljic = KraljicCellSerializer(many=True)


class QuarterAverageSerializer(serializers.Serializer[Any]):
    quarter = serializers.DateField(help_text="The first day of the quarter.")
    segment = serializers.ChoiceField(choices=Segment.choices)
    average = serializers.DecimalField(max_digits=5, decimal_places=1)
    reviews = serializers.IntegerField()


class StandingCountSerializer(serializers.Serializer[Any]):
    standing = serializers.ChoiceField(choices=Standing.choices)
    count = serializers.IntegerField()


class PerformanceSerializer(serializers.Serializer[Any]):
    average_score_by_quarter = QuarterAverageSerializer(many=True)
    standing_distribution = StandingCountSerializer(many=True)
    moved_down_count = serializers.IntegerField()
    moved_down = SupplierBriefSerializer(many=True, help_text="The first ten, by name.")


class SavingsSerializer(serializers.Serializer[Any]):
    expected = money()
    realised = money()


class ContractFiguresSerializer(serializers.Serializer[Any]):
    notice_due = serializers.IntegerField(help_text="Active contracts with notice due in 90 days.")
    expiring = serializers.IntegerField(help_text="Active contracts ending within 90 days.")
    active = serializers.IntegerField(help_text="Active contracts covering today.")
    value_under_contract = money()
    lacking_rate = serializers.IntegerField(
        help_text="Active contracts left out of the value: no exchange rate for their currency."
    )
    total_spend = money()
    savings = SavingsSerializer()


class RelationshipSerializer(serializers.Serializer[Any]):
    strategic_active = serializers.IntegerField()
    strategic_met_in_person = serializers.IntegerField()
    single_threaded = serializers.IntegerField()
    overdue_ours = serializers.IntegerField()
    overdue_theirs = serializers.IntegerField()


class EscalationLevelSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=Level.choices)
    open = serializers.IntegerField(help_text="Not resolved (open or acknowledged).")
    older_than_7 = serializers.IntegerField()
    older_than_30 = serializers.IntegerField()


class EscalationFiguresSerializer(serializers.Serializer[Any]):
    by_level = EscalationLevelSerializer(many=True)
    overdue_reviews = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer[Any]):
    scope = ScopeSerializer()
    portfolio = PortfolioSerializer()
    performance = PerformanceSerializer()
    contracts = ContractFiguresSerializer()
    relationship = RelationshipSerializer()
    escalations = EscalationFiguresSerializer()
