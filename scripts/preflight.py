"""What an AWS account needs before Second Chance Leads can reach anyone, checked in plain words.

    make preflight STACK=<stack-name> REGION=<region>            # after `sam deploy`
    make preflight REGION=<region> SENDER=<email> [ISSUER=<url>]  # before it

After deploy the stack's parameters and outputs say what to check; before it, the sender and
(for your own OpenID Connect provider) the issuer are given. Each check prints `ok`, `fix`
(with what to do) or `unchecked` (what could not be read, and why); the exit status is 1 when
anything needs fixing. Read-only: it changes nothing in the account.

Runs with the pinned SAM CLI's Python (.local/venv-sam, which has boto3). `AWS_ENDPOINT_URL`
points every client elsewhere (tests/preflight.rs runs it against moto).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

import boto3
import botocore.exceptions

# SES's sandbox quota: 200 messages a day at 1 a second, to verified recipients only.
SES_SANDBOX_DAILY_QUOTA = 200.0
# SNS's default monthly SMS spend limit for a new account, in US dollars.
SNS_DEFAULT_SPEND_LIMIT = 1.0


@dataclass
class Finding:
    status: str  # ok | fix | unchecked
    check: str
    detail: str


class Preflight:
    def __init__(self, region: str) -> None:
        self.region = region
        self.findings: list[Finding] = []

    def client(self, service: str):
        return boto3.client(service, region_name=self.region)

    def ok(self, check: str, detail: str) -> None:
        self.findings.append(Finding("ok", check, detail))

    def fix(self, check: str, detail: str) -> None:
        self.findings.append(Finding("fix", check, detail))

    def unchecked(self, check: str, error: Exception) -> None:
        reason = str(error)
        if isinstance(error, botocore.exceptions.ClientError):
            reason = error.response.get("Error", {}).get("Message") or reason
        reason = reason.strip().splitlines()[0][:160] if reason.strip() else type(error).__name__
        self.findings.append(Finding("unchecked", check, f"could not be read ({reason})"))

    def read(self, check: str, call):
        """What `call` answers, or None once reported `unchecked` (any failure: moto lacks some
        calls, an account may lack the service in its region)."""
        try:
            return call()
        except Exception as e:  # noqa: BLE001 - reported, never raised
            self.unchecked(check, e)
            return None

    # --- the stack ---------------------------------------------------------------------------

    def stack(self, name: str) -> tuple[dict[str, str], dict[str, str]] | None:
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
        except botocore.exceptions.ClientError as e:
            self.fix("stack", f"{name} is not deployed in {self.region} ({e.response['Error']['Message']})")
            return None
        s = stacks[0]
        params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in s.get("Parameters", [])}
        outputs = {o["OutputKey"]: o["OutputValue"] for o in s.get("Outputs", [])}
        self.ok("stack", f"{name}: {s['StackStatus']}")
        return params, outputs

    # --- email -------------------------------------------------------------------------------

    def ses_sender(self, sender: str) -> None:
        check = "email sender"
        domain = sender.rpartition("@")[2]
        ses = self.client("ses")
        attrs = self.read(check, lambda: ses.get_identity_verification_attributes(Identities=[sender, domain]))
        if attrs is None:
            return
        attrs = attrs["VerificationAttributes"]
        verified = [i for i in (sender, domain) if attrs.get(i, {}).get("VerificationStatus") == "Success"]
        if verified:
            self.ok(check, f"{sender} may send: {verified[0]} is verified in SES")
        else:
            self.fix(
                check,
                f"SES will refuse to send from {sender}: verify the domain {domain} (with DKIM) "
                f"or the address in the SES console, region {self.region}",
            )

    def ses_production(self) -> None:
        check = "email sandbox"
        quota = self.read(check, self.client("ses").get_send_quota)
        if quota is None:
            return
        daily = float(quota.get("Max24HourSend", 0))
        if daily <= SES_SANDBOX_DAILY_QUOTA:
            self.fix(
                check,
                f"SES is in the sandbox ({daily:.0f} messages a day, only to verified addresses): "
                "request production access in the SES console (Account dashboard)",
            )
        else:
            self.ok(check, f"SES may send {daily:.0f} messages a day to anyone")

    # --- SMS ---------------------------------------------------------------------------------

    def sms_sandbox(self) -> None:
        check = "SMS sandbox"
        status = self.read(check, self.client("sns").get_sms_sandbox_account_status)
        if status is None:
            return
        if status.get("IsInSandbox"):
            self.fix(
                check,
                "SNS texts only verified numbers: move the account out of the SMS sandbox "
                "(SNS console, Text messaging (SMS), Sandbox)",
            )
        else:
            self.ok(check, "SNS may text any number")

    def sms_spend_limit(self, planned: float | None) -> None:
        """The account's monthly limit: above the new-account default, and (after deploy) at
        least the stack's SmsMonthlySpendLimit, which its alarm is computed from."""
        check = "SMS spend limit"
        sns = self.client("sns")
        answer = self.read(check, lambda: sns.get_sms_attributes(attributes=["MonthlySpendLimit"]))
        if answer is None:
            return
        attrs = answer["attributes"]
        limit = float(attrs.get("MonthlySpendLimit") or SNS_DEFAULT_SPEND_LIMIT)
        raise_it = "raise MonthlySpendLimit (SNS console, Text messaging preferences; above $1 needs a quota increase)"
        if limit <= SNS_DEFAULT_SPEND_LIMIT:
            self.fix(check, f"SNS stops texting once ${limit:.2f} is spent this month (the new-account default): {raise_it}")
        elif planned is not None and limit < planned:
            self.fix(
                check,
                f"the account's limit is ${limit:.2f} but the stack's SmsMonthlySpendLimit says ${planned:.2f}: "
                f"{raise_it}, or deploy with the account's figure so the alarm fires in time",
            )
        else:
            self.ok(check, f"SNS may spend ${limit:.2f} a month on texts")

    def sms_origination(self, named: str | None) -> None:
        """A US number that can text, and (after deploy) the stack's SmsOriginationNumber
        among them."""
        check = "SMS origination number"
        sms = self.client("pinpoint-sms-voice-v2")
        numbers = self.read(
            check,
            lambda: [n for page in sms.get_paginator("describe_phone_numbers").paginate() for n in page["PhoneNumbers"]],
        )
        if numbers is None:
            return
        active = [n for n in numbers if "SMS" in n.get("NumberCapabilities", []) and n.get("Status") == "ACTIVE"]
        usable = [n["PhoneNumber"] for n in active if n.get("IsoCountryCode") == "US"]
        if named and named not in [n["PhoneNumber"] for n in active]:
            self.fix(check, f"the stack sends from {named}, which is not an active SMS number of this account in {self.region}")
        elif usable:
            self.ok(check, f"texts to US numbers can go out from {named or usable[0]}")
        else:
            self.fix(
                check,
                "US carriers refuse texts without an origination identity: register a toll-free "
                "number or a 10DLC campaign (AWS End User Messaging SMS console)",
            )

    # --- sign-in and events ------------------------------------------------------------------

    def issuer(self, url: str) -> None:
        check = "sign-in issuer"
        discovery = url.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(discovery, timeout=10) as resp:  # noqa: S310 - https URL from the operator
                doc = json.load(resp)
        except (urllib.error.URLError, ValueError, TimeoutError) as e:
            self.fix(check, f"{discovery} cannot be read ({e}): the API and the console cannot check tokens")
            return
        # The authorizer compares `iss` with the issuer exactly, trailing slash and all.
        if doc.get("issuer") != url:
            self.fix(check, f"{discovery} names issuer {doc.get('issuer')!r}: the stack's issuer must be exactly that")
        elif not doc.get("jwks_uri"):
            self.fix(check, f"{discovery} publishes no keys (jwks_uri)")
        else:
            self.ok(check, f"{url} publishes its keys")

    def bus_policy(self, bus: str) -> None:
        check = "integration bus"
        try:
            described = self.client("events").describe_event_bus(Name=bus)
        except botocore.exceptions.ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                self.fix(check, f"{bus} does not exist in {self.region}: deploy the stack, or name its IntegrationBusName")
            else:
                self.unchecked(check, e)
            return
        except Exception as e:  # noqa: BLE001
            self.unchecked(check, e)
            return
        policy = described.get("Policy")
        if not policy:
            self.fix(
                check,
                f"{bus} has no resource policy: only this account's principals can put events, "
                "and nothing says so; redeploy the stack",
            )
            return
        principals = []
        for st in json.loads(policy).get("Statement", []):
            if st.get("Effect") == "Allow":
                p = st.get("Principal")
                principals.append(json.dumps(p) if not isinstance(p, str) else p)
        self.ok(check, f"{bus} admits {', '.join(principals) or 'nobody'}")

    def alarm_subscription(self, topic_arn: str) -> None:
        check = "alarm email"
        sns = self.client("sns")
        subs = self.read(
            check,
            lambda: [
                sub
                for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic_arn)
                for sub in page["Subscriptions"]
            ],
        )
        if subs is None:
            return
        emails = [s for s in subs if s.get("Protocol") == "email"]
        pending = [s["Endpoint"] for s in emails if s.get("SubscriptionArn") == "PendingConfirmation"]
        if not emails:
            self.fix(check, "no one is told of an alarm: deploy with AlarmEmail (or subscribe to AlarmTopicArn)")
        elif pending:
            self.fix(check, f"{', '.join(pending)} has not confirmed the alarm subscription: open the email from AWS")
        else:
            self.ok(check, f"alarms are emailed to {', '.join(s['Endpoint'] for s in emails)}")

    # --- report ------------------------------------------------------------------------------

    def report(self) -> int:
        width = max(len(f.check) for f in self.findings)
        for f in self.findings:
            print(f"{f.status:<9} {f.check:<{width}}  {f.detail}")
        needs = sum(f.status == "fix" for f in self.findings)
        print(f"\n{needs} to fix" if needs else "\nnothing to fix")
        return 1 if needs else 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack", default=os.environ.get("STACK") or None)
    ap.add_argument("--region", default=os.environ.get("REGION") or os.environ.get("AWS_REGION") or "us-east-1")
    ap.add_argument("--sender", default=os.environ.get("SENDER") or None, help="the SES sender (before deploy)")
    ap.add_argument("--issuer", default=os.environ.get("ISSUER") or None, help="your OIDC issuer (before deploy)")
    ap.add_argument("--bus", default=None, help="the integration bus (read from the stack after deploy)")
    args = ap.parse_args(argv)

    pf = Preflight(args.region)
    sender, issuer, bus, alarm_topic = args.sender, args.issuer, args.bus, None
    spend_limit, origination = None, None
    if args.stack:
        found = pf.stack(args.stack)
        if found:
            params, outputs = found
            sender = sender or params.get("SenderEmail")
            spend_limit = float(params.get("SmsMonthlySpendLimit") or SNS_DEFAULT_SPEND_LIMIT)
            origination = params.get("SmsOriginationNumber") or None
            issuer = issuer or outputs.get("ConsoleOidcIssuer")
            bus = bus or outputs.get("IntegrationBusName")
            alarm_topic = outputs.get("AlarmTopicArn")
    if not sender:
        print("preflight: name the stack (--stack) or the SES sender (--sender)", file=sys.stderr)
        return 2

    pf.ses_sender(sender)
    pf.ses_production()
    pf.sms_sandbox()
    pf.sms_spend_limit(spend_limit)
    pf.sms_origination(origination)
    if issuer:
        pf.issuer(issuer)
    if bus:
        pf.bus_policy(bus)
    if alarm_topic:
        pf.alarm_subscription(alarm_topic)
    return pf.report()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
