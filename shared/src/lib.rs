//! Second Chance Leads: the domain (pure rules and types), the ports it needs, the AWS adapters
//! that implement them, and the HTTP edge shared by every function.

pub mod adapters;
pub mod api;
pub mod config;
pub mod domain;
pub mod events_in;
pub mod ports;
pub mod query;
pub mod service;
pub mod state;
pub mod telemetry;
