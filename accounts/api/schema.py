from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class APITokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.APITokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Send `Token <token>`; create tokens in the admin or with "
            "`manage.py create_api_token USERNAME --name NAME`.",
        }
