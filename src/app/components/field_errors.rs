//! Errors shown next to the form fields they are about: the field is marked
//! `aria-invalid="true"` and described by its message, so a screen reader reads both.
use leptos::prelude::*;

use crate::app::model::FieldError;

/// A form's broken fields; `form` names the form in the messages' element ids.
#[derive(Clone, Copy)]
pub struct FieldErrors {
    pub list: RwSignal<Vec<FieldError>>,
    form: &'static str,
}

impl FieldErrors {
    pub fn new(form: &'static str) -> Self {
        FieldErrors { list: RwSignal::new(Vec::new()), form }
    }

    pub fn message(self, field: &'static str) -> Option<String> {
        self.list.with(|errors| errors.iter().find(|e| e.field == field).map(|e| e.message.clone()))
    }

    /// `aria-invalid` for the field's input.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> Option<&'static str> + Send + Sync + Copy {
        move || self.list.with(|errors| errors.iter().any(|e| e.field == field)).then_some("true")
    }

    /// `aria-describedby` for the field's input: its message, when it has one.
    pub fn described_by(self, field: &'static str) -> impl Fn() -> Option<String> + Send + Sync + Copy {
        move || self.message(field).map(|_| self.id(field))
    }

    fn id(self, field: &str) -> String {
        format!("{}-error-{field}", self.form)
    }
}

/// The message next to a field, when it breaks a rule.
#[component]
pub fn FieldMessage(errors: FieldErrors, field: &'static str) -> impl IntoView {
    move || errors.message(field).map(|m| view! { <span class="field-error" id=errors.id(field)>{sentence(&m)}</span> })
}

/// A server message ("host is required") as a sentence of its own: "Host is required."
pub fn sentence(message: &str) -> String {
    if message.is_empty() {
        return String::new();
    }
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let end = if message.ends_with(['.', ')', '?', '!']) { "" } else { "." };
    format!("{first}{}{end}", chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("host is required"), "Host is required.");
        assert_eq!(sentence("engine is required (postgres, mysql or sqlite)"), "Engine is required (postgres, mysql or sqlite)");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }
}
