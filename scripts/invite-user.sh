#!/usr/bin/env bash
# Invites a member of staff to the stack's Cognito user pool (IdentityProvider Cognito):
#   scripts/invite-user.sh <stack-name> <email> <tenant-id> <view|admin> ["Display Name"] [region]
# Cognito emails them a temporary password; at first sign-in they choose their own. Their
# business (custom:tenant_id) and groups are set here, by an administrator: the console's app
# client cannot write them. `admin` adds the user to both scl-view and scl-admin (an
# administrator also works the queue). Run it again for an existing user to change their
# business, name or permission. Needs the AWS CLI with credentials for the account.
set -euo pipefail
usage="usage: scripts/invite-user.sh <stack-name> <email> <tenant-id> <view|admin> [\"Display Name\"] [region]"
STACK=${1:?$usage}
EMAIL=${2:?$usage}
TENANT=${3:?$usage}
ROLE=${4:?$usage}
NAME=${5:-}
REGION=${6:-${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}}
case "$ROLE" in view | admin) ;; *) echo "$usage" >&2; exit 2 ;; esac
case "$EMAIL" in *@*.*) ;; *) echo "$EMAIL is not an email address" >&2; exit 2 ;; esac
if ! [[ "$TENANT" =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
  echo "$TENANT is not a tenant id (1-64 letters, digits, '.', '_' or '-')" >&2
  exit 2
fi

POOL=$(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
  --query "Stacks[0].Outputs[?OutputKey=='UserPoolId'].OutputValue" --output text)
if [ -z "$POOL" ] || [ "$POOL" = "None" ]; then
  echo "$STACK has no user pool (IdentityProvider is ExternalOidc): invite staff in your own provider." >&2
  exit 1
fi
cognito() {
  local command=$1
  shift
  aws cognito-idp "$command" --region "$REGION" --user-pool-id "$POOL" "$@"
}

# As JSON, so a name with a comma ("Doe, Jane") is one value (the CLI's shorthand splits it).
attributes=$(python3 -c 'import json, sys
email, tenant, name = sys.argv[1:4]
attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
         {"Name": "custom:tenant_id", "Value": tenant}]
if name:
    attrs.append({"Name": "name", "Value": name})
print(json.dumps(attrs))' "$EMAIL" "$TENANT" "$NAME")
if cognito admin-get-user --username "$EMAIL" >/dev/null 2>&1; then
  cognito admin-update-user-attributes --username "$EMAIL" --user-attributes "$attributes"
  echo "Updated $EMAIL."
else
  cognito admin-create-user --username "$EMAIL" --user-attributes "$attributes" \
    --desired-delivery-mediums EMAIL >/dev/null
  echo "Invited $EMAIL: Cognito has emailed them a temporary password."
fi
cognito admin-add-user-to-group --username "$EMAIL" --group-name scl-view
if [ "$ROLE" = admin ]; then
  cognito admin-add-user-to-group --username "$EMAIL" --group-name scl-admin
else
  cognito admin-remove-user-from-group --username "$EMAIL" --group-name scl-admin
fi
echo "$EMAIL: business $TENANT, permission $ROLE (takes effect at their next sign-in or token refresh)."
