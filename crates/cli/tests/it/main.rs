//! The real `kojo` binary, run in temporary folders (one integration-test binary, modules inside).

mod common;

mod api;
mod assessments;
mod axe;
mod browser;
mod browser_cycle;
mod browser_exchange;
mod browser_page;
mod browser_portfolio;
mod browser_registers;
mod browser_versions;
mod catalog;
mod checksheet;
mod companies;
mod cycle;
mod exchange;
mod exchange_refusals;
mod hardening;
mod inheritance;
mod ops;
mod portfolio;
mod registers;
mod scaleout;
mod versions;
mod web;
mod webdriver;
