"""Validates posture's outputs with real consumers' validators (run by tests/formats.rs).

    validate_outputs.py ocsf FILE compliance|detection   py-ocsf-models (pydantic), OCSF 1.3 output
    validate_outputs.py ocsf16 FILE compliance|detection pydantic-ocsf's OCSF 1.6.0 models and schema
    validate_outputs.py parquet DIR                     pyarrow reads every file: partitions and rows
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


def ocsf16(path, expected_class):
    """OCSF 1.6.0: each event against pydantic-ocsf's model of its class (built from the OCSF
    1.6.0 schema it ships), no attribute the schema does not define, and the schema's
    `at_least_one`/`just_one` constraints of every class and object on the way."""
    import re

    from ocsf._schema_loader import get_schema_loader
    from ocsf.v1_6_0 import events
    from ocsf.v1_6_0.objects import Cloud

    schema = get_schema_loader().load_schema("1.6.0")
    models = {
        "compliance": {2003: events.ComplianceFinding, 2008: events.IamAnalysisFinding},
        "detection": {2004: events.DetectionFinding},
    }[expected_class]
    count, classes = 0, {}
    for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        event = json.loads(line)
        model = models.get(event.get("class_uid"))
        if model is None:
            fail(f"line {number}: class_uid {event.get('class_uid')} is not one of {sorted(models)}")
        try:
            parsed = model.model_validate(event)
            # The cloud profile's object: profile attributes are not on the class models.
            cloud = Cloud.model_validate(event["cloud"])
        except Exception as error:  # pydantic.ValidationError, KeyError
            fail(f"line {number}: {error}")
        if event["metadata"]["version"] != "1.6.0":
            fail(f"line {number}: metadata.version {event['metadata']['version']!r}")
        problems = schema_problems(schema, parsed, "events", "") + schema_problems(schema, cloud, "objects", "cloud")
        unknown = set(parsed.model_extra or {}) - {"cloud"}
        if unknown:
            problems.append(f"attributes the class does not define: {sorted(unknown)}")
        if problems:
            fail(f"line {number}: " + "; ".join(problems))
        if int(parsed.type_uid) != int(parsed.class_uid) * 100 + 1:
            fail(f"line {number}: class_uid {parsed.class_uid} type_uid {parsed.type_uid}")
        if not parsed.finding_info.uid:
            fail(f"line {number}: empty finding_info.uid")
        classes[int(parsed.class_uid)] = classes.get(int(parsed.class_uid), 0) + 1
        count += 1
    print(f"ocsf16 ok: {count} events, by class {json.dumps(dict(sorted(classes.items())))}")


def schema_problems(schema, model, kind, where):
    """Attributes outside the schema and unmet constraints, in a parsed model and every model in it
    (`unmapped` and the free-form `object` type excepted)."""
    import re

    from pydantic import BaseModel

    name = re.sub("([a-z0-9])([A-Z])", r"\1_\2", type(model).__name__).lower()
    if name == "object":
        return []
    problems = []
    if where and model.model_extra:
        problems.append(f"{where}: attributes {type(model).__name__} does not define: {sorted(model.model_extra)}")
    present = {key for key, value in model if value is not None}
    spec = schema[kind].get(name) or schema[kind].get(f"_{name}")
    while spec is not None:
        constraints = spec.get("constraints") or {}
        for rule, attributes in constraints.items():
            found = [a for a in attributes if a in present]
            if (rule == "at_least_one" and not found) or (rule == "just_one" and len(found) != 1):
                problems.append(f"{where or name}: {rule} of {attributes}, has {found}")
        parent = spec.get("extends")
        spec = (schema[kind].get(parent) or schema["objects"].get(parent)) if parent else None
    for key, value in model:
        if key == "unmapped":
            continue
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, BaseModel):
                path = f"{where}.{key}" if where else key
                problems += schema_problems(schema, item, "objects", f"{path}[{index}]" if isinstance(value, list) else path)
    return problems


def parquet(folder):
    """Every Parquet file under DIR/ext/<source>/region=/accountId=/eventDay=/ read with pyarrow:
    one OCSF class per source and per file, the rows agreeing with their partition, one schema per
    source. Prints the rows per partition as JSON."""
    import datetime

    import pyarrow.parquet as pq

    root = pathlib.Path(folder)
    rows, schemas = {}, {}
    files = sorted(root.glob("ext/*/region=*/accountId=*/eventDay=*/*.parquet"))
    if not files or sorted(root.rglob("*.parquet")) != files:
        fail(f"parquet files outside the Security Lake layout: {sorted(root.rglob('*.parquet'))}")
    for file in files:
        relative = file.relative_to(root)
        _, source, region, account, day, _ = relative.parts
        table = pq.read_table(file, partitioning=None)
        events = table.to_pylist()
        classes = {event["class_uid"] for event in events}
        if len(classes) != 1:
            fail(f"{relative}: classes {classes}")
        schemas.setdefault(source, set()).add(table.schema.to_string())
        for event in events:
            region_of = event["cloud"]["region"]
            expected = (
                "region=" + ("us-east-1" if region_of == "global" else region_of),
                "accountId=" + event["cloud"]["account"]["uid"],
                "eventDay=" + datetime.datetime.fromtimestamp(event["time"] / 1000, datetime.timezone.utc).strftime("%Y%m%d"),
            )
            if expected != (region, account, day):
                fail(f"{relative}: a row of {expected}")
            json.loads(event["unmapped"]["evidence"])
        key = str(relative.parent)
        rows[key] = rows.get(key, 0) + len(events)
    mixed = {source: len(found) for source, found in schemas.items() if len(found) > 1}
    if mixed:
        fail(f"sources with more than one schema: {mixed}")
    print(f"parquet ok: {len(files)} files, {sum(rows.values())} rows")
    print(json.dumps(rows, sort_keys=True))


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
    {"ocsf": ocsf, "ocsf16": ocsf16, "parquet": parquet, "asff": asff, "sarif": sarif, "junit": junit, "json-schema": json_schema}[kind](file, *rest)
