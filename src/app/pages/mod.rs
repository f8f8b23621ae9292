pub mod datasources;
pub mod settings;
pub mod workbench;
