"""OFAC's sdn.xml. No real release is in ../shared, so the file is written here in the
published sdnList layout from real SDN rows (ANGARA, KIM Yong Chol, KOMID)."""

from __future__ import annotations

from pathlib import Path

from watchkeeper.importers import run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store

SDN_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>05/03/2024</Publish_Date><Record_Count>3</Record_Count></publshInformation>
  <sdnEntry>
    <uid>37059</uid><lastName>ANGARA</lastName><sdnType>Vessel</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
    <idList><id><uid>1</uid><idType>Vessel Registration Identification</idType><idNumber>IMO 9179842</idNumber></id></idList>
    <vesselInfo><vesselType>Roll-on Roll-off</vesselType><vesselFlag>Russia</vesselFlag><grossRegisteredTonnage>8811</grossRegisteredTonnage></vesselInfo>
    <remarks>Linked To: M LEASING LLC.</remarks>
  </sdnEntry>
  <sdnEntry>
    <uid>37065</uid><lastName>M LEASING LLC</lastName><sdnType>Entity</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
  </sdnEntry>
  <sdnEntry>
    <uid>12211</uid><firstName>Yong Chol</firstName><lastName>KIM</lastName><sdnType>Individual</sdnType>
    <programList><program>DPRK</program></programList>
    <akaList><aka><uid>2</uid><type>a.k.a.</type><category>strong</category><lastName>KIM</lastName><firstName>Yong-chol</firstName></aka></akaList>
    <dateOfBirthList><dateOfBirthItem><uid>3</uid><dateOfBirth>circa 1947</dateOfBirth></dateOfBirthItem></dateOfBirthList>
    <placeOfBirthList><placeOfBirthItem><uid>4</uid><placeOfBirth>Pyongan-Pukto, North Korea</placeOfBirth></placeOfBirthItem></placeOfBirthList>
    <addressList><address><uid>5</uid><city>Pyongyang</city><country>Korea, North</country></address></addressList>
  </sdnEntry>
</sdnList>
"""


def test_sdn_xml_entries(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sdn.xml"
    path.write_text(SDN_XML)
    summary = run_import(store, "ofac-xml", path)
    reader = store.read(Viewer("analyst", "USA"))
    assert reader.source(summary.source_id)["published"] == "2024-05-03"  # type: ignore[index]
    angara = reader.entity("ofac-37059")
    assert angara is not None and angara.schema == "Vessel"
    assert angara.entity.get("imoNumber") == ["9179842"]
    assert angara.entity.get("flag") == ["ru"]
    kim = reader.entity("ofac-12211")
    assert kim is not None and kim.schema == "Person"
    assert kim.entity.get("name") == ["KIM, Yong Chol"]
    assert kim.entity.get("alias") == ["KIM, Yong-chol"]
    assert kim.entity.get("birthPlace") == ["Pyongan-Pukto, North Korea"]
    assert kim.entity.get("country") == ["kp"]
    links = [v for v in reader.referencing("ofac-37065") if v.schema == "UnknownLink"]
    assert [link.entity.get("subject") for link in links] == [["ofac-37059"]]
