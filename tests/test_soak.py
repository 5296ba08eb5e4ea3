"""A 60-second soak (the 10-minute figures are in docs/reliability.md)."""

from __future__ import annotations

from bench.soak import soak

SOAK_SECONDS = 60.0
RSS_GROWTH_LIMIT_MB = 25.0


async def test_soak_60_seconds_stays_flat() -> None:
    result = await soak(SOAK_SECONDS)
    print(result)
    assert result.seconds >= SOAK_SECONDS
    assert result.requests_sent > 50, "it kept polling"
    assert result.faults_injected > 0 and result.errors_seen > 0, "faults were sprinkled"
    assert result.rss_end_mb - result.rss_start_mb < RSS_GROWTH_LIMIT_MB
    assert result.tasks_end <= result.tasks_start + 5, "asyncio tasks do not pile up"
    assert result.threads_end <= result.threads_start + 15, "threads do not pile up"
    assert result.squid_switches >= 15 and result.log_lines > 0
