#!/usr/bin/env bash
# Deploys the CSR console to the stack's bucket and CloudFront distribution:
#   scripts/deploy-console.sh <stack-name> [region]
# Needs the AWS CLI with credentials for the account (as `sam deploy` does). Builds web/dist,
# writes its config.json from the stack's outputs (API URL, OIDC issuer, client id, scopes),
# uploads hashed assets with a year's caching and the shell and config with none, then
# invalidates the shell and config so the new version is live at once.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${1:?usage: scripts/deploy-console.sh <stack-name> [region]}
REGION=${2:-${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}}

output() {
  aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
API_URL=$(output ApiUrl)
BUCKET=$(output ConsoleBucketName)
DISTRIBUTION=$(output ConsoleDistributionId)
CONSOLE_URL=$(output ConsoleUrl)
ISSUER=$(output ConsoleOidcIssuer)
CLIENT_ID=$(output ConsoleOidcClientId)
SCOPE=$(output ConsoleOidcScope)
TENANT_CLAIM=$(output TokenTenantClaim)
NAME_CLAIM=$(output TokenNameClaim)
SCOPE_PREFIX=$(output TokenScopePrefix)
if [ -z "$CLIENT_ID" ] || [ "$CLIENT_ID" = "None" ]; then
  echo "The stack has no ConsoleOidcClientId: with IdentityProvider ExternalOidc, deploy it with that parameter (README, Deploy to your AWS account)." >&2
  exit 1
fi
# An output the stack does not have (TokenScopePrefix without a prefix) reads as "None".
[ "$SCOPE_PREFIX" = "None" ] && SCOPE_PREFIX=

scripts/tools.sh web
(cd web && npm run --silent build)
python3 - "$API_URL" "$ISSUER" "$CLIENT_ID" "$SCOPE" "$TENANT_CLAIM" "$NAME_CLAIM" "$SCOPE_PREFIX" \
  > web/dist/config.json <<'PY'
import json, sys
api, issuer, client, scope, tenant_claim, name_claim, scope_prefix = sys.argv[1:8]
print(json.dumps({
    "api_url": api,
    "oidc": {"issuer": issuer, "client_id": client, "scope": scope, "tenant_claim": tenant_claim,
             "name_claim": name_claim, "scope_prefix": scope_prefix},
    "environment": "aws",
}))
PY

# Assets first, never deleted here: a browser still on the previous shell keeps loading its
# own (the bucket's lifecycle rule expires replaced versions after 30 days).
aws s3 sync --region "$REGION" web/dist/assets "s3://$BUCKET/assets" \
  --cache-control "public, max-age=31536000, immutable"
aws s3 sync --region "$REGION" web/dist "s3://$BUCKET" --exclude "assets/*" --cache-control "no-cache" --delete
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths /index.html /config.json >/dev/null
echo "The console is at $CONSOLE_URL (sign-in callback: $CONSOLE_URL/signin/callback)."
