pub mod ask_panel;
pub mod datasource_form;
pub mod local_time;
pub mod readings;
pub mod result_table;
pub mod schema_sidebar;
pub mod chart_view;
pub mod verified;
