"""Exercise material leaves labelled and stays exercise material at the partner: the
demo's sharing exercise (issue 23, item 8) sent to a partner's Watchkeeper never enters
its reports, dossiers or statistics either."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.sharing.checks import parse_bundle
from watchkeeper.sharing.exercise import load_exercise, register_partners
from watchkeeper.sharing.gate import Selection, release
from watchkeeper.sharing.stix_import import import_bundle
from watchkeeper.store import open_store
from watchkeeper.views import detail

LOCAL = Viewer("local")
KOR = Viewer("kr-mofa", "KOR")


def test_exercise_material_goes_labelled_and_stays_exercise(tmp_path: Path) -> None:
    sender = open_store(f"sqlite:///{tmp_path / 'local.db'}")
    sender.add_organisation("local", None)
    register_partners(sender)
    load_exercise(sender, "local")
    done = release(sender, LOCAL, "kr-mofa", Selection(dataset="wk_sharing_exercise"), by="t")
    notes = [o for o in json.loads(done.data)["objects"] if o["type"] == "wk-note"]
    assert len(notes) == 4
    assert all(v["material"] == "exercise" for n in notes for v in n["values"])
    receiver = open_store(f"sqlite:///{tmp_path / 'kr.db'}")
    receiver.add_organisation("local", None)
    receiver.add_organisation("kr-mofa", "KOR")
    bundle = parse_bundle(done.data, "exercise.json")
    import_bundle(receiver, bundle, "exercise.json", "local", KOR,
                  default_marking=Marking.parse("TLP:AMBER"))  # fmt: skip
    reader = receiver.read(KOR)
    ids = [n["id"] for n in notes]
    for ref in ids:
        assert detail(reader, ref)["materials"] == ["exercise"], ref
    analysis = reader.for_analysis()
    assert not set(ids) & {view.id for view in analysis.entities()}
    # a material that is none of ours is refused, not read as fact
    for note in bundle["objects"]:
        if note["type"] == "wk-note":
            note["values"][0]["material"] = "rumour"
            break
    with pytest.raises(InputError, match="material: 'rumour'"):
        import_bundle(receiver, bundle, "exercise.json", "local", KOR,
                      default_marking=Marking.parse("TLP:AMBER"))  # fmt: skip
    sender.close()
    receiver.close()
