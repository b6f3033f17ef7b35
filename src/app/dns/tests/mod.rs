//! Tests of the DNS parser, built on messages assembled by hand.

mod build;
mod detect;
mod eve;
mod message;
mod name;
mod parser;
mod random;
