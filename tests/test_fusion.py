import pytest

from qa.fusion import rrf


def test_rrf_known_scores():
    fused = dict(rrf([["a", "b", "c"], ["b", "c", "d"]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["d"] == pytest.approx(1 / 63)
    assert [x for x, _ in rrf([["a", "b", "c"], ["b", "c", "d"]], k=60)] == ["b", "c", "a", "d"]


def test_rrf_weights_and_duplicates():
    # The second ranking counts double; a duplicate id inside one ranking keeps its first rank only.
    fused = rrf([["a", "a", "b"], ["b"]], weights=[1.0, 2.0], k=1)
    assert fused[0] == ("b", pytest.approx(1 / 3 + 2 / 2))
    assert fused[1] == ("a", pytest.approx(1 / 2))


def test_rrf_ties_keep_first_seen_order():
    assert [x for x, _ in rrf([["x"], ["y"]])] == ["x", "y"]
    assert [x for x, _ in rrf([["y"], ["x"]])] == ["y", "x"]


def test_rrf_rejects_bad_arguments():
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        rrf([["a"]], k=0)
    with pytest.raises(ValueError, match="2 weights for 1 rankings"):
        rrf([["a"]], weights=[1, 2])
