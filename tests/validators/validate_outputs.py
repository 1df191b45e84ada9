"""Validates posture's outputs with real consumers' validators (run by tests/formats.rs).

    validate_outputs.py ocsf FILE compliance|detection   py-ocsf-models (pydantic)
    validate_outputs.py asff FILE                       botocore's securityhub model + validator
    validate_outputs.py sarif FILE                      the official SARIF 2.1.0 JSON Schema
    validate_outputs.py junit FILE                      XML well-formedness and JUnit structure

Prints one summary line and exits 0 when valid; prints the problems and exits 1 otherwise.
"""

import json
import pathlib
import sys


def fail(message):
    print(message)
    sys.exit(1)


def ocsf(path, expected_class):
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding
    from py_ocsf_models.objects.cloud import Cloud

    model, class_uid = {
        "compliance": (ComplianceFinding, 2003),
        "detection": (DetectionFinding, 2004),
    }[expected_class]
    count = 0
    for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        event = json.loads(line)
        try:
            parsed = model.model_validate(event)
            # The cloud profile's object; this model version leaves it off ComplianceFinding.
            Cloud.model_validate(event["cloud"])
        except Exception as error:  # pydantic.ValidationError, KeyError
            fail(f"line {number}: {error}")
        unknown = set(event) - set(model.model_fields) - {"cloud"}
        if unknown:
            fail(f"line {number}: attributes the class does not define: {sorted(unknown)}")
        if int(parsed.class_uid) != class_uid or int(parsed.type_uid) != class_uid * 100 + 1:
            fail(f"line {number}: class_uid {parsed.class_uid} type_uid {parsed.type_uid}")
        if not parsed.finding_info.uid:
            fail(f"line {number}: empty finding_info.uid")
        count += 1
    print(f"ocsf ok: {count} events")


def asff(path):
    import botocore.session
    from botocore.validate import ParamValidator

    findings = json.loads(pathlib.Path(path).read_text())
    model = botocore.session.get_session().get_service_model("securityhub")
    operation = model.operation_model("BatchImportFindings")
    shape = operation.input_shape
    # BatchImportFindings takes at most 100 findings per call.
    for start in range(0, len(findings), 100):
        report = ParamValidator().validate({"Findings": findings[start : start + 100]}, shape)
        if report.has_errors():
            fail(report.generate_report())
    finding_shape = shape.members["Findings"].member
    enums = {
        ("Severity", "Label"): finding_shape.members["Severity"].members["Label"].enum,
        ("Compliance", "Status"): finding_shape.members["Compliance"].members["Status"].enum,
        ("Workflow", "Status"): finding_shape.members["Workflow"].members["Status"].enum,
    }
    record_states = finding_shape.members["RecordState"].enum
    for index, finding in enumerate(findings):
        for (outer, inner), allowed in enums.items():
            if finding[outer][inner] not in allowed:
                fail(f"finding {index}: {outer}.{inner} {finding[outer][inner]!r} not in {allowed}")
        if finding["RecordState"] not in record_states:
            fail(f"finding {index}: RecordState {finding['RecordState']!r}")
    print(f"asff ok: {len(findings)} findings")


def sarif(path):
    import jsonschema

    schema_path = pathlib.Path(sys.prefix) / "share" / "sarif" / "sarif-2.1.0-rtm.5.json"
    if not schema_path.is_file():
        fail(f"missing {schema_path}: run scripts/setup-test-env.sh")
    schema = json.loads(schema_path.read_text())
    log = json.loads(pathlib.Path(path).read_text())
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    if errors:
        fail("\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:20]))
    print(f"sarif ok: {len(log['runs'][0]['results'])} results")


def json_schema(path, schema_path):
    """A JSON document, or JSON lines, against a JSON Schema (draft 2020-12)."""
    import jsonschema

    schema = json.loads(pathlib.Path(schema_path).read_text())
    text = pathlib.Path(path).read_text()
    documents = [json.loads(line) for line in text.splitlines() if line.strip()] if path.endswith(".ndjson") else [json.loads(text)]
    validator = jsonschema.Draft202012Validator(schema)
    for number, document in enumerate(documents):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        if errors:
            deepest = [max([e, *e.context], key=lambda x: len(list(x.absolute_path))) for e in errors[:20]]
            fail("\n".join(f"document {number}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in deepest))
    print(f"json-schema ok: {len(documents)} document(s)")


def junit(path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        fail(f"root is {root.tag}")
    cases = root.findall("./testsuite/testcase")
    if int(root.get("tests")) != len(cases):
        fail(f"tests={root.get('tests')} but {len(cases)} testcases")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    if int(root.get("failures")) != failures:
        fail(f"failures={root.get('failures')} but {failures} failing testcases")
    print(f"junit ok: {len(cases)} testcases, {failures} failures")


if __name__ == "__main__":
    kind, file, *rest = sys.argv[1:]
    {"ocsf": ocsf, "asff": asff, "sarif": sarif, "junit": junit, "json-schema": json_schema}[kind](file, *rest)
