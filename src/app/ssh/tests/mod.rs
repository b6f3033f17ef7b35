//! Tests of the SSH parser.

mod banner;
mod build;
mod detect;
mod eve;
mod parser;
mod random;
