#!/usr/bin/env bash
# Makes (or, run again, rotates) a business's signing secret for the signed webhook
# (docs/api.md, The signed webhook):
#   scripts/webhook-secret.sh <stack-name> <tenant-id> [region]
# Stores 32 random bytes (as 64 hex characters) in Secrets Manager as <stack>/webhook/<tenant-id>
# and prints the secret once, with the business's webhook address; give both to whoever
# configures the phone platform or booking system. The webhook uses a rotated secret within
# five minutes. The business must also bind the webhook's source (the command is printed).
# Needs the AWS CLI with credentials for the account, and openssl.
set -euo pipefail
usage="usage: scripts/webhook-secret.sh <stack-name> <tenant-id> [region]"
STACK=${1:?$usage}
TENANT=${2:?$usage}
REGION=${3:-${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}}
if ! [[ "$TENANT" =~ ^[A-Za-z0-9._:@-]{1,128}$ ]]; then
  echo "$TENANT is not a tenant id (1-128 letters, digits, '.', '_', ':', '@' or '-')" >&2
  exit 2
fi
output() {
  aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
URL=$(output WebhookUrl)
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
NAME="$STACK/webhook/$TENANT"
SECRET=$(openssl rand -hex 32)

if aws secretsmanager describe-secret --region "$REGION" --secret-id "$NAME" >/dev/null 2>&1; then
  aws secretsmanager put-secret-value --region "$REGION" --secret-id "$NAME" \
    --secret-string "$SECRET" >/dev/null
  echo "Rotated $NAME; the webhook takes the new secret within five minutes."
else
  aws secretsmanager create-secret --region "$REGION" --name "$NAME" \
    --description "Signs the webhook requests of business $TENANT (Second Chance Leads)" \
    --secret-string "$SECRET" >/dev/null
  echo "Created $NAME."
fi
cat <<EOT

Webhook address: $URL$TENANT
Signing secret:  $SECRET   (shown once; Secrets Manager keeps it)

Bind the webhook's source to the business, as its administrator (PUT /settings replaces the
whole list: include the business's other sources too):
  curl -X PUT "\$API/settings" -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"event_sources": [{"source": "second-chance-leads.webhook", "account": "$ACCOUNT"}]}'
EOT
