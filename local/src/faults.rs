//! Fault injection: the per-function proxy every AWS call already passes through (`iam`) can
//! also make the services misbehave, on demand, the way they do on a bad day: throttling or
//! server errors for a share of calls, added latency, or a service down for a while. The plan is
//! set with `SCL_FAULTS` (JSON, at start) or at run time through the Invoke API's control
//! endpoint (`GET`/`PUT`/`DELETE /faults`, docs/api.md); it applies to every function.
//!
//! ```json
//! {"dynamodb": {"throttle": 0.1},
//!  "sns": {"error": 0.2, "down_for_seconds": 10},
//!  "ses": {"error": 0.2, "latency_ms": 50}}
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What one service does wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFaults {
    /// Share of calls answered with the service's throttling error (0–1).
    #[serde(default)]
    pub throttle: f64,
    /// Share of calls answered with a server error (0–1).
    #[serde(default)]
    pub error: f64,
    /// Added to every call.
    #[serde(default)]
    pub latency_ms: u64,
    /// From when the plan is set, every call fails as if the service were unreachable.
    #[serde(default)]
    pub down_for_seconds: u64,
}

/// The plan, by service (`dynamodb`, `sns`, `ses`, `sqs`: a function's own calls, not the queue
/// mappings').
pub type FaultPlan = BTreeMap<String, ServiceFaults>;

#[derive(Debug, Default)]
struct Active {
    plan: FaultPlan,
    set_at: Option<Instant>,
    /// Calls failed on purpose, by service, since the stack started.
    injected: BTreeMap<String, u64>,
}

/// The stack's current plan, shared by every proxy and the control endpoint.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<RwLock<Active>>);

/// What to do with one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Pass {
        delay: Duration,
    },
    Fail {
        delay: Duration,
        response: FailedCall,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedCall {
    Throttled,
    ServerError,
    Unavailable,
}

impl Faults {
    /// The plan in `SCL_FAULTS`, if any.
    pub fn from_env() -> anyhow::Result<Faults> {
        let faults = Faults::default();
        if let Ok(text) = std::env::var("SCL_FAULTS") {
            faults.set(serde_json::from_str(&text)?);
        }
        Ok(faults)
    }

    pub fn set(&self, plan: FaultPlan) {
        let mut active = self.0.write().unwrap_or_else(|e| e.into_inner());
        active.plan = plan;
        active.set_at = Some(Instant::now());
    }

    /// How many calls were failed on purpose, by service.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .injected
            .clone()
    }

    pub fn plan(&self) -> FaultPlan {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .plan
            .clone()
    }

    /// Decides the fate of one call to `service`; `roll` is uniform in [0, 1).
    pub fn decide(&self, service: &str, roll: f64) -> Fault {
        let mut active = self.0.write().unwrap_or_else(|e| e.into_inner());
        let Some(f) = active.plan.get(service) else {
            return Fault::Pass {
                delay: Duration::ZERO,
            };
        };
        let delay = Duration::from_millis(f.latency_ms);
        let down = active
            .set_at
            .is_some_and(|at| at.elapsed() < Duration::from_secs(f.down_for_seconds));
        let response = if down {
            FailedCall::Unavailable
        } else if roll < f.throttle {
            FailedCall::Throttled
        } else if roll < f.throttle + f.error {
            FailedCall::ServerError
        } else {
            return Fault::Pass { delay };
        };
        *active.injected.entry(service.to_owned()).or_default() += 1;
        Fault::Fail { delay, response }
    }
}

/// A uniform number in [0, 1) (ULIDs carry 80 random bits).
pub fn roll() -> f64 {
    (ulid::Ulid::generate().random() & ((1 << 53) - 1)) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_outages_decide_each_call() {
        let faults = Faults::default();
        assert!(matches!(faults.decide("sns", 0.0), Fault::Pass { .. }));
        faults.set(serde_json::from_str(r#"{"dynamodb": {"throttle": 0.1, "error": 0.1, "latency_ms": 5}, "sns": {"down_for_seconds": 60}}"#).unwrap());
        let delay = Duration::from_millis(5);
        assert_eq!(
            faults.decide("dynamodb", 0.05),
            Fault::Fail {
                delay,
                response: FailedCall::Throttled
            }
        );
        assert_eq!(
            faults.decide("dynamodb", 0.15),
            Fault::Fail {
                delay,
                response: FailedCall::ServerError
            }
        );
        assert_eq!(faults.decide("dynamodb", 0.5), Fault::Pass { delay });
        assert!(matches!(
            faults.decide("sns", 0.99),
            Fault::Fail {
                response: FailedCall::Unavailable,
                ..
            }
        ));
        assert!(matches!(faults.decide("ses", 0.0), Fault::Pass { .. }));
        assert_eq!(faults.injected()["dynamodb"], 2);
        assert_eq!(faults.injected()["sns"], 1);
        faults.set(serde_json::from_str(r#"{"sns": {"down_for_seconds": 0}}"#).unwrap());
        assert!(
            matches!(faults.decide("sns", 0.5), Fault::Pass { .. }),
            "the outage is over"
        );
        assert!(serde_json::from_str::<FaultPlan>(r#"{"sns": {"eror": 0.2}}"#).is_err());
        let r = roll();
        assert!((0.0..1.0).contains(&r));
    }
}
