//! What a function's handler is given: built once per cold start in the function's `main`
//! (from `scl_aws::config`), and by tests with in-memory or local adapters.

/// A handler that needs only the table.
pub struct WithStore<S> {
    pub store: S,
}
