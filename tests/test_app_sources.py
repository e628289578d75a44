"""Where the app's baseline comes from, and why an upload cannot reach the disk: it is read
with the scenario loader's safe reader and schema, and may extend only a shipped scenario,
by its plain file name."""

from __future__ import annotations

import pytest

from sim.app import sources
from sim.scenario import ScenarioError

SMALL = b"extends: baseline.yaml\ninterventions:\n  retention:\n    annual_spend: 2500000\n"


def _refused(data: bytes, name: str = "mine.yaml") -> str:
    with pytest.raises(ScenarioError) as e:
        sources.from_upload(name, data)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_an_upload_may_extend_a_shipped_scenario():
    src = sources.from_upload("mine.yaml", SMALL)
    assert src.scenario.interventions.retention.annual_spend == 2.5e6
    assert src.scenario.demand.referrals_per_year == 9490  # from baseline.yaml
    assert (src.label, src.file_name, src.shipped) == ("uploaded mine.yaml", "mine.yaml", False)


@pytest.mark.parametrize("parent", ["/etc/passwd", "../scenarios/baseline.yaml",
                                    "verification/mech_tiny.yaml", "../../pyproject.toml",
                                    "baseline.yaml/", "~/x.yaml"])
def test_an_upload_cannot_extend_any_other_path(parent):
    msg = _refused(f"extends: {parent}\n".encode())
    assert msg.startswith(f"mine.yaml:1: extends: an uploaded scenario may extend only a "
                          f"shipped scenario, by its file name (found '{parent}'")


def test_an_upload_is_read_safely():
    msg = _refused(b"name: x\nrun: !!python/object/apply:os.system ['true']\n")
    assert msg.startswith("mine.yaml:2: run: tag '!!python/object/apply:os.system' is not "
                          "allowed")
    assert _refused(b"\xff\xfe bad").startswith("mine.yaml: is not UTF-8 text")
    assert _refused(b"#" * 1_000_001).startswith("mine.yaml: is 1,000,001 bytes")
    assert _refused(b"- a list\n").startswith("mine.yaml:1: must be a mapping of sections")


def test_an_uploads_errors_name_the_upload_not_a_temporary_file():
    msg = _refused(SMALL + b"    annual_spnd: 1\n", name="../../etc/my plan.yaml")
    assert msg.startswith("my plan.yaml:5: interventions.retention.annual_spnd: ")
    assert "/tmp" not in msg


def test_a_shipped_scenario_and_any_council():
    assert "baseline.yaml" in sources.shipped_scenarios()
    src = sources.from_shipped("retention.yaml")
    assert src.shipped and src.scenario.interventions.retention.annual_spend == 2.5e6
    with pytest.raises(ScenarioError, match="is not one of the shipped scenarios"):
        sources.from_shipped("../pyproject.toml")
    ws = sources.from_council("west sussex", 2019)
    assert (ws.label, ws.file_name) == ("West Sussex from 1 April 2019", "west_sussex_2019.yaml")
    assert ws.scenario.council == "West Sussex" and not ws.shipped
    assert ws.digest != sources.from_council("West Sussex", 2018).digest
    with pytest.raises(ScenarioError, match=r"^year: must be from 2014 to 2025 \(found 2030\)"):
        sources.from_council("West Sussex", 2030)
    with pytest.raises(ScenarioError, match=r"^council: "):
        sources.from_council("Atlantis", 2019)
