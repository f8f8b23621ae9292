pub mod account;
pub mod admin;
pub mod datasources;
pub mod history;
pub mod login;
pub mod settings;
pub mod workbench;
