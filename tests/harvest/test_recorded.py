"""The harvester's client against every recorded response in shared/testdata/oai/, each
asked with the very request it was recorded for (the replay answers nothing else): what
the client reads must be what the response holds, and every OAI-PMH error (Zenodo's come
with HTTP 422) must come out as that error, a broken answer as a reported failure."""

import json
import re
import urllib.parse
from pathlib import Path

import pytest

from thuvien.interop.harvest.client import Client, HarvestError, OAIError

from .conftest import TESTDATA

OAI_DIR = TESTDATA / "oai"


def _zenodo_entries():
    entries = []
    for entry in json.loads((OAI_DIR / "zenodo_recorded" / "index.json").read_text()):
        url = urllib.parse.urlsplit(entry["uri"])
        entries.append((entry["file"], url.netloc, entry["status"], dict(urllib.parse.parse_qsl(url.query)),
                        OAI_DIR / "zenodo_recorded" / entry["file"]))
    return entries


def _pyoai_entries():
    entries = []
    for folder in sorted((OAI_DIR / "pyoai_recorded").glob("fake*")):
        words = (folder / "mapping.txt").read_text().split()
        for query, name in zip(words[0::2], words[1::2]):
            entries.append((f"{folder.name}/{name}", folder.name, 200, dict(urllib.parse.parse_qsl(query)),
                            folder / name))
    return entries


RECORDED = _zenodo_entries() + _pyoai_entries()


def _call(client, params):
    """The client method a harvest uses for this request."""
    verb = params.get("verb")
    if verb == "Identify":
        return client.identify()
    if verb in ("ListRecords", "ListIdentifiers"):
        return client.list_page(verb, params.get("metadataPrefix"), params.get("from"), params.get("until"),
                                params.get("set"), params.get("resumptionToken"))
    if verb == "GetRecord":
        return client.get_record(params["identifier"], params["metadataPrefix"])
    if verb == "ListMetadataFormats":
        return client.list_metadata_formats(params.get("identifier"))
    if verb == "ListSets":
        return client.list_sets(token=params.get("resumptionToken"))
    return client.request(**params)  # pyoai's own GetMetadata


@pytest.mark.parametrize(("name", "repository", "status", "params", "path"), RECORDED, ids=[e[0] for e in RECORDED])
def test_every_recorded_response(replay, name, repository, status, params, path):
    """The replay answers as the recorded repository (zenodo.org, e-periodica.ch, httpbun,
    or one of pyoai's DSpace recordings) would have."""
    table = {frozenset(p.items()): (s, f) for _n, r, s, p, f in RECORDED if r == repository}
    replay.routes(lambda asked: table.get(frozenset(asked.items()), (404, None)))
    client = Client(replay.url, retries=1, backoff=0, timeout=5)
    body = path.read_text("utf-8", "replace")
    error = re.search(r'<error code="(\w+)"', body)
    if error:
        with pytest.raises(OAIError) as raised:
            _call(client, params)
        assert raised.value.code == error.group(1)
        assert replay.log[0] == params  # asked as recorded (the replay's own answer is badArgument too)
        assert status == (422 if repository == "zenodo.org" else 200)
        return
    if "<OAI-PMH" not in body or re.search(r"&bogus;|</bogus>|<bogus", body):
        # An HTML page, bare metadata (pyoai's GetMetadata) or an answer that is not well formed.
        with pytest.raises(HarvestError) as raised:
            _call(client, params)
        assert not isinstance(raised.value, OAIError)
        assert re.search(r"broken XML|not an OAI-PMH response", str(raised.value))
        return
    result = _call(client, params)
    verb = params["verb"]
    assert replay.log[0] == params  # asked exactly as recorded
    if verb == "Identify":
        assert result["name"] == re.search(r"<repositoryName>([^<]*)<", body).group(1)
        assert result["granularity"] in ("YYYY-MM-DD", "YYYY-MM-DDThh:mm:ssZ")
        assert result["deleted_record"] == re.search(r"<deletedRecord>(\w+)<", body).group(1)
    elif verb in ("ListRecords", "ListIdentifiers"):
        assert len(result.records) == len(re.findall(r"<header[ >]", body)) > 0
        token = re.search(r"<resumptionToken[^>]*>([^<]+)<", body)
        assert result.token == (token.group(1).strip() if token else "")
        identifiers = re.findall(r"<identifier>\s*([^<]+?)\s*</identifier>", body)
        tag = "oai:header/oai:identifier" if verb == "ListRecords" else "oai:identifier"
        assert [r.findtext(tag, namespaces={"oai": "http://www.openarchives.org/OAI/2.0/"}).strip()
                for r in result.records] == identifiers[:len(result.records)]
    elif verb == "GetRecord":
        assert params["identifier"] in result.findtext("{*}header/{*}identifier")
    elif verb == "ListMetadataFormats":
        assert [prefix for prefix, _schema, _ns in result] == re.findall(r"<metadataPrefix>([^<]+)<", body)
    elif verb == "ListSets":
        found, complete = result
        assert set(re.findall(r"<setSpec>([^<]+)<", body)) <= {spec for spec, _name in found}
        assert complete  # Zenodo's two pages and DSpace's one are all read
    else:
        pytest.fail(f"unexpected {name}")


