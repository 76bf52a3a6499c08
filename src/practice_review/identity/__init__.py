"""People and partner systems from each partner's own OpenID provider (issue 16).

`issuers` reads which providers are trusted and how their claims map to the service's roles, `discovery`
fetches and caches each provider's metadata and signing keys, `tokens` verifies a JWT, `people` turns its
claims into a `Caller`.
"""
