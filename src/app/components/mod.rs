pub mod ask_panel;
pub mod datasource_form;
pub mod readings;
pub mod result_table;
pub mod schema_sidebar;
pub mod chart_view;
pub mod verified;