def test_every_recorded_file_is_replayed():
    """Each response under testdata/oai is used: Zenodo's and pyoai's by the table above,
    Sickle's by name in these tests (test_harvest, test_features)."""
    recorded = {entry[-1].resolve() for entry in RECORDED}
    for folder in ("zenodo_recorded", "pyoai_recorded"):
        for path in (OAI_DIR / folder).rglob("*.xml"):
            assert path.resolve() in recorded, path
    sources = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    for path in (OAI_DIR / "sickle_sample_data").glob("*.xml"):
        assert f'"{path.name}"' in sources, path.name


def _reading(client, params):
    """What the client makes of an answer, in a form two answers can be compared by."""
    try:
        result = _call(client, params)
    except OAIError as error:
        return ("error", error.code)
    except HarvestError as error:
        return ("failure", type(error).__name__)
    verb = params["verb"]
    if verb == "Identify":
        return ("identify", result["name"], result["granularity"], result["deleted_record"])
    if verb in ("ListRecords", "ListIdentifiers"):
        return ("list", [_header_identifier(r) for r in result.records], result.token)
    if verb == "GetRecord":
        return ("record", result.findtext("{*}header/{*}identifier"))
    if verb == "ListSets":
        return ("sets", result)
    return ("other", result)


def _header_identifier(element):
    header = element if element.tag.endswith("}header") else element.find("{*}header")
    return header.findtext("{*}identifier")


def _cassette_interactions():
    yaml = pytest.importorskip("yaml")  # schemathesis brings PyYAML
    found = []
    for path in sorted((OAI_DIR / "oaipmh_scythe_cassettes").glob("*.yaml")):
        for n, interaction in enumerate(yaml.safe_load(path.read_text())["interactions"]):
            found.append((f"{path.name}#{n}", interaction))
    return found


def test_the_vcr_cassettes_read_as_the_files_extracted_from_them(replay, tmp_path):
    """oaipmh-scythe's cassettes (zenodo_recorded/ was extracted from them) replayed as they
    were recorded, status and body: the client reads each as it reads the extracted file."""
    extracted = {(repository, frozenset(params.items())): (status, path)
                 for _n, repository, status, params, path in RECORDED if "zenodo_recorded" in str(path)}
    interactions = _cassette_interactions()
    assert len(interactions) == 25  # every recording but the 852 KB list, which was left out
    cassette = {}
    for _name, interaction in interactions:
        url = urllib.parse.urlsplit(interaction["request"]["uri"])
        cassette[(url.netloc, frozenset(urllib.parse.parse_qsl(url.query)))] = interaction
    client = Client(replay.url, retries=1, backoff=0, timeout=5)

    def from_cassette(netloc, asked):
        interaction = cassette.get((netloc, frozenset(asked.items())))
        if interaction is None:
            return (404, None)
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.xml"
        path.write_text(interaction["response"]["body"]["content"], "utf-8")
        return (interaction["response"]["status"], path)

    for name, interaction in interactions:
        url = urllib.parse.urlsplit(interaction["request"]["uri"])
        params = dict(urllib.parse.parse_qsl(url.query))
        replay.routes(lambda asked, netloc=url.netloc: from_cassette(netloc, asked))
        from_vcr = _reading(client, params)
        replay.routes(lambda asked, netloc=url.netloc: extracted.get((netloc, frozenset(asked.items())), (404, None)))
        assert _reading(client, params) == from_vcr, name
        assert extracted[(url.netloc, frozenset(params.items()))][0] == interaction["response"]["status"], name
