from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.roles import Capability, Role, capabilities_of, roles_of


class UserBriefSerializer(serializers.ModelSerializer[User]):
    """A user as other resources nest it."""

    name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(read_only=True)
    manager = UserBriefSerializer(read_only=True, allow_null=True)
    roles = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "preferred_language",
            "manager",
            "roles",
            "capabilities",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Role.values)))
    def get_roles(self, user: User) -> list[str]:
        return sorted(role.value for role in roles_of(user))

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField([c.value for c in Capability]))
    )
    def get_capabilities(self, user: User) -> list[str]:
        return sorted(capability.value for capability in capabilities_of(user))
