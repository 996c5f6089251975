//! Every command's output pinned as insta snapshots (exit code, stdout, stderr), run through
//! the real binary against real peers. The `.snap` files sit next to these modules; the
//! filters that make them stable are in `support::snapshot`. One module per command.

mod bad_input;
mod check;
mod collector;
mod demo;
mod deps;
mod env;
mod explain;
mod load;
mod overhead;
mod probe_server;
mod send;
mod serve;
