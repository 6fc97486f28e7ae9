"""The broadcast engine's cadence: how often legs wake, retry, pace and ask for results."""

from __future__ import annotations

# A waiting leg re-reads its campaign this often (a later reschedule takes effect there; the
# CLI restarts the execution for earlier ones). Hourly keeps a week-long wait far below
# Step Functions' 25,000-event history limit.
WAKE_EVERY = 3600
RETRY_AFTER = 60  # 45066, 45011, -1 and lost answers: the same clientmsgid a minute later
PACE = 50  # batches submitted per minute (WeChat's mass APIs allow 60 requests a minute)
MAX_ATTEMPTS = 10
RESULTS_EVERY = 120
MASS_GET_AFTER = 600  # no MASSSENDJOBFINISH this long after submitting: ask mass/get
RESULTS_GIVE_UP = 24 * 3600
STATS_EVERY = 1800
STATS_GIVE_UP = 12 * 3600  # after the decision time: decide without reads (the policy applies)
