#!/usr/bin/env bash
# Checks infra/template.yaml against infra/rules/deployable.guard with CloudFormation Guard:
# every rule must pass on the template, and fail on a copy broken on purpose for it (so a rule
# that stops matching anything, after a rename say, is caught here rather than trusted).
set -euo pipefail
cd "$(dirname "$0")/.."
GUARD=.local/bin/cfn-guard
RULES=infra/rules/deployable.guard
TEMPLATE=infra/template.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A rule whose `when` finds nothing is skipped, and a skip is not a failure: every rule must
# have passed, having found what it checks.
rules=$(grep -c '^rule ' "$RULES")
if ! summary=$("$GUARD" validate --rules "$RULES" --data "$TEMPLATE" --show-summary all); then
  echo "$summary" >&2
  exit 1
fi
passed=$(grep -c '^[^ ]*/[a-z_]*  *PASS$' <<<"$summary" || true)
if [ "$passed" != "$rules" ]; then
  echo "check-template: $passed of $rules Guard rules passed on $TEMPLATE; the rest found nothing to check" >&2
  exit 1
fi

# rule name, then the sed program that breaks the template for it
broken_for=(
  table_deletion_protection
  's/DeletionProtectionEnabled: true/DeletionProtectionEnabled: false/'
  alarm_topic_publishable_by_cloudwatch
  's|KmsMasterKeyId: !Ref AlarmTopicKey|KmsMasterKeyId: alias/aws/sns|'
  alarm_topic_key_lets_cloudwatch_in
  's/Service: cloudwatch.amazonaws.com/Service: events.amazonaws.com/'
  no_publish_on_every_resource
  '0,/NotResource: !Sub "arn:${AWS::Partition}:sns:\*:\*:\*"/s//Resource: "*"/'
  log_groups_before_functions
  '/LogGroup: !Ref IngestCallFunctionLogs/d'
  event_bus_policy
  '/^      Policy:$/,/^$/d'
  event_rules_on_own_bus_and_source
  '/^              source: !Ref CallSources$/d'
  no_whole_tenant_key_family
  '0,/dynamodb:LeadingKeys: \["TENANT#\*#BUSINESS"\]/s//dynamodb:LeadingKeys: ["TENANT#*"]/'
)
for ((i = 0; i < ${#broken_for[@]}; i += 2)); do
  rule=${broken_for[i]}
  copy=$work/$rule.yaml
  sed -e "${broken_for[i + 1]}" "$TEMPLATE" >"$copy"
  if cmp -s "$copy" "$TEMPLATE"; then
    echo "check-template: the edit that should break $rule no longer matches $TEMPLATE" >&2
    exit 1
  fi
  # Guard exits non-zero when a rule fails: that is expected here; which rule failed is read.
  summary=$("$GUARD" validate --rules "$RULES" --data "$copy" --show-summary fail 2>&1 || true)
  if ! grep -q "/$rule  *FAIL" <<<"$summary"; then
    echo "check-template: $rule did not fail on a template broken for it" >&2
    exit 1
  fi
done
echo "check-template: $rules Guard rules pass on $TEMPLATE and each fails on a copy broken for it"
