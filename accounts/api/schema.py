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
            "`manage.py create_api_token USERNAME --name NAME [--scopes …|--read-only]`.\n\n"
            "A token does what its user's role allows, narrowed by its scopes: "
            "`<resource>:read` or `<resource>:write` (write includes read), `*` for every "
            "resource. `*:write` (the default) is everything, `*:read` read-only; an ERP "
            "token might hold `suppliers:write,contracts:write,deliveries:write,reviews:read`. "
            "Each operation names the scope it needs in `x-required-scope`; without it the "
            "answer is 403 `missing_scope`. Any token may read `/api/v1/me/`. Sessions "
            "(the browser) are not limited by scopes.",
        }
