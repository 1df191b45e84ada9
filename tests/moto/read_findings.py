"""Prints the ids of every Security Hub finding posture imported, read back page by page.

usage: read_findings.py ENDPOINT REGION   (credentials from the environment)
"""
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
hub = boto3.client("securityhub", region_name=region, endpoint_url=endpoint)
ids, token = [], None
while True:
    page = hub.get_findings(MaxResults=100, **({"NextToken": token} if token else {}))
    ids += [f["Id"] for f in page["Findings"] if f["GeneratorId"].startswith("posture/")]
    token = page.get("NextToken")
    if not token:
        break
print(json.dumps(sorted(ids)))
