"""Who may add, remove and read an usulan's attachments, and when they can still change (pure)."""
import pytest

from eplanning_common.errors import Forbidden
from musrenbang.access import LAMPIRAN_READERS, ROLES, Caller, require_lampiran_reader, require_lampiran_writer
from musrenbang.domain import Level, withdraw
from musrenbang.domain.lampiran import edit_refusal, routed_to, storage_key
from musrenbang_builders import DESA_A, DESA_B, DESA_C, IN_DESA, PEMDA, accepted_through, schedule, submitted

PUPR = "1.03.0.00.0.00.01.0000"  # the OPD of the builders' kamus item
PERKIM = "1.04.2.10.0.00.01.0000"

DESA_OP = Caller("op-a", "operator_desa", PEMDA, DESA_A)
OTHER_DESA_OP = Caller("op-b", "operator_desa", PEMDA, DESA_B)
KEC_OP = Caller("kec-1", "operator_kecamatan", PEMDA, "12.21.01")
OTHER_KEC_OP = Caller("kec-2", "operator_kecamatan", PEMDA, "12.21.02")
BAPPEDA = Caller("bappeda", "bappeda", PEMDA)
OTHER_PEMDA_BAPPEDA = Caller("bappeda-x", "bappeda", "12.20")
OPD_PUPR = Caller("opd-1", "opd", PEMDA, opd=PUPR)
OPD_PERKIM = Caller("opd-2", "opd", PEMDA, opd=PERKIM)


def test_only_the_desa_operator_of_the_usulans_desa_adds_or_removes():
    require_lampiran_writer(DESA_OP, PEMDA, DESA_A)
    for caller in (OTHER_DESA_OP, KEC_OP, BAPPEDA, OPD_PUPR):
        with pytest.raises(Forbidden):
            require_lampiran_writer(caller, PEMDA, DESA_A)


@pytest.mark.parametrize("caller,allowed", [
    (DESA_OP, True), (OTHER_DESA_OP, False), (KEC_OP, True), (OTHER_KEC_OP, False), (BAPPEDA, True),
    (OTHER_PEMDA_BAPPEDA, False), (OPD_PUPR, False), (OPD_PERKIM, False),
])
def test_readers_before_routing(caller, allowed):
    if allowed:
        require_lampiran_reader(caller, PEMDA, DESA_A, frozenset())
    else:
        with pytest.raises(Forbidden):
            require_lampiran_reader(caller, PEMDA, DESA_A, frozenset())


def test_the_opd_an_usulan_was_routed_to_reads_its_attachments_and_no_other_opd():
    require_lampiran_reader(OPD_PUPR, PEMDA, DESA_A, frozenset({PUPR}))
    with pytest.raises(Forbidden):
        require_lampiran_reader(OPD_PERKIM, PEMDA, DESA_A, frozenset({PUPR}))
    with pytest.raises(Forbidden):  # the same OPD code in another pemda
        require_lampiran_reader(Caller("opd-x", "opd", "12.20", opd=PUPR), PEMDA, DESA_A, frozenset({PUPR}))


def test_routed_to_needs_the_stage_closed_and_a_kabupaten_acceptance():
    accepted = accepted_through(submitted(), Level.DESA, Level.KECAMATAN, Level.KABUPATEN)
    assert routed_to(accepted, stage_closed=False, rerouted_to=set()) == frozenset()
    assert routed_to(accepted, stage_closed=True, rerouted_to=set()) == {PUPR}
    assert routed_to(accepted, stage_closed=True, rerouted_to={PERKIM}) == {PUPR, PERKIM}
    only_kecamatan = accepted_through(submitted(), Level.DESA, Level.KECAMATAN)
    assert routed_to(only_kecamatan, stage_closed=True, rerouted_to=set()) == frozenset()


def test_an_opd_caller_needs_its_opd_code_and_only_enters_the_attachment_reads():
    identity = {"sub": "opd-1", "role": "opd", "pemda": PEMDA, "opd": PUPR}
    assert Caller.from_context(identity, LAMPIRAN_READERS).opd == PUPR
    with pytest.raises(Forbidden):
        Caller.from_context(identity, ROLES)  # every other entrypoint
    with pytest.raises(Forbidden):
        Caller.from_context({**identity, "opd": None}, LAMPIRAN_READERS)


def test_attachments_change_only_while_the_usulan_is_undecided_and_not_withdrawn():
    u = submitted()
    assert edit_refusal(u) is None
    assert "diputuskan" in edit_refusal(accepted_through(u, Level.DESA))
    assert "ditarik" in edit_refusal(withdraw(u, schedule(), by="op-a", at=IN_DESA, reason=None))


def test_the_storage_key_names_no_file_name():
    assert storage_key(PEMDA, 2027, "u-1", "l-1") == "musrenbang/lampiran/12.21/2027/u-1/l-1"


def test_a_desa_of_another_kecamatan_is_outside_the_kecamatan_operator():
    with pytest.raises(Forbidden):
        require_lampiran_reader(KEC_OP, PEMDA, DESA_C, frozenset())
