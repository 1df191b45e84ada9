#!/usr/bin/env bash
# Scaffolds a rule: the next free id of its family, a METADATA skeleton, and a _test.rego with a
# failing, a passing and a missing-data case; then runs the rule tests and regenerates the docs.
# Usage: scripts/new-rule.sh PILLAR SERVICE SLUG   e.g. scripts/new-rule.sh network ec2 sg_wide_egress
# PILLAR: identity | network | detection | data. The family (IAM, NET, DET, DATA) follows it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { echo "usage: $0 PILLAR SERVICE SLUG" >&2; exit 2; }
pillar=$1 service=$2 slug=$3
case "$pillar" in
  identity) family=IAM section=iam ;;
  network) family=NET section=network ;;
  detection) family=DET section=guardduty ;;
  data) family=DATA section=iam ;;
  *) echo "PILLAR must be identity, network, detection or data, not '$pillar'" >&2; exit 2 ;;
esac
[[ "$service" =~ ^[a-z0-9_]+$ && "$slug" =~ ^[a-z][a-z0-9_]*$ ]] || {
  echo "SERVICE and SLUG are lowercase words joined by '_' (a Rego package path)" >&2; exit 2; }
rule="rules/aws/$service/$slug.rego"
test="rules/aws/$service/${slug}_test.rego"
[ ! -e "$rule" ] || { echo "$rule exists" >&2; exit 2; }
# The next free id: one more than the highest of the family, built-in rules included.
last=$(grep -rhoE "^#   id: $family-[0-9]+" rules/ | sed -E "s/.*$family-0*//" | sort -n | tail -n 1)
id=$(printf "%s-%03d" "$family" $(( ${last:-0} + 1 )))
mkdir -p "rules/aws/$service"
cat >"$rule" <<REGO
# METADATA
# title: TODO one line saying what is wrong
# description: >-
#   TODO why it matters, and what an attacker does with it.
# custom:
#   id: $id
#   severity: medium
#   pillar: $pillar
#   categories: [hygiene]
#   requires: [$section]
#   compliance: []
#   remediation: >-
#     TODO what to change, concretely.
package aws.$service.$slug

# TODO the resources this rule judges (its denominator), by the facts' key (docs/facts.md).
applicable contains thing.key if {
	some thing in input.things
}

deny contains {
	"resource": thing.key,
	"message": sprintf("%s TODO", [thing.key]),
	"evidence": {"thing": thing.key},
} if {
	some thing in input.things
	thing.bad == true
}
REGO
cat >"$test" <<REGO
package aws.$service.${slug}_test

import data.aws.$service.$slug as rule

test_deny_bad_thing if {
	results := rule.deny with input as {"things": [{"key": "k-1", "bad": true}]}
	count(results) == 1
}

test_allow_good_thing if {
	input_doc := {"things": [{"key": "k-2", "bad": false}]}
	count(rule.deny) == 0 with input as input_doc
	rule.applicable == {"k-2"} with input as input_doc
}

test_missing_data_yields_nothing if {
	count(rule.applicable) == 0 with input as {}
}
REGO
echo "wrote $rule ($id) and $test"
cargo run --quiet -- rules test
scripts/regenerate.sh
echo "next: replace the TODOs and input.things with real facts, then scripts/test.sh"
