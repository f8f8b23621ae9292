pub mod datasources;
pub mod workbench;
