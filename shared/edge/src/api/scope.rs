//! The permissions a route needs (docs/api.md, Authentication and permissions).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The *View Second Chance Leads* permission.
    View,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::View => "scl.view",
            Scope::Admin => "scl.admin",
        }
    }
}
