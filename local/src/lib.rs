//! The local stack: everything `sam local` would provide, on this machine, with AWS's own
//! emulators underneath (DynamoDB Local, moto, the Lambda Runtime Interface Emulator).

pub mod apigw;
pub mod bus;
pub mod console;
pub mod faults;
pub mod gateway;
pub mod iam;
pub mod jwt;
pub mod provision;
pub mod queues;
pub mod runtime;
pub mod seed;
pub mod stack;
pub mod streams;
pub mod template;
