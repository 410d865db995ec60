"""openapi.yaml is a valid OpenAPI 3.1 document, and the running API answers as it says."""
import uuid
from pathlib import Path

import jsonschema
import yaml
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import Api, unique_email
from stack import ROOT

SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())
REGISTRY = Registry().with_resource("openapi.yaml", Resource.from_contents(SPEC, default_specification=DRAFT202012))


def test_document_is_valid_openapi_31():
    validate(SPEC)


def follow(ref_node):
    node = ref_node
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def conforms(response, path, method):
    """The status is documented for the operation, and the body and headers match its schemas."""
    operation = SPEC["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} answered undocumented {response.status_code}"
    documented = follow(documented)
    for name, header in documented.get("headers", {}).items():
        header = follow(header)
        if header.get("required"):
            assert name in response.headers, f"missing header {name}"
        if name in response.headers:
            jsonschema.validate(response.headers[name], header["schema"])
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip() or "application/json"
    content = documented.get("content", {}).get(media_type)
    if content is None:
        assert not documented.get("content") or method == "head", f"undocumented {media_type}"
        assert response.content == b""
        return
    validator = jsonschema.Draft202012Validator({"$ref": "openapi.yaml#" + content["schema"]["$ref"].lstrip("#")}
                                                if "$ref" in content["schema"] else content["schema"], registry=REGISTRY)
    validator.validate(response.json())


def test_every_kind_of_answer_matches_the_document(api, stack):
    email = unique_email("spec")
    created = api.create({"name": "Spec", "email": email, "age": None})
    conforms(created, "/api/people", "post")
    location = created.headers["Location"]
    person_path = "/api/people/{id}"
    fetched = api.get(location)
    conforms(fetched, person_path, "get")
    conforms(api.get(location, headers={"If-None-Match": fetched.headers["ETag"]}), person_path, "get")
    conforms(api.get(f"/api/people/{uuid.uuid4()}"), person_path, "get")
    conforms(api.get("/api/people?limit=2"), "/api/people", "get")
    conforms(api.get("/api/people?limit=500"), "/api/people", "get")
    conforms(api.get("/api/health"), "/api/health", "get")
    conforms(api.create({"name": "Dup", "email": email}), "/api/people", "post")
    conforms(api.create({"name": "", "email": "x"}), "/api/people", "post")
    conforms(api.create(None, raw=b"{"), "/api/people", "post")
    conforms(api.create(None, raw=b"{}", headers={"Content-Type": "text/plain"}), "/api/people", "post")
    conforms(api.create(None, raw=b"x" * 70000), "/api/people", "post")
    conforms(api.request("DELETE", "/api/people"), "/api/people", "post")
    conforms(api.get("/api/health", headers={"Accept": "text/html"}), "/api/health", "get")
    key = {"Idempotency-Key": str(uuid.uuid4())}
    replay_body = {"name": "Replay", "email": unique_email("replay")}
    api.create(replay_body, headers=key)
    conforms(api.create(replay_body, headers=key), "/api/people", "post")
    conforms(api.create({"name": "Other", "email": unique_email()}, headers=key), "/api/people", "post")
    conforms(api.create(None, raw=b'{"email": "a@example.com", "email": "b@example.org"}'), "/api/people", "post")
    anonymous = Api(stack, anonymous=True)
    conforms(anonymous.get("/api/people"), "/api/people", "get")
    conforms(anonymous.get(location), person_path, "get")
    conforms(anonymous.request("DELETE", location), person_path, "delete")
    conforms(api.request("PATCH", location), person_path, "delete")
    conforms(api.request("DELETE", location), person_path, "delete")
    conforms(api.request("DELETE", location), person_path, "delete")
    # Problem details on request, HEAD and OPTIONS, 501.
    problem = {"Accept": "application/problem+json"}
    conforms(api.create(None, raw=b'{"name": "", "email": "x", "age": 1e400}', headers=problem), "/api/people", "post")
    conforms(api.create(None, raw=b"{", headers=problem), "/api/people", "post")
    conforms(anonymous.get("/api/people", headers=problem), "/api/people", "get")
    conforms(api.request("BREW", "/api/people", headers=problem), "/api/people", "post")
    conforms(api.request("BREW", "/api/people"), "/api/people", "post")
    conforms(api.request("HEAD", "/api/people"), "/api/people", "head")
    conforms(anonymous.request("HEAD", "/api/people"), "/api/people", "head")
    conforms(api.request("HEAD", location), person_path, "head")
    conforms(api.request("HEAD", "/api/health"), "/api/health", "head")
    conforms(anonymous.request("OPTIONS", "/api/people"), "/api/people", "options")
    conforms(anonymous.request("OPTIONS", location), person_path, "options")
    conforms(anonymous.request("OPTIONS", "/api/health"), "/api/health", "options")


def test_the_body_limit_has_one_source():
    """RequestLimits.bodyKiB is the limit: nginx's config is rendered from it, and the description,
    the 413's documentation and its problem page say the same number (and no other)."""
    import re
    import subprocess
    import tempfile

    swift = (ROOT / "Sources/HTTPMessages/RequestLimits.swift").read_text()
    kib = int(re.search(r"public static let bodyKiB = (\d+)", swift).group(1))
    for text in [(ROOT / "openapi.yaml").read_text(), (ROOT / "nginx/www/problems/payload-too-large.html").read_text()]:
        stated = {int(n) for n in re.findall(r"(\d+) KiB", text)}
        assert stated == {kib}, stated
    with tempfile.TemporaryDirectory() as run_dir:
        subprocess.run([str(ROOT / "scripts/render-nginx.sh"), run_dir], check=True, capture_output=True)
        site = (Path(run_dir) / "people-api-site.conf").read_text()
    assert f"client_max_body_size     {kib}k;" in site
    assert f'413 "The request body must be at most {kib} KiB.";' in site
    assert "@BODY_LIMIT_KIB@" not in site
