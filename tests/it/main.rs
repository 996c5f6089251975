mod check;
mod cli;
mod collector;
mod deps;
mod export;
mod peers;
mod serve;
mod support;
