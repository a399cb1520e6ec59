import pytest

from rkpd.domain import (VERSIONS, AssemblyPlan, RkpdVersion, TransitionRefused,
                         ValidationError, can_assemble, content_hash, mark_stale,
                         next_version_name, plan_assembly, promote, record_assembly)

from rkpd_builders import document, row


def assemble(history, plan, rows=(row(),)):
    doc = document(list(rows), versi=plan.versi, nomor_versi=plan.nomor)
    return record_assembly(history, doc), doc


def test_version_names_follow_the_stages_and_nothing_follows_penetapan():
    assert VERSIONS == ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")
    assert [next_version_name(v) for v in (None,) + VERSIONS[:-1]] == list(VERSIONS)
    with pytest.raises(TransitionRefused) as caught:
        next_version_name("penetapan")
    assert caught.value.code == "penetapan_final"
    with pytest.raises(ValidationError):
        next_version_name("final")


def test_full_cycle_promotes_one_stage_at_a_time_and_penetapan_is_immutable():
    history = ()
    assert plan_assembly(history) == AssemblyPlan(1, "rancangan awal")
    history, doc = assemble(history, plan_assembly(history))
    assert history == (RkpdVersion(1, "rancangan awal", content_hash(doc)),)
    for number, stage in enumerate(VERSIONS[1:], start=2):
        plan = promote(history, stage)
        assert plan == AssemblyPlan(number, stage)
        history, doc = assemble(history, plan)
    final = history[-1]
    assert (final.nomor, final.versi, final.ditetapkan, final.hash) == (
        4, "penetapan", True, content_hash(doc))
    assert not any(v.ditetapkan for v in history[:-1])
    assert can_assemble(history) is False
    for attempt in (lambda: plan_assembly(history), lambda: promote(history, "penetapan"),
                    lambda: mark_stale(history, "Renja dibuka kembali"),
                    lambda: record_assembly(history, document(versi="penetapan",
                                                              nomor_versi=5))):
        with pytest.raises(TransitionRefused) as caught:
            attempt()
        assert caught.value.code == "penetapan_final"
        assert "ditetapkan" in caught.value.message


@pytest.mark.parametrize("to", ["rancangan akhir", "penetapan", "rancangan awal"])
def test_promotion_cannot_skip_or_go_back(to):
    history, _ = assemble((), plan_assembly(()))
    with pytest.raises(TransitionRefused) as caught:
        promote(history, to)
    assert caught.value.code == "urutan_versi"


def test_promotion_needs_a_first_document_and_a_known_stage():
    with pytest.raises(TransitionRefused) as caught:
        promote((), "rancangan")
    assert caught.value.code == "belum_disusun"
    history, _ = assemble((), plan_assembly(()))
    with pytest.raises(ValidationError):
        promote(history, "draft")


def test_stale_then_reassembly_keeps_the_stage_and_increments_nomor_versi():
    history, _ = assemble((), plan_assembly(()))
    history, _ = assemble(history, promote(history, "rancangan"))
    assert can_assemble(history)
    history = mark_stale(history, "Renja OPD 1.03 berubah")
    assert history[-1].stale and history[-1].alasan_stale == "Renja OPD 1.03 berubah"
    assert mark_stale(history, "alasan lain") == history       # idempotent: first reason kept
    plan = plan_assembly(history)
    assert plan == AssemblyPlan(3, "rancangan")
    history, doc = assemble(history, plan, rows=(row(pagu_n="2.00"),))
    assert (history[-1].nomor, history[-1].versi, history[-1].stale) == (3, "rancangan", False)
    assert doc["nomor_versi"] == 3 and doc["versi"] == "rancangan"
    assert history[1].stale is True                           # the old version stays marked


def test_mark_stale_needs_a_reason_and_is_a_no_op_before_any_assembly():
    assert mark_stale((), "Musrenbang berubah") == ()
    with pytest.raises(ValidationError):
        mark_stale((), "  ")


def test_record_refuses_a_document_that_does_not_fit_the_history():
    history, _ = assemble((), plan_assembly(()))
    stale_plan_doc = document(versi="rancangan awal", nomor_versi=1)  # lost a race
    with pytest.raises(TransitionRefused) as caught:
        record_assembly(history, stale_plan_doc)
    assert caught.value.code == "konflik_versi"
    with pytest.raises(TransitionRefused):
        record_assembly(history, document(versi="rancangan akhir", nomor_versi=2))
    with pytest.raises(TransitionRefused):
        record_assembly((), document(versi="rancangan", nomor_versi=1))


def test_a_corrupted_history_is_a_programming_error():
    with pytest.raises(ValueError):
        plan_assembly((RkpdVersion(2, "rancangan awal", "x"),))
    with pytest.raises(ValueError):
        plan_assembly((RkpdVersion(1, "rancangan", "x"), RkpdVersion(2, "rancangan awal", "y")))
    with pytest.raises(ValueError):
        plan_assembly((RkpdVersion(1, "penetapan", "x"),))   # penetapan must be ditetapkan
