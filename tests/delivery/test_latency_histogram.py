"""The publish→deliver histogram is observed without locks; it must expose what
prometheus_client's own ``Histogram`` would for the same observations."""

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from newswire.delivery.meter import LatencyHistogram, Metrics

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def samples(registry: CollectorRegistry) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in family.samples:
            if s.name.endswith(("_bucket", "_count", "_sum")):
                found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


values = st.lists(
    st.one_of(st.sampled_from(BUCKETS), st.floats(min_value=0, max_value=120)), max_size=60
)


@given(stream=values, webhook=values)
def test_same_exposition_as_prometheus_client(stream, webhook):
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    mine = LatencyHistogram("lat_seconds", "Latency.", "channel", buckets=BUCKETS)
    ours.register(mine)
    reference = Histogram("lat_seconds", "Latency.", ["channel"], buckets=BUCKETS, registry=theirs)
    for channel, observed in (("stream", stream), ("webhook", webhook)):
        for value in observed:
            mine.labels(channel).observe(value)
            reference.labels(channel).observe(value)
    got, want = samples(ours), samples(theirs)
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert abs(got[key] - value) <= 1e-9 * max(1.0, abs(value)), key


def test_a_value_on_a_bound_counts_in_that_bucket():
    metrics = Metrics()
    metrics.latency.labels("stream").observe(0.05)
    found = samples(metrics.registry)
    le = lambda bound: ("newswire_publish_to_deliver_seconds_bucket", (("channel", "stream"), ("le", bound)))  # noqa: E731
    assert found[le("0.025")] == 0
    assert found[le("0.05")] == 1
    assert found[le("+Inf")] == 1
    assert found[("newswire_publish_to_deliver_seconds_count", (("channel", "stream"),))] == 1
