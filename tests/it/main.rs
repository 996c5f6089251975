mod check;
mod cli;
mod peers;
mod support;
